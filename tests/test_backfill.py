"""Backfill: readings missed while Home Assistant was down reach the statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.recorder import get_instance
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import PressureConverter, TemperatureConverter
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.smartsense.backfill import Gap
from simulator import DELETE, Account, SimConfig, Simulator

from .conftest import advance, entity_id

HOUR = timedelta(hours=1)
READINGS = "/sensorpoints/{id}/readings"
# Five minutes past a report slot, so polls and report slots do not coincide.
START = "2026-11-28T03:05:00+00:00"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant: request it first."""


@pytest.fixture(autouse=True)
def us_customary(hass: HomeAssistant) -> None:
    """A Home Assistant that shows °F."""
    hass.config.units = US_CUSTOMARY_SYSTEM


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _downtime(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    hours: float,
) -> datetime:
    """Run, stop for some hours, start again; returns when it stopped."""
    entry.add_to_hass(hass)
    await _setup(hass, entry)
    stopped = dt_util.utcnow()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    freezer.tick(timedelta(hours=hours))
    await _setup(hass, entry)
    return stopped


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def _poll_until_backfilled(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    entry: MockConfigEntry,
    simulator: Simulator,
) -> dict[str, datetime]:
    """Poll until every gap was imported once; returns each gap's last hour end.

    A gap is imported once its last hour is final, so within about an hour.
    """
    gaps = entry.runtime_data.backfill.gaps
    ends = {point_id: _hour(gap.end) + HOUR for point_id, gap in gaps.items()}
    assert ends
    for _ in range(8):
        requests = simulator.request_counts[READINGS]
        await advance(hass, freezer)
        assert simulator.request_counts[READINGS] - requests <= 10
        # Late readings may open new gaps meanwhile; these are later ones.
        if all(p not in gaps or gaps[p].start >= end for p, end in ends.items()):
            return ends
    raise AssertionError("gaps left after two hours")


def _numeric_points(entry: MockConfigEntry) -> list[str]:
    return [
        point.id
        for point in entry.runtime_data.coordinator.data.points.values()
        if point.reading_type != "DoorOpen"
    ]


async def _statistics(
    hass: HomeAssistant, statistic_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    result = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        start,
        end,
        {statistic_id},
        "hour",
        None,
        {"mean", "min", "max"},
    )
    return [dict(row) for row in result.get(statistic_id, [])]


# How a US-customary Home Assistant shows each SmartSense unit.
_SHOWN: dict[str, Callable[[float], float]] = {
    "F": lambda value: value,
    "C": lambda value: TemperatureConverter.convert(value, "°C", "°F"),
    "Pa": lambda value: PressureConverter.convert(value, "Pa", "psi"),
    "%": lambda value: value,
}


def _expected(
    simulator: Simulator, point_id: str, start: datetime, end: datetime, unit: str
) -> list[tuple[float, float, float, float]]:
    """(hour start, mean, min, max) of each hour, from the simulator's readings."""
    hours: dict[datetime, list[float]] = {}
    for taken, value in simulator.readings(point_id, start, end):
        hours.setdefault(taken.replace(minute=0, second=0), []).append(
            _SHOWN[unit](value)
        )
    return [
        (hour.timestamp(), sum(v) / len(v), min(v), max(v))
        for hour, v in sorted(hours.items())
    ]


def _actual(rows: list[dict[str, Any]]) -> list[tuple[float, float, float, float]]:
    return [(row["start"], row["mean"], row["min"], row["max"]) for row in rows]


async def _assert_backfilled(
    hass: HomeAssistant,
    simulator: Simulator,
    entry: MockConfigEntry,
    start: datetime,
    ends: dict[str, datetime],
) -> None:
    """Each point's hourly statistics from start to its gap's end are SmartSense's."""
    assert sorted(ends) == sorted(_numeric_points(entry))
    for point_id, end in ends.items():
        statistic_id = entity_id(hass, Platform.SENSOR, point_id, "value")
        actual = _actual(await _statistics(hass, statistic_id, start, end))
        unit = str(entry.runtime_data.coordinator.data.points[point_id].unit)
        expected = _expected(simulator, point_id, start, end, unit)
        assert len(actual) == len(expected) == (end - start) / HOUR, statistic_id
        for got, want in zip(actual, expected, strict=True):
            assert got == pytest.approx(want, abs=1e-6), statistic_id


def _backfill_pending(hass: HomeAssistant, entry: MockConfigEntry) -> str:
    found = [
        state
        for state in hass.states.async_all("sensor")
        if state.entity_id.endswith("sensor_points_awaiting_backfill")
    ]
    assert len(found) == 1
    return found[0].state


@pytest.mark.freeze_time(START)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_six_hours_of_downtime_are_backfilled(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Every hour Home Assistant missed gets SmartSense's mean, min and max."""
    down_from = await _downtime(hass, freezer, config_entry, hours=6)
    points = len(_numeric_points(config_entry))
    # The first poll after start-up finds the gaps; none is imported before
    # its last hour is final (and the recorder compiled it).
    assert _backfill_pending(hass, config_entry) == str(points)
    assert simulator.request_counts[READINGS] == 0
    ends = await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    await _assert_backfilled(hass, simulator, config_entry, _hour(down_from), ends)


@pytest.mark.freeze_time(START)
async def test_second_run_changes_nothing(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Importing the same gap twice leaves the statistics exactly as they were."""
    down_from = await _downtime(hass, freezer, config_entry, hours=3)
    await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    start, end = _hour(down_from), _hour(down_from) + 3 * HOUR
    point_id = _numeric_points(config_entry)[0]
    statistic_id = entity_id(hass, Platform.SENSOR, point_id, "value")
    before = await _statistics(hass, statistic_id, start, end)
    assert len(before) == 3

    backfill = config_entry.runtime_data.backfill
    requests = simulator.request_counts[READINGS]
    backfill.gaps[point_id] = Gap(down_from, end - HOUR)
    await backfill.async_run(config_entry.runtime_data.coordinator.data)
    assert simulator.request_counts[READINGS] > requests
    assert await _statistics(hass, statistic_id, start, end) == before


@pytest.mark.freeze_time(START)
@pytest.mark.parametrize(
    "sim_config", [SimConfig(accounts=[Account(sensor_points=30)])]
)
async def test_rate_limit_pauses_backfill_not_live_values(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A 429 on readings pauses the backfill; live entities stay current."""
    down_from = await _downtime(hass, freezer, config_entry, hours=4)
    points = _numeric_points(config_entry)
    assert len(points) > 20
    backfill = config_entry.runtime_data.backfill
    ends = {p: _hour(gap.end) + HOUR for p, gap in backfill.gaps.items()}

    # Start once every gap is final, so the per-poll budget is what limits.
    freezer.tick(timedelta(minutes=70))
    await advance(hass, freezer, minutes=1)
    assert simulator.request_counts[READINGS] == 10  # the per-poll budget
    simulator.add_fault("/sensorpoints", status=429, retry_after="1200")
    await advance(hass, freezer)  # refused: the backfill pauses
    assert simulator.request_counts[READINGS] == 11
    value = entity_id(hass, Platform.SENSOR, points[-1], "value")
    assert hass.states.get(value).state != STATE_UNAVAILABLE
    assert simulator.request_counts["/assets"] > 0
    assets_before = simulator.request_counts["/assets"]
    await advance(hass, freezer)  # within Retry-After: no readings request
    assert simulator.request_counts[READINGS] == 11
    assert simulator.request_counts["/assets"] == assets_before + 1
    assert hass.states.get(value).state != STATE_UNAVAILABLE
    for _ in range(2):
        await advance(hass, freezer)
    assert simulator.request_counts[READINGS] >= len(points) + 1
    await _assert_backfilled(hass, simulator, config_entry, _hour(down_from), ends)


@pytest.mark.freeze_time(START)
@pytest.mark.parametrize(
    "sim_config",
    [SimConfig(accounts=[Account(sensor_points=8, temperature_unit="C")])],
)
async def test_celsius_account_is_imported_in_fahrenheit(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Statistics are imported in the unit the entity's statistics use (°F)."""
    down_from = await _downtime(hass, freezer, config_entry, hours=3)
    ends = await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    assert "C" in {
        str(point.unit)
        for point in config_entry.runtime_data.coordinator.data.points.values()
    }
    await _assert_backfilled(hass, simulator, config_entry, _hour(down_from), ends)


@pytest.mark.freeze_time(START)
async def test_late_reading_corrects_an_imported_hour(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A reading delivered after its hour was imported is included an hour later."""
    down_from = await _downtime(hass, freezer, config_entry, hours=3)
    point_id = _numeric_points(config_entry)[0]
    statistic_id = entity_id(hass, Platform.SENSOR, point_id, "value")
    rechecks = config_entry.runtime_data.backfill.rechecks
    for _ in range(8):  # until the gap's first hours are imported
        await advance(hass, freezer)
        if point_id in rechecks:
            break
    hour = _hour(down_from) + HOUR
    (row,) = await _statistics(hass, statistic_id, hour, hour + HOUR)
    assert row["max"] < 150

    simulator.push_reading(point_id, 150.0, at=hour + timedelta(minutes=7))
    for _ in range(6):
        await advance(hass, freezer)
        if point_id not in rechecks:
            break
    (row,) = await _statistics(hass, statistic_id, hour, hour + HOUR)
    assert row["max"] == pytest.approx(150.0)


@pytest.mark.freeze_time(START)
async def test_outage_during_backfill_keeps_the_gaps(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A failed readings request leaves every gap for the next poll."""
    await _downtime(hass, freezer, config_entry, hours=3)
    backfill = config_entry.runtime_data.backfill
    gaps = dict(backfill.gaps)
    freezer.tick(timedelta(minutes=70))
    simulator.add_fault("/sensorpoints", status=503, body="maintenance")
    await advance(hass, freezer, minutes=1)
    assert simulator.request_counts[READINGS] == 1
    assert backfill.last_error is not None
    assert "503" in backfill.last_error
    assert backfill.gaps.keys() == gaps.keys()
    await advance(hass, freezer)
    assert backfill.last_error is None
    assert not backfill.gaps.keys() & gaps.keys() or all(
        backfill.gaps[p].start > gaps[p].start for p in backfill.gaps.keys() & gaps
    )


@pytest.mark.freeze_time(START)
async def test_state_survives_a_restart(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Gaps and rechecks are stored, so a restart resumes where it stopped."""
    await _downtime(hass, freezer, config_entry, hours=3)
    await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    backfill = config_entry.runtime_data.backfill
    rechecks = dict(backfill.rechecks)
    assert rechecks
    assert await hass.config_entries.async_reload(config_entry.entry_id)
    await hass.async_block_till_done()
    restored = config_entry.runtime_data.backfill
    assert restored is not backfill
    assert restored.rechecks == rechecks


@pytest.mark.freeze_time(START)
async def test_disabled_sensor_is_not_backfilled(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A point whose sensor entity is disabled is dropped from the backfill."""
    await _downtime(hass, freezer, config_entry, hours=3)
    point_id = _numeric_points(config_entry)[0]
    backfill = config_entry.runtime_data.backfill
    assert point_id in backfill.gaps
    er.async_get(hass).async_update_entity(
        entity_id(hass, Platform.SENSOR, point_id, "value"),
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    await hass.async_block_till_done()
    await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    # Disabling an entity reloads the entry: look at the backfill now running.
    backfill = config_entry.runtime_data.backfill
    assert point_id not in backfill.gaps
    assert point_id not in backfill.rechecks


@pytest.mark.freeze_time(START)
async def test_implausible_readings_stay_out_of_the_statistics(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A reading of 1e308 in a gap is left out; the hour keeps its real values."""
    down_from = await _downtime(hass, freezer, config_entry, hours=3)
    point_id = _numeric_points(config_entry)[0]
    hour = _hour(down_from) + HOUR
    simulator.push_reading(point_id, 1e308, at=hour + timedelta(minutes=7))
    await _poll_until_backfilled(hass, freezer, config_entry, simulator)
    statistic_id = entity_id(hass, Platform.SENSOR, point_id, "value")
    (row,) = await _statistics(hass, statistic_id, hour, hour + HOUR)
    unit = str(config_entry.runtime_data.coordinator.data.points[point_id].unit)
    real = [
        _SHOWN[unit](value)
        for _, value in simulator.readings(point_id, hour, hour + HOUR)
        if value != 1e308
    ]
    assert (row["mean"], row["min"], row["max"]) == pytest.approx(
        (sum(real) / len(real), min(real), max(real))
    )


@pytest.mark.freeze_time(START)
async def test_point_unlisted_for_hours_is_backfilled_on_return(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The readings of a point's absence from the listing reach the statistics."""
    config_entry.add_to_hass(hass)
    await _setup(hass, config_entry)
    point_id = _numeric_points(config_entry)[0]
    statistic_id = entity_id(hass, Platform.SENSOR, point_id, "value")
    await advance(hass, freezer)
    simulator.patch_sensor_point(point_id, id=DELETE)
    hidden_from = dt_util.utcnow()
    for _ in range(12):
        await advance(hass, freezer)
    simulator.patch_sensor_point(point_id, id=point_id)
    returned = dt_util.utcnow()
    # The whole hours it was not listed, once the backfill imported them.
    start, end = _hour(hidden_from) + HOUR, _hour(returned)
    rechecks = config_entry.runtime_data.backfill.rechecks
    for _ in range(8):
        await advance(hass, freezer)
        if point_id in rechecks and rechecks[point_id].end >= end - HOUR:
            break
    actual = _actual(await _statistics(hass, statistic_id, start, end))
    unit = str(config_entry.runtime_data.coordinator.data.points[point_id].unit)
    expected = _expected(simulator, point_id, start, end, unit)
    assert len(actual) == len(expected) == 2
    for got, want in zip(actual, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-6)
