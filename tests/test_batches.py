"""Large accounts: entities are added, and updated, in batches.

Home Assistant adds a batch of entities, or writes their states, without
yielding to the event loop, so an account of thousands of sensor points is
handled in batches, one per turn of the loop (docs/performance.md). These
tests make the batches small, so that eight sensor points need several.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace
from unittest.mock import MagicMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.coordinator import SmartSenseCoordinator
from custom_components.smartsense.data import SmartSenseData
from simulator import Simulator

from .conftest import advance, entity_id

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


async def test_states_updated_in_batches(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """After a poll, every entity shows the new data, batch by batch."""
    points = simulator.sensor_point_ids()
    with patch("custom_components.smartsense.coordinator.LISTENER_BATCH", 7):
        for point_id in points:
            simulator.set_offline(point_id)
        await advance(hass, freezer, minutes=60)
    for point_id in points:
        state = hass.states.get(
            entity_id(hass, "binary_sensor", point_id, "connectivity")
        )
        assert state is not None
        assert state.state == "off"


@pytest.fixture
def bare_coordinator(hass: HomeAssistant) -> SmartSenseCoordinator:
    """A coordinator without entities, for listeners the tests add themselves."""
    entry = MockConfigEntry(domain=DOMAIN, data={})
    entry.add_to_hass(hass)
    return SmartSenseCoordinator(hass, entry, MagicMock())


def _data() -> SmartSenseData:
    return SmartSenseData(assets={}, points={}, asset_of_point={})


async def test_newer_update_takes_over_the_batches(
    hass: HomeAssistant, bare_coordinator: SmartSenseCoordinator
) -> None:
    """An update during the batches stops them and updates every listener."""
    calls: Counter[int] = Counter()
    for number in range(25):
        bare_coordinator.async_add_listener(lambda n=number: calls.update([n]))  # type: ignore[misc]
    with patch("custom_components.smartsense.coordinator.LISTENER_BATCH", 10):
        bare_coordinator.async_set_updated_data(_data())
        await asyncio.sleep(0)
        # The first batch has run; the second update starts over.
        assert calls == dict.fromkeys(range(10), 1)
        bare_coordinator.async_set_updated_data(_data())
        await hass.async_block_till_done()
    assert calls == {**dict.fromkeys(range(10), 2), **dict.fromkeys(range(10, 25), 1)}


async def test_batches_skip_removed_and_survive_failing_listeners(
    hass: HomeAssistant,
    bare_coordinator: SmartSenseCoordinator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A listener removed meanwhile is skipped; one that fails is logged."""
    calls: Counter[int] = Counter()
    removers: list[Callable[[], None]] = []

    def failing() -> None:
        raise RuntimeError("broken listener")

    def remove_the_last() -> None:
        removers[-1]()

    bare_coordinator.async_add_listener(failing)
    bare_coordinator.async_add_listener(remove_the_last)
    removers.extend(
        bare_coordinator.async_add_listener(lambda n=number: calls.update([n]))  # type: ignore[misc]
        for number in range(20)
    )
    with patch("custom_components.smartsense.coordinator.LISTENER_BATCH", 5):
        bare_coordinator.async_set_updated_data(_data())
        await hass.async_block_till_done()
    assert calls == dict.fromkeys(range(19), 1)
    assert "Unexpected error updating listener" in caplog.text
