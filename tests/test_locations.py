"""Locations: which of an account's locations an entry brings in.

The setup step and the options flow run against a simulated chain of three
stores over loopback; the selection's pure helpers are tested directly.
"""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.smartsense.api import Asset, Location
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.locations import (
    ALL_LOCATIONS,
    CONF_LOCATIONS,
    NO_LOCATION,
    LocationSummary,
    selected,
    selection_of,
    summarize,
    title,
)
from simulator import Account, SimConfig, Simulator

from .conftest import (
    advance,
    asset_devices,
    enabled_under_limit,
    through_locations,
    user_input,
)

STORES = 3


@pytest.fixture
def sim_config() -> SimConfig:
    """A chain: the demo account's assets dealt over three stores."""
    return SimConfig(accounts=[Account(sensor_points=16, locations=STORES)])


def _options(result: ConfigFlowResult) -> dict[str, str]:
    """The choices of the locations field: value -> label."""
    schema = result["data_schema"]
    assert schema is not None
    (field,) = schema.schema.values()
    return {option["value"]: option["label"] for option in field.config["options"]}


def _ticked(result: ConfigFlowResult) -> list[str]:
    """What the locations field shows ticked."""
    schema = result["data_schema"]
    assert schema is not None
    (key,) = schema.schema
    suggested = (key.description or {}).get("suggested_value")
    return list(suggested if suggested is not None else key.default())


def _label(simulator: Simulator, location: str) -> str:
    count = len(simulator.asset_ids(location_id=location))
    return f"{simulator.locations()[location]} ({count} assets)"


def _points_of(simulator: Simulator, *locations: str) -> set[str]:
    return {
        point
        for location in locations
        for asset in simulator.asset_ids(location_id=location)
        for point in simulator.sensor_point_ids(asset_id=asset)
    }


def _assert_only(
    hass: HomeAssistant,
    entry: ConfigEntry,
    simulator: Simulator,
    *locations: str,
) -> None:
    """The entry holds the devices and entities of these locations, nothing else.

    Every entity belongs to a device of the entry (no orphans), and every
    entity in the registry has a state (none left behind).
    """
    assets = {a for loc in locations for a in simulator.asset_ids(location_id=loc)}
    assert asset_devices(hass, entry) == assets
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    devices = {
        device.id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
    }
    assert all(entity.device_id in devices for entity in entities)
    points = {e.unique_id.rpartition(":")[0] for e in entities} - {entry.entry_id}
    assert points == _points_of(simulator, *locations)
    smartsense_states = {
        state.entity_id
        for state in hass.states.async_all()
        if er.async_get(hass).async_get(state.entity_id) is not None
        and er.async_get(hass).async_get(state.entity_id).platform == DOMAIN
    }
    assert smartsense_states == {e.entity_id for e in entities if not e.disabled}


async def _credentials_step(
    hass: HomeAssistant, simulator: Simulator
) -> ConfigFlowResult:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], user_input(simulator.url)
    )


async def _choose(
    hass: HomeAssistant,
    result: ConfigFlowResult,
    ticked: list[str],
    *,
    options: bool = False,
) -> ConfigFlowResult:
    """Submit the ticked locations to the config flow's step or the options."""
    flows = hass.config_entries.options if options else hass.config_entries.flow
    result = await flows.async_configure(result["flow_id"], {CONF_LOCATIONS: ticked})
    await hass.async_block_till_done()
    return result


# -- setup ------------------------------------------------------------------


async def test_step_offers_every_location_all_ticked(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """After the credentials: each store with its asset count, all ticked."""
    result = await _credentials_step(hass, simulator)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "locations"
    assert result["description_placeholders"] == {"count": str(STORES)}
    stores = simulator.locations()
    labels = _options(result)
    assert next(iter(labels)) == ALL_LOCATIONS
    assert labels[ALL_LOCATIONS] == "All locations, including ones added later"
    assert {key: labels[key] for key in stores} == {
        location: _label(simulator, location) for location in stores
    }
    # Sorted by name after "all".
    assert list(labels)[1:] == sorted(stores, key=lambda loc: stores[loc])
    assert sorted(_ticked(result)) == sorted([ALL_LOCATIONS, *stores])

    # The helper other tests pass the step with: it keeps what is ticked.
    result = await through_locations(hass, result)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "SmartSense"
    entry = result["result"]
    # Stored as "all", not as today's list, so later locations come in too.
    assert entry.options == {CONF_LOCATIONS: ALL_LOCATIONS}
    assert entry.state is ConfigEntryState.LOADED
    _assert_only(hass, entry, simulator, *stores)


@pytest.mark.parametrize("count", [1, 2])
async def test_selection_at_setup(
    hass: HomeAssistant, simulator: Simulator, count: int
) -> None:
    """Only the chosen stores' devices come in; the title names the choice."""
    stores = simulator.locations()
    chosen = sorted(stores)[:count]
    result = await _credentials_step(hass, simulator)
    result = await _choose(hass, result, chosen)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    expected = stores[chosen[0]] if count == 1 else f"{count} locations"
    assert result["title"] == f"SmartSense ({expected})"
    entry = result["result"]
    assert entry.options == {CONF_LOCATIONS: chosen}
    _assert_only(hass, entry, simulator, *chosen)


@pytest.mark.parametrize(
    ("ticked", "error"),
    [([], "no_locations"), ("all_and_one_store", "all_and_some")],
    ids=["nothing", "all_and_some"],
)
async def test_contradictory_selection_refused_then_recovered(
    hass: HomeAssistant, simulator: Simulator, ticked: Any, error: str
) -> None:
    """An empty choice, or "all" with a store left out, asks again."""
    if ticked == "all_and_one_store":
        ticked = [ALL_LOCATIONS, sorted(simulator.locations())[0]]
    result = await _credentials_step(hass, simulator)
    result = await _choose(hass, result, ticked)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_LOCATIONS: error}
    assert _ticked(result) == ticked  # what the user ticked stays ticked
    result = await _choose(hass, result, [ALL_LOCATIONS])
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].options == {CONF_LOCATIONS: ALL_LOCATIONS}


async def test_assets_without_location_are_a_choice(
    hass: HomeAssistant, simulator: Simulator
) -> None:
    """Assets SmartSense lists without a location can be chosen on their own."""
    loose = simulator.asset_ids()[0]
    simulator.patch_asset(loose, location=None)
    result = await _credentials_step(hass, simulator)
    labels = _options(result)
    assert list(labels)[-1] == NO_LOCATION
    assert labels[NO_LOCATION] == "No location (1 asset)"
    result = await _choose(hass, result, [NO_LOCATION])
    assert result["title"] == "SmartSense (No location)"
    assert asset_devices(hass, result["result"]) == {loose}


async def test_messages_have_english_text(hass: HomeAssistant) -> None:
    """The step, the options, their errors and the "all" choice have text."""
    config = await async_get_translations(hass, "en", "config", [DOMAIN])
    options = await async_get_translations(hass, "en", "options", [DOMAIN])
    selector = await async_get_translations(hass, "en", "selector", [DOMAIN])
    prefix = f"component.{DOMAIN}"
    assert "{count}" in config[f"{prefix}.config.step.locations.description"]
    for texts, kind, step in (
        (config, "config", "locations"),
        (options, "options", "init"),
    ):
        assert texts[f"{prefix}.{kind}.step.{step}.data.locations"]
        assert texts[f"{prefix}.{kind}.step.{step}.data_description.locations"]
        for error in ("no_locations", "all_and_some"):
            assert texts[f"{prefix}.{kind}.error.{error}"]
    assert options[f"{prefix}.options.abort.not_loaded"]
    assert selector[f"{prefix}.selector.locations.options.all"]


# -- options ----------------------------------------------------------------


async def _options_flow(
    hass: HomeAssistant, entry: MockConfigEntry
) -> ConfigFlowResult:
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    return result


async def test_options_remove_and_add_locations(
    hass: HomeAssistant, simulator: Simulator, loaded_entry: MockConfigEntry
) -> None:
    """Untick a store: its devices and entities go. Tick it again: they return."""
    stores = sorted(simulator.locations())
    _assert_only(hass, loaded_entry, simulator, *stores)
    result = await _options_flow(hass, loaded_entry)
    assert sorted(_ticked(result)) == sorted([ALL_LOCATIONS, *stores])
    assert set(_options(result)) == {ALL_LOCATIONS, *stores}

    coordinator = loaded_entry.runtime_data.coordinator
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_LOCATIONS: stores[:2]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Gone at once, before the reload: the user's choice, not a vanished asset.
    assert asset_devices(hass, loaded_entry).isdisjoint(
        simulator.asset_ids(location_id=stores[2])
    )
    await hass.async_block_till_done()
    assert loaded_entry.options == {CONF_LOCATIONS: stores[:2]}
    assert loaded_entry.runtime_data.coordinator is not coordinator  # reloaded
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert loaded_entry.title == "SmartSense (2 locations)"
    _assert_only(hass, loaded_entry, simulator, *stores[:2])

    result = await _options_flow(hass, loaded_entry)
    assert sorted(_ticked(result)) == stores[:2]
    result = await _choose(hass, result, [stores[2]], options=True)
    assert loaded_entry.title == f"SmartSense ({simulator.locations()[stores[2]]})"
    _assert_only(hass, loaded_entry, simulator, stores[2])

    result = await _options_flow(hass, loaded_entry)
    result = await _choose(hass, result, [ALL_LOCATIONS], options=True)
    assert loaded_entry.options == {CONF_LOCATIONS: ALL_LOCATIONS}
    assert loaded_entry.title == "SmartSense"
    _assert_only(hass, loaded_entry, simulator, *stores)


async def test_options_errors_then_recovery_and_own_title_kept(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """The options refuse a contradictory choice; a title the user gave stays.

    An unticked store's asset without sensor points (so without a device)
    is no obstacle.
    """
    stores = sorted(simulator.locations())
    bare = simulator.add_asset("Freezer", location=simulator.locations()[stores[1]])
    for point in simulator.sensor_point_ids(asset_id=bare):
        simulator.remove_sensor_point(point)
    await advance(hass, freezer)
    assert bare in loaded_entry.runtime_data.coordinator.data.assets
    hass.config_entries.async_update_entry(loaded_entry, title="Head office")
    result = await _options_flow(hass, loaded_entry)
    for ticked, error in (
        ([], "no_locations"),
        ([ALL_LOCATIONS, stores[0]], "all_and_some"),
    ):
        result = await _choose(hass, result, ticked, options=True)
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {CONF_LOCATIONS: error}
    result = await _choose(hass, result, [stores[0]], options=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert loaded_entry.title == "Head office"
    _assert_only(hass, loaded_entry, simulator, stores[0])


async def test_options_need_a_loaded_entry(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """While SmartSense cannot be reached at setup, the options say so."""
    simulator.add_fault("/assets", status=503, count=10)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    result = await hass.config_entries.options.async_init(config_entry.entry_id)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_loaded"


async def test_chosen_location_no_longer_listed_stays_chosen(
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
) -> None:
    """A chosen store that SmartSense stops listing is still offered, ticked."""
    stores = sorted(simulator.locations())
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_LOCATIONS: stores[:2]}
    )
    for asset in simulator.asset_ids(location_id=stores[1]):
        simulator.remove_asset(asset)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    result = await _options_flow(hass, config_entry)
    assert _options(result)[stores[1]] == f"{stores[1]} (0 assets)"
    assert sorted(_ticked(result)) == stores[:2]
    result = await _choose(hass, result, stores[:2], options=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert config_entry.options == {CONF_LOCATIONS: stores[:2]}


# -- new locations ----------------------------------------------------------


async def test_new_location_under_all_appears(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> None:
    """With all locations, a store opened later comes in at the next poll."""
    new = simulator.add_asset("Freezer", location="Store 999")
    await advance(hass, freezer)
    assert new in asset_devices(hass, loaded_entry)


async def test_new_location_under_a_filter_stays_out(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    simulator: Simulator,
    config_entry: MockConfigEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """A chosen set stays as it is; new assets of a chosen store do come in."""
    stores = sorted(simulator.locations())
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_LOCATIONS: [stores[0]]}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    elsewhere = simulator.add_asset("Freezer", location="Store 999")
    (new_store,) = simulator.locations().keys() - set(stores)
    at_chosen = simulator.add_asset(
        "Freezer", location=simulator.locations()[stores[0]]
    )
    await advance(hass, freezer)
    devices = asset_devices(hass, config_entry)
    assert at_chosen in devices
    assert elsewhere not in devices
    _assert_only(hass, config_entry, simulator, stores[0])

    # Diagnostics show the selection: ids and counts, no names.
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, config_entry
    )
    assert diagnostics["locations"] == {
        "selection": [stores[0]],
        "listed": {
            location: {
                "assets": len(simulator.asset_ids(location_id=location)),
                "selected": location == stores[0],
            }
            for location in sorted([*stores, new_store])
        },
    }
    assert "Store 999" not in str(diagnostics)


# -- the entity limit -------------------------------------------------------


async def test_entity_limit_counts_the_selected_locations_only(
    hass: HomeAssistant, simulator: Simulator, config_entry: MockConfigEntry
) -> None:
    """An account too large for the limit fits once one store is chosen.

    The limit is lowered to two entities per point of the whole account: too
    few for all of it (four start enabled per point), room for one store's.
    """
    stores = sorted(simulator.locations())
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_LOCATIONS: [stores[0]]}
    )
    limit = 2 * len(simulator.sensor_point_ids())
    enabled = await enabled_under_limit(hass, config_entry, limit)
    # Not only the readings: each point's alarm, connectivity, battery too.
    points = _points_of(simulator, stores[0])
    assert {f"{point}:value" for point in points} < enabled
    assert len(enabled) >= 4 * len(points)
    assert 4 * len(points) <= limit < 4 * len(simulator.sensor_point_ids())


# -- the selection's helpers ------------------------------------------------


def _asset(asset_id: str, location: Location | None) -> Asset:
    return Asset(id=asset_id, name=asset_id, location=location)


def test_summarize_select_and_title() -> None:
    """Counts per location, the filter and the title, without Home Assistant."""
    store = Location(id="l-12", name="Store 12")
    nameless = Location(id="l-13")
    assets = [
        _asset("a-1", store),
        _asset("a-2", store),
        _asset("a-3", nameless),
        _asset("a-4", None),
    ]
    summary = summarize(assets)
    assert summary == {
        "l-12": LocationSummary("Store 12", 2),
        "l-13": LocationSummary(None, 1),
        NO_LOCATION: LocationSummary(None, 1),
    }
    assert selected(assets, ALL_LOCATIONS) is assets
    assert [a.id for a in selected(assets, frozenset({"l-13", NO_LOCATION}))] == [
        "a-3",
        "a-4",
    ]
    assert selected(assets, frozenset({"l-99"})) == []
    assert title(ALL_LOCATIONS, summary) == "SmartSense"
    assert title(frozenset({"l-12"}), summary) == "SmartSense (Store 12)"
    assert title(frozenset({"l-13"}), summary) == "SmartSense (l-13)"
    assert title(frozenset({NO_LOCATION}), summary) == "SmartSense (No location)"
    assert title(frozenset({"l-12", "l-13"}), summary) == "SmartSense (2 locations)"
    # Entries from before locations could be chosen bring in everything.
    assert selection_of({}) == ALL_LOCATIONS
    assert selection_of({"scan_interval_minutes": 5}) == ALL_LOCATIONS
    assert selection_of({CONF_LOCATIONS: "all"}) == ALL_LOCATIONS
    assert selection_of({CONF_LOCATIONS: ["l-12"]}) == frozenset({"l-12"})
