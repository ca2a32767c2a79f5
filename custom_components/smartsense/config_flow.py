"""Config flow: client credentials, then the locations; reauth and reconfigure."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import section
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.util import dt as dt_util
import voluptuous as vol

from .api import (
    DEFAULT_BASE_URL,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseRateLimitError,
    SmartSenseUnexpectedAnswerError,
)
from .const import DOMAIN, LOGGER, WEB_APP_URL
from .locations import (
    ALL_LOCATIONS,
    CONF_LOCATIONS,
    LocationSummary,
    as_stored,
    chosen,
    is_selected,
    location_id,
    locations_schema,
    selection_of,
    summarize,
    title,
)
from .runtime import SmartSenseConfigEntry
from .unexpected import report

_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_ADDRESS = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
_URL = vol.Schema({vol.Required(CONF_URL, default=DEFAULT_BASE_URL): _ADDRESS})
_CREDENTIALS = vol.Schema(
    {vol.Required(CONF_CLIENT_ID): str, vol.Required(CONF_CLIENT_SECRET): _SECRET}
)
# The user step keeps the API URL in a collapsed section: only those testing
# against a simulator change it.
SECTION_ADVANCED = "advanced"
_USER_SCHEMA = _CREDENTIALS.extend(
    {vol.Required(SECTION_ADVANCED): section(_URL, {"collapsed": True})}
)
_REAUTH_SCHEMA = vol.Schema({vol.Required(CONF_CLIENT_SECRET): _SECRET})
_RECONFIGURE_SCHEMA = _CREDENTIALS.extend(_URL.schema)

_FORM_ERRORS: dict[type[SmartSenseError], str] = {
    SmartSenseAuthError: "invalid_auth",
    SmartSenseAccessRefusedError: "access_refused",
}


@dataclass(frozen=True, slots=True)
class _Checked:
    """The form's errors and the texts they need, else the account's locations."""

    errors: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    locations: dict[str, LocationSummary] = field(default_factory=dict)


async def _check(
    hass: HomeAssistant, data: Mapping[str, Any], url_field: str
) -> _Checked:
    """Request a token, read the asset listing and an hour of one point's readings.

    Both endpoints are read so that an answer in another shape shows at setup.
    """
    try:
        client = SmartSenseClient(
            async_get_clientsession(hass),
            data[CONF_CLIENT_ID],
            data[CONF_CLIENT_SECRET],
            base_url=data[CONF_URL],
        )
    except ValueError:
        return _Checked({url_field: "invalid_url"})
    try:
        assets = await client.async_get_assets()
        if points := [point for asset in assets for point in asset.sensor_points]:
            end = dt_util.utcnow()
            await client.async_get_readings(points[0].id, end - timedelta(hours=1), end)
    except SmartSenseRateLimitError as err:
        wait = str(round(err.retry_after or 60))
        return _Checked({"base": "rate_limited"}, {"retry_after": wait})
    except SmartSenseUnexpectedAnswerError as err:
        return _Checked({"base": "unexpected_answer"}, report(hass, err))
    except SmartSenseError as err:
        return _Checked({"base": _FORM_ERRORS.get(type(err), "cannot_connect")})
    except Exception:  # noqa: BLE001 - the form shows "unknown" instead
        LOGGER.exception("Unexpected error while checking SmartSense credentials")
        return _Checked({"base": "unknown"})
    return _Checked(locations=summarize(assets))


class SmartSenseConfigFlow(ConfigFlow, domain=DOMAIN):
    """Set up a SmartSense account from its API client credentials."""

    VERSION = 1
    # Set by the user step, before the locations step.
    _data: dict[str, Any]
    _locations: dict[str, LocationSummary]

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
        checked = _Checked()
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_configured()
            data = {**user_input, **user_input[SECTION_ADVANCED]}
            del data[SECTION_ADVANCED]
            checked = await _check(self.hass, data, SECTION_ADVANCED)
            if not checked.errors:
                self._data, self._locations = data, checked.locations
                return await self.async_step_locations()
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(_USER_SCHEMA, user_input),
            errors=checked.errors,
            description_placeholders={"web_app_url": WEB_APP_URL, **checked.texts},
        )

    async def async_step_locations(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask which of the account's locations to bring in, if there is a choice."""
        choice, errors = chosen(user_input, self._locations)
        if len(self._locations) < 2:
            choice = ALL_LOCATIONS
        if choice is not None:
            return self.async_create_entry(
                title=title(choice, self._locations),
                data=self._data,
                options={CONF_LOCATIONS: as_stored(choice)},
            )
        return self.async_show_form(
            step_id="locations",
            data_schema=self.add_suggested_values_to_schema(
                locations_schema(self._locations, ALL_LOCATIONS), user_input
            ),
            errors=errors,
            description_placeholders={"count": str(len(self._locations))},
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
        return await self._async_update("reauth_confirm", _REAUTH_SCHEMA, user_input)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the credentials or the API URL of the same account."""
        if user_input is not None:
            await self.async_set_unique_id(user_input[CONF_CLIENT_ID])
            self._abort_if_unique_id_mismatch(reason="wrong_account")
        return await self._async_update("reconfigure", _RECONFIGURE_SCHEMA, user_input)

    async def _async_update(
        self, step_id: str, schema: vol.Schema, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Check the entry's changed data: save it and reload, or ask again."""
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
        else:
            entry = self._get_reconfigure_entry()
        checked = _Checked()
        if user_input is not None:
            checked = await _check(self.hass, {**entry.data, **user_input}, CONF_URL)
            if not checked.errors:
                return self.async_update_reload_and_abort(
                    entry, data_updates=user_input
                )
        # What was typed, else what is stored; never the secret.
        suggested = {**entry.data, **(user_input or {})}
        del suggested[CONF_CLIENT_SECRET]
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=checked.errors,
            description_placeholders={"web_app_url": WEB_APP_URL, **checked.texts},
        )


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
        current = selection_of(entry.options)
        data = entry.runtime_data.coordinator.data
        locations = summarize(data.listed)
        if current != ALL_LOCATIONS:
            # A chosen location that SmartSense does not list now stays offered.
            locations = {key: LocationSummary(None, 0) for key in current} | locations
        choice, errors = chosen(user_input, locations)
        if choice is not None:
            # The user's choice, so at once: the coordinator only removes what
            # SmartSense stopped listing.
            registry = dr.async_get(self.hass)
            for asset in data.assets.values():
                device = registry.async_get_device_by_identifier(
                    (DOMAIN, asset.id), entry.entry_id
                )
                if device and not is_selected(location_id(asset), choice):
                    registry.async_remove_device(device.id)
            if entry.title == title(current, locations):
                self.hass.config_entries.async_update_entry(
                    entry, title=title(choice, locations)
                )
            return self.async_create_entry(data={CONF_LOCATIONS: as_stored(choice)})
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                locations_schema(locations, current), user_input
            ),
            errors=errors,
        )
