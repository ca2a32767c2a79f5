"""What vanished from SmartSense while the entry was not loaded (Home Assistant
stopped, the entry reloading for reauthentication) waits out the grace period
like the rest, which runs on across restarts; a setup that fails removes
nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import DELETE, Simulator

from .conftest import advance
from .test_dynamic import GRACE_MINUTES


def _devices(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        identifier
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for _domain, identifier in device.identifiers
    }


def _points(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        entity.unique_id.rpartition(":")[0]
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


def _vanish(simulator: Simulator) -> tuple[str, str]:
    """Remove one whole asset and one point of an asset with several."""
    gone_asset = simulator.asset_ids()[0]
    kept = next(
        asset_id
        for asset_id in simulator.asset_ids()[1:]
        if len(simulator.sensor_point_ids(asset_id=asset_id)) > 1
    )
    gone_point = simulator.sensor_point_ids(asset_id=kept)[-1]
    simulator.remove_asset(gone_asset)
    simulator.remove_sensor_point(gone_point)
    return gone_asset, gone_point


async def _restart(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(entry.entry_id)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_vanished_while_unloaded_waits_out_the_grace_period(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Devices and entities SmartSense dropped meanwhile go a day later."""
    entry_id = loaded_entry.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    gone_asset, gone_point = _vanish(simulator)
    devices, points = _devices(hass, loaded_entry), _points(hass, loaded_entry)
    assert gone_asset in devices
    assert gone_point in points

    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert _devices(hass, loaded_entry) == devices
    assert _points(hass, loaded_entry) == points

    await advance(hass, freezer, GRACE_MINUTES)
    assert _devices(hass, loaded_entry) == {*simulator.asset_ids(), entry_id}
    assert _points(hass, loaded_entry) == {*simulator.sensor_point_ids(), entry_id}
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, gone_asset), entry_id
        )
        is None
    )


async def test_grace_period_runs_on_across_a_restart(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The time an asset has been missing is kept while Home Assistant restarts."""
    gone_asset, gone_point = _vanish(simulator)
    await advance(hass, freezer)  # missing from here on
    await advance(hass, freezer, GRACE_MINUTES / 2)
    await _restart(hass, loaded_entry)
    assert gone_asset in _devices(hass, loaded_entry)
    assert gone_point in _points(hass, loaded_entry)
    # Stopped for the rest of the day: the first poll after start-up removes.
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    freezer.tick(timedelta(minutes=GRACE_MINUTES / 2))
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert gone_asset not in _devices(hass, loaded_entry)
    assert gone_point not in _points(hass, loaded_entry)


async def test_failed_setup_removes_nothing(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A setup whose first poll fails keeps every device and entity."""
    entry_id = loaded_entry.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    devices, points = _devices(hass, loaded_entry), _points(hass, loaded_entry)
    _vanish(simulator)
    simulator.add_fault("/assets", status=503)
    await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.SETUP_RETRY
    assert _devices(hass, loaded_entry) == devices
    assert _points(hass, loaded_entry) == points


async def test_point_missing_across_a_restart_returns(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A point unlisted across a restart stays unavailable, then comes back."""
    point_id = simulator.sensor_point_ids()[0]
    value = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, f"{point_id}:value"
    )
    assert value is not None
    simulator.patch_sensor_point(point_id, id=DELETE)
    await advance(hass, freezer)
    await _restart(hass, loaded_entry)
    state = hass.states.get(value)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE
    simulator.patch_sensor_point(point_id, id=point_id)
    await advance(hass, freezer)
    state = hass.states.get(value)
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    assert (
        er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{point_id}:value")
        == value
    )


async def test_stored_state_of_what_is_gone_is_dropped(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """What the store remembers of devices no longer there names nothing."""
    key = f"{DOMAIN}.{config_entry.entry_id}.removal"
    hass_storage[key] = {
        "version": 1,
        "minor_version": 1,
        "key": key,
        "data": {
            "assets": {"a-gone": "2026-11-01T00:00:00+00:00"},
            "points": {"sp-gone": None},
            "dropped": {"a-gone": "Old Freezer"},
        },
    }
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    removal = config_entry.runtime_data.coordinator.removal
    assert removal.as_dict() == {"assets": {}, "points": {}, "dropped": {}}
    issues = ir.async_get(hass).issues
    assert not [issue for (domain, _), issue in issues.items() if domain == DOMAIN]
