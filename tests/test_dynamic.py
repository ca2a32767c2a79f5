"""Assets and sensor points that appear and vanish while Home Assistant runs."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import Simulator

from .conftest import advance, entity_id

SENSOR = Platform.SENSOR


def _device(hass: HomeAssistant, entry: MockConfigEntry, asset_id: str) -> object:
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, asset_id), entry.entry_id
    )


def _entities_of(
    hass: HomeAssistant, entry: MockConfigEntry, point_id: str
) -> list[str]:
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.unique_id.startswith(f"{point_id}:")
    ]


async def test_new_asset_appears_without_reload(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """An asset added in SmartSense shows up with its entities at the next poll."""
    asset_id = simulator.add_asset("Freezer", "Ice Cream Freezer")
    (point_id,) = simulator.sensor_point_ids(asset_id=asset_id)
    assert _device(hass, loaded_entry, asset_id) is None
    await advance(hass, freezer)
    assert _device(hass, loaded_entry, asset_id) is not None
    state = hass.states.get(entity_id(hass, SENSOR, point_id, "value"))
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    assert state.name == "Ice Cream Freezer Air Temperature"


async def test_vanished_asset_is_removed_with_its_device(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """An asset SmartSense no longer lists loses its device and entities."""
    asset_id = simulator.asset_ids()[0]
    point_ids = simulator.sensor_point_ids(asset_id=asset_id)
    value = entity_id(hass, SENSOR, point_ids[0], "value")
    simulator.remove_asset(asset_id)
    await advance(hass, freezer)
    assert _device(hass, loaded_entry, asset_id) is None
    assert hass.states.get(value) is None
    for point_id in point_ids:
        assert _entities_of(hass, loaded_entry, point_id) == []


async def test_vanished_point_is_removed_alone(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A sensor point removed from a kept asset loses only its own entities."""
    asset_id = next(
        asset
        for asset in simulator.asset_ids()
        if len(simulator.sensor_point_ids(asset_id=asset)) > 1
    )
    gone, kept = simulator.sensor_point_ids(asset_id=asset_id)[:2]
    simulator.remove_sensor_point(gone)
    await advance(hass, freezer)
    assert _entities_of(hass, loaded_entry, gone) == []
    assert _entities_of(hass, loaded_entry, kept)
    assert _device(hass, loaded_entry, asset_id) is not None


async def test_failed_poll_removes_nothing(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Only a successful poll may remove devices; a failed one keeps them all."""
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), loaded_entry.entry_id
    )
    entities = er.async_entries_for_config_entry(
        er.async_get(hass), loaded_entry.entry_id
    )
    simulator.add_fault("/assets", status=503, body="maintenance")
    await advance(hass, freezer)
    simulator.add_fault("/assets", kind="truncated")
    await advance(hass, freezer)
    assert (
        dr.async_entries_for_config_entry(dr.async_get(hass), loaded_entry.entry_id)
        == devices
    )
    assert (
        er.async_entries_for_config_entry(er.async_get(hass), loaded_entry.entry_id)
        == entities
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_point_that_returns_is_added_again(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A sensor point that vanishes and comes back gets its entities back."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.patch_sensor_point(point_id, id="sp-hidden")
    await advance(hass, freezer)
    assert _entities_of(hass, loaded_entry, point_id) == []
    simulator.patch_sensor_point(point_id, id=point_id)
    await advance(hass, freezer)
    state = hass.states.get(entity_id(hass, SENSOR, point_id, "last_reading"))
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
