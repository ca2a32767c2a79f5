"""Config flow: client credentials and the locations to bring in.

Reauthentication and reconfiguration go through it too; the options flow
changes the locations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import voluptuous as vol

from .api import (
    DEFAULT_BASE_URL,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseRateLimitError,
)
from .const import DOMAIN, LOGGER, WEB_APP_URL
from .ids import device_identifier
from .locations import (
    ALL_LOCATIONS,
    CONF_LOCATIONS,
    NO_LOCATION,
    LocationSummary,
    Selection,
    as_stored,
    is_selected,
    location_id,
    name_of,
    selection_of,
    summarize,
    title,
)

if TYPE_CHECKING:
    from .runtime import SmartSenseConfigEntry

_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
# The form's error for a client error; any other is cannot_connect.
_FORM_ERRORS: dict[type[SmartSenseError], str] = {
    SmartSenseAuthError: "invalid_auth",
    SmartSenseAccessRefusedError: "access_refused",
}
# The user step keeps the API URL in a collapsed section: only those testing
# against a simulator change it.
SECTION_ADVANCED = "advanced"


def _locations_schema(
    locations: Mapping[str, LocationSummary], current: Selection
) -> vol.Schema:
    """A multi-select of "all locations" and each location with its asset count.

    Pre-filled with the current selection ("all" ticks everything).
    """
    options = [
        SelectOptionDict(
            value=ALL_LOCATIONS, label="All locations, including ones added later"
        )
    ]
    for location in sorted(
        locations,
        key=lambda key: (key == NO_LOCATION, name_of(key, locations).casefold()),
    ):
        count = locations[location].assets
        assets = "1 asset" if count == 1 else f"{count} assets"
        options.append(
            SelectOptionDict(
                value=location, label=f"{name_of(location, locations)} ({assets})"
            )
        )
    default = (
        [ALL_LOCATIONS, *locations] if current == ALL_LOCATIONS else sorted(current)
    )
    return vol.Schema(
        {
            vol.Required(CONF_LOCATIONS, default=default): SelectSelector(
                SelectSelectorConfig(
                    options=options, multiple=True, translation_key=CONF_LOCATIONS
                )
            )
        }
    )


def _chosen(
    ticked: list[str], locations: Mapping[str, LocationSummary]
) -> tuple[Selection | None, str]:
    """The selection the ticked options make, else None and the form's error.

    "All locations" ticked alone or with every location means all; ticked
    while some location is not, it contradicts itself.
    """
    if not ticked:
        return None, "no_locations"
    chosen = frozenset(ticked) - {ALL_LOCATIONS}
    if ALL_LOCATIONS not in ticked:
        return chosen, ""
    if chosen and chosen != locations.keys():
        return None, "all_and_some"
    return ALL_LOCATIONS, ""


class SmartSenseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a SmartSense account from its API client credentials."""

    VERSION = 1

    def __init__(self) -> None:
        """Start with nothing read yet."""
        self._data: dict[str, Any] = {}
        self._locations: dict[str, LocationSummary] = {}

    @staticmethod
    @callback
    def async_get_options_flow(
        config_entry: SmartSenseConfigEntry,
    ) -> SmartSenseOptionsFlow:
        """The options: which locations to bring in."""
        return SmartSenseOptionsFlow()

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the client id and secret (and, folded away, the API URL)."""
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_configured()
            data = {
                CONF_CLIENT_ID: user_input[CONF_CLIENT_ID],
                CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET],
                CONF_URL: user_input[SECTION_ADVANCED][CONF_URL],
            }
            errors = await self._async_validate(
                data, placeholders, url_field=SECTION_ADVANCED, read=self._read
            )
            if not errors:
                self._data = data
                if len(self._locations) > 1:
                    return await self.async_step_locations()
                return self._create_entry(ALL_LOCATIONS)
        schema = self._schema(with_url=False).extend(
            {
                vol.Required(SECTION_ADVANCED): section(
                    vol.Schema(
                        {vol.Required(CONF_URL, default=DEFAULT_BASE_URL): _URL}
                    ),
                    {"collapsed": True},
                )
            }
        )
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def _read(self, client: SmartSenseClient) -> None:
        """Read the asset listing once, for the locations it spreads over."""
        self._locations = summarize(await client.async_get_assets())

    async def async_step_locations(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which of the account's locations to bring in."""
        errors: dict[str, str] = {}
        if user_input is not None:
            choice, error = _chosen(user_input[CONF_LOCATIONS], self._locations)
            if choice is not None:
                return self._create_entry(choice)
            errors[CONF_LOCATIONS] = error
        return self.async_show_form(
            step_id="locations",
            data_schema=self.add_suggested_values_to_schema(
                _locations_schema(self._locations, ALL_LOCATIONS), user_input
            ),
            errors=errors,
            description_placeholders={"count": str(len(self._locations))},
        )

    def _create_entry(self, selection: Selection) -> ConfigFlowResult:
        return self.async_create_entry(
            title=title(selection, self._locations),
            data=self._data,
            options={CONF_LOCATIONS: as_stored(selection)},
        )

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """SmartSense refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new client secret; the client id stays the same."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            errors = await self._async_validate(
                {**entry.data, **user_input}, placeholders
            )
            if not errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET}),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API URL of the same account."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"web_app_url": WEB_APP_URL}
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_mismatch(reason="wrong_account")
            data = {**entry.data, **user_input}
            errors = await self._async_validate(data, placeholders)
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=data)
        suggested = user_input or {
            key: value for key, value in entry.data.items() if key != CONF_CLIENT_SECRET
        }
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                self._schema(with_url=True), suggested
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    @staticmethod
    def _schema(*, with_url: bool) -> vol.Schema:
        fields: dict[Any, Any] = {
            vol.Required(CONF_CLIENT_ID): str,
            vol.Required(CONF_CLIENT_SECRET): _SECRET,
        }
        if with_url:
            fields[vol.Required(CONF_URL, default=DEFAULT_BASE_URL)] = _URL
        return vol.Schema(fields)

    async def _async_validate(
        self,
        data: Mapping[str, Any],
        placeholders: dict[str, str],
        *,
        url_field: str = CONF_URL,
        read: Callable[[SmartSenseClient], Awaitable[None]] | None = None,
    ) -> dict[str, str]:
        """Request a token and the first asset; return the form's errors.

        `read`, if given, reads what the flow needs instead of the first asset.
        An unusable URL is reported on `url_field`, the form entry holding it.
        """
        try:
            client = SmartSenseClient(
                async_get_clientsession(self.hass),
                data[CONF_CLIENT_ID],
                data[CONF_CLIENT_SECRET],
                base_url=data[CONF_URL],
            )
        except ValueError:
            return {url_field: "invalid_url"}
        try:
            if read is not None:
                await read(client)
            else:
                await client.async_get_asset_page(page=1, page_size=1)
        except SmartSenseRateLimitError as err:
            placeholders["retry_after"] = str(round(err.retry_after or 60))
            return {"base": "rate_limited"}
        except SmartSenseError as err:
            return {"base": _FORM_ERRORS.get(type(err), "cannot_connect")}
        except Exception:  # noqa: BLE001 - the form shows "unknown" instead
            LOGGER.exception("Unexpected error while checking SmartSense credentials")
            return {"base": "unknown"}
        return {}


class SmartSenseOptionsFlow(OptionsFlowWithReload):
    """Change the locations an entry brings in; the entry reloads after."""

    config_entry: SmartSenseConfigEntry

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the locations of the last poll, ticked as currently selected."""
        entry = self.config_entry
        if entry.state is not ConfigEntryState.LOADED:
            return self.async_abort(reason="not_loaded")
        coordinator = entry.runtime_data.coordinator
        current = selection_of(entry.options)
        locations = dict(coordinator.locations)
        if current != ALL_LOCATIONS:
            # A chosen location that SmartSense does not list now stays offered.
            for missing in current - locations.keys():
                locations[missing] = LocationSummary(None, 0)
        errors: dict[str, str] = {}
        if user_input is not None:
            choice, error = _chosen(user_input[CONF_LOCATIONS], locations)
            if choice is not None:
                self._remove_deselected(choice)
                if entry.title == title(current, locations):
                    self.hass.config_entries.async_update_entry(
                        entry, title=title(choice, locations)
                    )
                return self.async_create_entry(data={CONF_LOCATIONS: as_stored(choice)})
            errors[CONF_LOCATIONS] = error
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                _locations_schema(locations, current), user_input
            ),
            errors=errors,
        )

    def _remove_deselected(self, selection: Selection) -> None:
        """Remove the devices (and so the entities) of locations left out.

        The user's choice, so at once: the coordinator only removes what
        SmartSense stopped listing.
        """
        entry_id = self.config_entry.entry_id
        registry = dr.async_get(self.hass)
        for asset in self.config_entry.runtime_data.coordinator.data.assets.values():
            if is_selected(location_id(asset), selection):
                continue
            if device := registry.async_get_device_by_identifier(
                device_identifier(asset.id), entry_id
            ):
                LOGGER.debug("Removing asset %s of a location left out", asset.id)
                registry.async_remove_device(device.id)
