"""The options flow, and the locations form it shares with the config flow."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigFlowResult,
    OptionsFlowWithReload,
)
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
import voluptuous as vol

from .const import LOGGER
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
    title,
)

if TYPE_CHECKING:
    from .runtime import SmartSenseConfigEntry


def locations_schema(
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


def chosen(
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
            choice, error = chosen(user_input[CONF_LOCATIONS], locations)
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
                locations_schema(locations, current), user_input
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
