"""Large accounts: entities are added in batches at setup.

Home Assistant adds a batch of entities without yielding to the event loop, so
an account of thousands of sensor points is added in batches, one per turn of
the loop (docs/performance.md). These tests make the batches small, so that
eight sensor points need several. A poll's state writes go through the
coordinator's own loop over its listeners, one per changed state or new reading.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime
from types import SimpleNamespace
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.coordinator import SmartSenseCoordinator
from simulator import Simulator

from .conftest import advance, entity_id, point_of

# Per sensor point: reading or door, battery, signal strength, last reading,
# alarm and connectivity. Plus the account's backfill sensor.
ENTITIES_PER_POINT = 6


def _point_ids_with_entities(
    hass: HomeAssistant, entry: MockConfigEntry
) -> Counter[str]:
    return Counter(
        entity.unique_id.rpartition(":")[0]
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if entity.unique_id.startswith("sp-")
    )


async def test_entities_added_in_batches(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Every entity is added, and has its state, when setup returns."""
    config_entry.add_to_hass(hass)
    with patch("custom_components.smartsense.entity.ADD_BATCH", 5):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
    points = simulator.sensor_point_ids()
    assert _point_ids_with_entities(hass, config_entry) == dict.fromkeys(
        points, ENTITIES_PER_POINT
    )
    for point_id in points:
        assert hass.states.get(entity_id(hass, "binary_sensor", point_id, "alarm"))


async def test_point_dropped_between_batches(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A point that a poll drops while batches are added is not added."""
    dropped: list[str] = []

    async def poll_drops_a_point(_delay: float) -> None:
        if dropped:
            return
        coordinator: SmartSenseCoordinator = config_entry.runtime_data.coordinator
        data = coordinator.data
        added = _point_ids_with_entities(hass, config_entry)
        victim = next(point_id for point_id in data.points if point_id not in added)
        dropped.append(victim)
        coordinator.data = replace(
            data,
            points={k: v for k, v in data.points.items() if k != victim},
            asset_of_point={
                k: v for k, v in data.asset_of_point.items() if k != victim
            },
        )

    config_entry.add_to_hass(hass)
    with (
        patch("custom_components.smartsense.entity.ADD_BATCH", 5),
        patch(
            "custom_components.smartsense.entity.asyncio",
            SimpleNamespace(sleep=poll_drops_a_point),
        ),
    ):
        assert await hass.config_entries.async_setup(config_entry.entry_id)
    with_entities = _point_ids_with_entities(hass, config_entry)
    assert dropped
    assert dropped[0] not in with_entities
    assert set(with_entities) == set(simulator.sensor_point_ids()) - set(dropped)


async def test_every_state_updated_after_a_poll(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """After a poll, every entity shows the new data."""
    points = simulator.sensor_point_ids()
    for point_id in points:
        simulator.set_offline(point_id)
    await advance(hass, freezer, minutes=60)
    for point_id in points:
        state = hass.states.get(
            entity_id(hass, "binary_sensor", point_id, "connectivity")
        )
        assert state is not None
        assert state.state == "off"


async def test_a_poll_writes_new_readings_and_changed_states(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A new reading is written even with the same value; an unchanged battery is not.

    The reading's last_reported is when SmartSense last reported it; a state the
    poll did not change keeps its own (one write per change keeps a large
    account's poll short).
    """
    point_id = point_of(loaded_entry, "Freezer", "Temperature")
    reading = entity_id(hass, "sensor", point_id, "value")
    battery = entity_id(hass, "sensor", point_id, "battery")

    async def poll_with_a_reading_of(value: float) -> None:
        taken = dt_util.utcnow().isoformat()
        simulator.patch_sensor_point(
            point_id,
            sensor={"batteryPercent": 80, "signalStrength": -60},
            lastReading={"timestamp": taken, "value": value},
        )
        await advance(hass, freezer)

    def shown(entity: str) -> tuple[str, datetime, datetime]:
        state = hass.states.get(entity)
        assert state is not None
        return state.state, state.last_changed, state.last_reported

    await poll_with_a_reading_of(-18.5)
    reading_before, battery_before = shown(reading), shown(battery)
    await poll_with_a_reading_of(-18.5)
    reading_after = shown(reading)
    assert reading_after[:2] == reading_before[:2]
    assert reading_after[2] > reading_before[2]
    assert shown(battery) == battery_before
