"""What vanished while the entry was not loaded waits out the grace period.

Home Assistant stopped, or the entry reloading for reauthentication: the grace
period starts at the first poll after it, so a restart may delay a removal,
never hasten it; a setup that fails removes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
)
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import DELETE, Simulator

from .conftest import GRACE_MINUTES, Integration


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
    integration: Integration, simulator: Simulator
) -> None:
    """Devices and entities SmartSense dropped meanwhile go a day later."""
    hass, entry = integration.hass, integration.entry
    assert await hass.config_entries.async_unload(entry.entry_id)
    gone_asset, gone_point = _vanish(simulator)
    devices, points = integration.devices(), _points(hass, entry)
    assert gone_asset in devices
    assert gone_point in points

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert integration.devices() == devices
    assert _points(hass, entry) == points

    await integration.advance(GRACE_MINUTES)
    assert integration.devices() == set(simulator.asset_ids())
    assert _points(hass, entry) == {*simulator.sensor_point_ids(), entry.entry_id}
    assert (
        dr.async_get(hass).async_get_device_by_identifier(
            (DOMAIN, gone_asset), entry.entry_id
        )
        is None
    )


async def test_restart_delays_a_removal_never_hastens_it(
    integration: Integration, simulator: Simulator
) -> None:
    """The time an asset has been missing is kept in memory, not across restarts.

    What was missing for half the grace period before a restart still waits
    a whole one after it, however long Home Assistant was stopped.
    """
    hass, entry = integration.hass, integration.entry
    gone_asset, gone_point = _vanish(simulator)
    await integration.advance()  # missing from here on
    await integration.advance(GRACE_MINUTES / 2)
    await _restart(hass, entry)
    assert gone_asset in integration.devices()
    assert gone_point in _points(hass, entry)
    # Stopped for the rest of the day: the first poll after start-up keeps it.
    assert await hass.config_entries.async_unload(entry.entry_id)
    integration.freezer.tick(timedelta(minutes=GRACE_MINUTES / 2))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert gone_asset in integration.devices()
    assert gone_point in _points(hass, entry)
    await integration.advance(GRACE_MINUTES - 15)
    assert gone_asset in integration.devices()
    await integration.advance()
    assert gone_asset not in integration.devices()
    assert gone_point not in _points(hass, entry)


async def test_failed_setup_removes_nothing(
    integration: Integration, simulator: Simulator
) -> None:
    """A setup whose first poll fails keeps every device and entity."""
    hass, entry = integration.hass, integration.entry
    assert await hass.config_entries.async_unload(entry.entry_id)
    devices, points = integration.devices(), _points(hass, entry)
    _vanish(simulator)
    simulator.add_fault("/assets", status=503)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert integration.devices() == devices
    assert _points(hass, entry) == points


async def test_point_missing_across_a_restart_returns(
    integration: Integration, simulator: Simulator
) -> None:
    """A point unlisted across a restart stays unavailable, then comes back."""
    point_id = simulator.sensor_point_ids()[0]
    value = integration.entity_id(Platform.SENSOR, point_id, "value")
    simulator.patch_sensor_point(point_id, id=DELETE)
    await integration.advance()
    await _restart(integration.hass, integration.entry)
    assert integration.state(Platform.SENSOR, point_id, "value") == STATE_UNAVAILABLE
    simulator.patch_sensor_point(point_id, id=point_id)
    await integration.advance()
    assert integration.state(Platform.SENSOR, point_id, "value") != STATE_UNAVAILABLE
    assert integration.entity_id(Platform.SENSOR, point_id, "value") == value
