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
    """A multi-select of "all locations" and each location with its asset count."""
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
    # "All" ticks everything.
    default = [ALL_LOCATIONS, *locations] if current == ALL_LOCATIONS else current
    return vol.Schema(
        {
            vol.Required(CONF_LOCATIONS, default=sorted(default)): SelectSelector(
                SelectSelectorConfig(
                    options=options, multiple=True, translation_key=CONF_LOCATIONS
                )
            )
        }
    )


def chosen(
    user_input: Mapping[str, Any] | None, locations: Mapping[str, LocationSummary]
) -> tuple[Selection | None, dict[str, str]]:
    """The selection the ticked options make, else None and the form's errors.

    "All locations" ticked alone or with every location means all; ticked
    while some location is not, it contradicts itself.
    """
    if user_input is None:
        return None, {}
    ticked = user_input[CONF_LOCATIONS]
    if not ticked:
        return None, {CONF_LOCATIONS: "no_locations"}
    chosen = frozenset(ticked) - {ALL_LOCATIONS}
    if ALL_LOCATIONS not in ticked:
        return chosen, {}
    if chosen and chosen != locations.keys():
        return None, {CONF_LOCATIONS: "all_and_some"}
    return ALL_LOCATIONS, {}


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
        locations = entry.runtime_data.coordinator.locations
        if current != ALL_LOCATIONS:
            # A chosen location that SmartSense does not list now stays offered.
            locations = {key: LocationSummary(None, 0) for key in current} | locations
        choice, errors = chosen(user_input, locations)
        if choice is not None:
            # The user's choice, so at once: the coordinator only removes what
            # SmartSense stopped listing.
            registry = dr.async_get(self.hass)
            for asset in entry.runtime_data.coordinator.data.assets.values():
                device = registry.async_get_device_by_identifier(
                    device_identifier(asset.id), entry.entry_id
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
