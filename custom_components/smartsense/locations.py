"""Which SmartSense locations an entry brings in: all, or the ones chosen.

The selection lives in the entry's options under CONF_LOCATIONS: the string
ALL_LOCATIONS (locations added to SmartSense later come in too), or a list of
location ids (a fixed choice: later locations stay out). Assets without a
location count as the location NO_LOCATION.
"""

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final, Literal, NamedTuple

from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
import voluptuous as vol

from .api import Asset

CONF_LOCATIONS: Final = "locations"
ALL_LOCATIONS: Final = "all"
NO_LOCATION: Final = "no_location"

type Selection = Literal["all"] | frozenset[str]


class LocationSummary(NamedTuple):
    """One location as the asset listing shows it."""

    name: str | None
    assets: int


def location_id(asset: Asset) -> str:
    """The location an asset counts under; one without an id counts as none."""
    location = asset.location
    return location.id if location is not None and location.id else NO_LOCATION


def summarize(assets: list[Asset]) -> dict[str, LocationSummary]:
    """Every location of a listing with its number of assets, by location id."""
    names = {
        location_id(asset): asset.location.name
        for asset in assets
        if asset.location is not None and asset.location.name
    }
    counts = Counter(map(location_id, assets))
    return {key: LocationSummary(names.get(key), n) for key, n in counts.items()}


def selection_of(options: Mapping[str, Any]) -> Selection:
    """The selection stored in an entry's options (entries without one: all)."""
    stored = options.get(CONF_LOCATIONS, ALL_LOCATIONS)
    return ALL_LOCATIONS if stored == ALL_LOCATIONS else frozenset(stored)


def as_stored(selection: Selection) -> str | list[str]:
    """The selection as the entry's options keep it (JSON)."""
    return selection if selection == ALL_LOCATIONS else sorted(selection)


def selected(assets: list[Asset], selection: Selection) -> list[Asset]:
    """The assets of the selected locations."""
    if selection == ALL_LOCATIONS:
        return assets
    return [asset for asset in assets if location_id(asset) in selection]


def is_selected(location: str, selection: Selection) -> bool:
    """Whether a location's assets are brought in."""
    return selection == ALL_LOCATIONS or location in selection


def name_of(location: str, locations: Mapping[str, LocationSummary]) -> str:
    """A location's name as SmartSense gives it (else its id, or "No location")."""
    if location == NO_LOCATION:
        return "No location"
    return locations[location].name or location


def title(selection: Selection, locations: Mapping[str, LocationSummary]) -> str:
    """The entry title that names the choice."""
    if selection == ALL_LOCATIONS:
        return "SmartSense"
    if len(selection) == 1:
        (only,) = selection
        return f"SmartSense ({name_of(only, locations)})"
    return f"SmartSense ({len(selection)} locations)"


def locations_schema(
    locations: Mapping[str, LocationSummary], current: Selection
) -> vol.Schema:
    """A multi-select of "all locations" and each location with its asset count."""
    labels = {ALL_LOCATIONS: "All locations, including ones added later"}
    for location in sorted(
        locations,
        key=lambda key: (key == NO_LOCATION, name_of(key, locations).casefold()),
    ):
        count = locations[location].assets
        assets = "1 asset" if count == 1 else f"{count} assets"
        labels[location] = f"{name_of(location, locations)} ({assets})"
    # "All" ticks everything.
    default = [ALL_LOCATIONS, *locations] if current == ALL_LOCATIONS else current
    options = [SelectOptionDict(value=key, label=text) for key, text in labels.items()]
    selector = SelectSelector(
        SelectSelectorConfig(
            options=options, multiple=True, translation_key=CONF_LOCATIONS
        )
    )
    return vol.Schema({vol.Required(CONF_LOCATIONS, default=sorted(default)): selector})


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
