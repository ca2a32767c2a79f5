"""Assets and sensor points that appear and vanish while Home Assistant runs."""

from __future__ import annotations

from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import DELETE, Simulator

from .conftest import GRACE_MINUTES, Integration

SENSOR = Platform.SENSOR


def device(hass: HomeAssistant, entry: MockConfigEntry, asset_id: str) -> object:
    """The device of an asset, if there is one."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, asset_id), entry.entry_id
    )


def entities_of(
    hass: HomeAssistant, entry: MockConfigEntry, point_id: str
) -> list[str]:
    """The entity ids of a sensor point's registry entries."""
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.unique_id.startswith(f"{point_id}:")
    ]


def unavailable(hass: HomeAssistant, entity_ids: list[str]) -> bool:
    """Whether every one of the enabled entities exists and is unavailable."""
    registry = er.async_get(hass)
    states = [
        hass.states.get(entity)
        for entity in entity_ids
        if (entry := registry.async_get(entity)) and not entry.disabled
    ]
    return bool(states) and all(
        state is not None and state.state == STATE_UNAVAILABLE for state in states
    )


async def test_new_asset_appears_without_reload(
    integration: Integration, simulator: Simulator
) -> None:
    """An asset added in SmartSense shows up with its entities at the next poll."""
    hass, entry = integration.hass, integration.entry
    asset_id = simulator.add_asset("Freezer", "Ice Cream Freezer")
    (point_id,) = simulator.sensor_point_ids(asset_id=asset_id)
    assert device(hass, entry, asset_id) is None
    await integration.advance()
    assert device(hass, entry, asset_id) is not None
    state = hass.states.get(integration.entity_id(SENSOR, point_id, "value"))
    assert state is not None
    assert state.state != STATE_UNAVAILABLE
    assert state.name == "Ice Cream Freezer Air Temperature"


async def test_vanished_asset_is_removed_after_the_grace_period(
    integration: Integration, simulator: Simulator
) -> None:
    """An unlisted asset stays, unavailable, for a day; then its device goes."""
    hass, entry = integration.hass, integration.entry
    asset_id = simulator.asset_ids()[0]
    point_ids = simulator.sensor_point_ids(asset_id=asset_id)
    simulator.remove_asset(asset_id)
    await integration.advance()  # the first listing without it
    entities = [e for point in point_ids for e in entities_of(hass, entry, point)]
    assert device(hass, entry, asset_id) is not None
    assert unavailable(hass, entities)
    await integration.advance(GRACE_MINUTES - 1)
    assert device(hass, entry, asset_id) is not None
    assert unavailable(hass, entities)
    await integration.advance()
    assert device(hass, entry, asset_id) is None
    for point_id in point_ids:
        assert entities_of(hass, entry, point_id) == []
    for entity in entities:
        assert hass.states.get(entity) is None


async def test_vanished_point_is_removed_alone(
    integration: Integration, simulator: Simulator
) -> None:
    """A sensor point removed from a kept asset loses only its own entities."""
    hass, entry = integration.hass, integration.entry
    asset_id = next(
        asset
        for asset in simulator.asset_ids()
        if len(simulator.sensor_point_ids(asset_id=asset)) > 1
    )
    gone, kept = simulator.sensor_point_ids(asset_id=asset_id)[:2]
    simulator.remove_sensor_point(gone)
    await integration.advance()
    assert unavailable(hass, entities_of(hass, entry, gone))
    await integration.advance(GRACE_MINUTES)
    assert entities_of(hass, entry, gone) == []
    assert entities_of(hass, entry, kept)
    assert not unavailable(hass, entities_of(hass, entry, kept))
    assert device(hass, entry, asset_id) is not None


async def test_failed_poll_removes_nothing(
    integration: Integration, simulator: Simulator
) -> None:
    """Only a successful poll may remove devices; a failed one keeps them all."""
    hass, entry_id = integration.hass, integration.entry.entry_id
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    simulator.add_fault("/assets", status=503, body="maintenance")
    await integration.advance()
    simulator.add_fault("/assets", kind="truncated")
    await integration.advance()
    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry_id) == devices
    assert er.async_entries_for_config_entry(er.async_get(hass), entry_id) == entities


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_point_that_returns_keeps_its_entities(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A point unlisted for a while shows unavailable, then its values again."""
    hass, entry = integration.hass, integration.entry
    point_id = simulator.sensor_point_ids()[0]
    entities = entities_of(hass, entry, point_id)
    simulator.patch_sensor_point(point_id, id=DELETE)
    await integration.advance()
    assert entities_of(hass, entry, point_id) == entities
    assert unavailable(hass, entities)
    await integration.advance(120)
    simulator.patch_sensor_point(point_id, id=point_id)
    await integration.advance()
    assert entities_of(hass, entry, point_id) == entities
    assert integration.state(SENSOR, point_id, "last_reading") != STATE_UNAVAILABLE
    # Its entities were not added a second time.
    assert "does not generate unique IDs" not in caplog.text


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_point_removed_then_returning_is_added_again(
    integration: Integration, simulator: Simulator
) -> None:
    """A point back after its removal gets new entities with the same ids."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.patch_sensor_point(point_id, id=DELETE)
    await integration.advance()
    await integration.advance(GRACE_MINUTES)
    assert entities_of(integration.hass, integration.entry, point_id) == []
    simulator.patch_sensor_point(point_id, id=point_id)
    await integration.advance()
    assert integration.state(SENSOR, point_id, "last_reading") != STATE_UNAVAILABLE
