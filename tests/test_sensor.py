"""Sensors and binary sensors as a user sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_system import METRIC_SYSTEM, US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.smartsense.const import DOMAIN
from simulator import Account, SimConfig, Simulator

from .conftest import Integration, enabled_under_limit, entity_id, point_of

# Five minutes past a report slot: readings pushed by push_then_poll are the
# newest until the poll that follows sees them.
QUIET_SLOT = "2026-11-28T03:05:00+00:00"
SENSOR = Platform.SENSOR
BINARY = Platform.BINARY_SENSOR


@pytest.mark.freeze_time("2026-11-28T02:50:00+00:00")
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", [SENSOR, BINARY])
async def test_entities(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every sensor point's entities, names, classes, units and states."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.smartsense.PLATFORMS", [platform]):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, config_entry.entry_id)


@pytest.mark.usefixtures("us_customary", "entity_registry_enabled_by_default")
async def test_values_are_the_newest_readings(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Each measurement shows the newest reading SmartSense delivered."""
    points = loaded_entry.runtime_data.coordinator.data.points
    # Pressure is shown in psi in a US-customary home: checked by the snapshot.
    measured = [
        p for p in points.values() if p.reading_type not in ("DoorOpen", "Pressure")
    ]
    assert measured
    for point in measured:
        latest = simulator.latest(point.id)
        assert latest is not None
        state = hass.states.get(entity_id(hass, SENSOR, point.id, "value"))
        assert state is not None
        assert float(state.state) == pytest.approx(latest[1])
        last = hass.states.get(entity_id(hass, SENSOR, point.id, "last_reading"))
        assert last is not None
        assert last.state == latest[0].isoformat()


async def test_devices(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    device_registry: dr.DeviceRegistry,
    area_registry: ar.AreaRegistry,
) -> None:
    """One device per asset, with maker, model, area and a link to the web app."""
    devices = dr.async_entries_for_config_entry(device_registry, loaded_entry.entry_id)
    # Besides the assets, the account itself is a service device.
    (account,) = [d for d in devices if d.entry_type is dr.DeviceEntryType.SERVICE]
    assert account.identifiers == {(DOMAIN, loaded_entry.entry_id)}
    devices.remove(account)
    assert len(devices) == len(simulator.asset_ids())
    assets = loaded_entry.runtime_data.coordinator.data.assets
    for device in devices:
        (identifier,) = device.identifiers
        asset = assets[identifier[1]]
        assert identifier[0] == DOMAIN
        assert device.name == asset.name
        assert device.manufacturer == "SmartSense"
        assert device.model == asset.asset_type
        assert device.configuration_url == "https://app.smartsense.co"
        assert asset.location is not None
        # The asset's location becomes the device's area.
        assert device.area_id is not None
        area = area_registry.async_get_area(device.area_id)
        assert area is not None
        assert area.name == asset.location.name


@pytest.mark.parametrize(
    ("sim_config", "units", "convert"),
    [
        (
            SimConfig(accounts=[Account(sensor_points=8, temperature_unit="C")]),
            US_CUSTOMARY_SYSTEM,
            lambda c: c * 9 / 5 + 32,
        ),
        (
            SimConfig(accounts=[Account(sensor_points=8, temperature_unit="F")]),
            METRIC_SYSTEM,
            lambda f: (f - 32) * 5 / 9,
        ),
    ],
    ids=["celsius-account-in-fahrenheit-home", "fahrenheit-account-in-celsius-home"],
)
async def test_temperatures_are_converted(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    units: object,
    convert: object,
) -> None:
    """Home Assistant converts SmartSense's unit to the one the user chose."""
    hass.config.units = units  # type: ignore[assignment]
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    point_id = point_of(config_entry, "Freezer", "Temperature")
    latest = simulator.latest(point_id)
    assert latest is not None
    state = hass.states.get(entity_id(hass, SENSOR, point_id, "value"))
    assert state is not None
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == units.temperature_unit  # type: ignore[attr-defined]
    assert float(state.state) == pytest.approx(convert(latest[1]), abs=0.01)  # type: ignore[operator]


async def test_signal_strength_is_disabled_by_default(
    integration: Integration, entity_registry: er.EntityRegistry
) -> None:
    """Signal strength is noisy: its entity starts disabled."""
    point_id = integration.point_of("Freezer", "Temperature")
    entry = entity_registry.async_get(
        integration.entity_id(SENSOR, point_id, "signal_strength")
    )
    assert entry is not None
    assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION


@pytest.mark.usefixtures("us_customary", "entity_registry_enabled_by_default")
async def test_stale_reading_is_unavailable(
    integration: Integration, simulator: Simulator
) -> None:
    """A reading older than three report intervals is not shown as current."""
    point_id = integration.point_of("Freezer", "Temperature")
    interval = timedelta(minutes=15)
    # Some readings arrive intervals late, so at some start times the newest
    # is old, or the first two are more than an interval apart (the integration
    # learns the interval from them): poll until two came one interval apart
    # and the newest was taken in the current interval.
    taken_before = integration.state(SENSOR, point_id, "last_reading")
    for _ in range(8):
        await integration.advance()
        earlier = datetime.fromisoformat(taken_before)
        taken_before = integration.state(SENSOR, point_id, "last_reading")
        taken = datetime.fromisoformat(taken_before)
        if taken - earlier == interval and dt_util.utcnow() - taken < interval:
            break
    assert taken - earlier == interval
    assert dt_util.utcnow() - taken < interval
    assert integration.state(BINARY, point_id, "connectivity") == STATE_ON

    simulator.set_offline(point_id)
    polls = 0
    while dt_util.utcnow() - taken <= 3 * interval:
        assert integration.state(SENSOR, point_id, "value") != STATE_UNAVAILABLE
        await integration.advance()
        polls += 1
    assert polls >= 3
    assert integration.state(SENSOR, point_id, "value") == STATE_UNAVAILABLE
    # Why it is unavailable stays visible.
    assert integration.state(SENSOR, point_id, "last_reading") == taken_before
    assert integration.state(BINARY, point_id, "connectivity") == STATE_OFF

    simulator.set_offline(point_id, offline=False)
    await integration.advance()
    latest = simulator.latest(point_id)
    assert latest is not None
    value = integration.state(SENSOR, point_id, "value")
    assert float(value) == pytest.approx(latest[1])
    assert integration.state(BINARY, point_id, "connectivity") == STATE_ON
    last_reading = integration.state(SENSOR, point_id, "last_reading")
    assert last_reading == latest[0].isoformat()


@pytest.mark.freeze_time(QUIET_SLOT)
@pytest.mark.usefixtures("us_customary")
async def test_excursion_raises_the_alarm(integration: Integration) -> None:
    """A freezer warming up shows the reading and SmartSense's alarm."""
    point_id = integration.point_of("Freezer", "Temperature")
    assert integration.state(BINARY, point_id, "alarm") == STATE_OFF
    await integration.push_then_poll(point_id, 21.5)
    assert integration.state(SENSOR, point_id, "value") == "21.5"
    assert integration.state(BINARY, point_id, "alarm") == STATE_ON


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_door(integration: Integration) -> None:
    """A door point is a door binary sensor: 1 is open, 0 is closed."""
    point_id = integration.point_of("Refrigerator", "DoorOpen")
    await integration.push_then_poll(point_id, 1)
    assert integration.state(BINARY, point_id, "value") == STATE_ON
    await integration.push_then_poll(point_id, 0)
    assert integration.state(BINARY, point_id, "value") == STATE_OFF


async def test_unknown_reading_type_is_a_plain_number(
    integration: Integration, simulator: Simulator
) -> None:
    """A reading type SmartSense adds later still shows, with its unit."""
    asset_id = simulator.asset_ids()[0]
    point_id = simulator.add_sensor_point(asset_id, "Vibration", "Compressor", "mm/s")
    await integration.advance()
    state = integration.hass.states.get(
        integration.entity_id(SENSOR, point_id, "value")
    )
    assert state is not None
    assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == "mm/s"
    assert "device_class" not in state.attributes
    assert state.attributes["state_class"] == "measurement"
    latest = simulator.latest(point_id)
    if latest is not None:
        assert float(state.state) == pytest.approx(latest[1])
    assert integration.entry.state is ConfigEntryState.LOADED


async def test_large_account_enables_only_readings(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    entity_registry: er.EntityRegistry,
) -> None:
    """Past Home Assistant's per-entry limit, only readings start enabled.

    The limit (10,000 enabled entities per entry) is lowered to the number of
    points of the 8-point test account (room for their readings only), rather
    than simulating 2,500 points.
    """
    config_entry.add_to_hass(hass)
    enabled = await enabled_under_limit(
        hass, config_entry, len(simulator.sensor_point_ids())
    )
    assert enabled == {f"{point_id}:value" for point_id in simulator.sensor_point_ids()}
    entries = er.async_entries_for_config_entry(entity_registry, config_entry.entry_id)
    assert len(entries) > 5 * len(enabled)
