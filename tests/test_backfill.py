"""Backfill: readings missed while Home Assistant was down reach the statistics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.recorder.core import Recorder
from homeassistant.components.recorder.statistics import statistics_during_period
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
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
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.locations import CONF_LOCATIONS
from custom_components.smartsense.sensor import BACKFILL_PENDING
from simulator import DELETE, Account, SimConfig, Simulator

from .conftest import Integration, integration_warnings

HOUR = timedelta(hours=1)
READINGS = "/sensorpoints/{id}/readings"
# Five minutes past a report slot, so polls and report slots do not coincide.
START = "2026-11-28T03:05:00+00:00"

pytestmark = pytest.mark.freeze_time(START)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    recorder_mock: Recorder, enable_custom_integrations: None
) -> None:
    """The recorder must start before Home Assistant: request it first."""


@pytest.fixture(autouse=True)
def us_customary(hass: HomeAssistant) -> None:
    """A Home Assistant that shows °F."""
    hass.config.units = US_CUSTOMARY_SYSTEM


@pytest.fixture
def unstarted(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    config_entry: MockConfigEntry,
) -> Integration:
    """The entry, not set up yet, with the simulator and the clock."""
    return Integration(hass, freezer, simulator, config_entry)


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def _downtime(integration: Integration, hours: float) -> datetime:
    """Run, stop for some hours, start again; returns when it stopped."""
    hass, entry = integration.hass, integration.entry
    entry.add_to_hass(hass)
    await _setup(hass, entry)
    stopped = dt_util.utcnow()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    integration.freezer.tick(timedelta(hours=hours))
    await _setup(hass, entry)
    return stopped


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def _poll_until_backfilled(integration: Integration) -> dict[str, datetime]:
    """Poll until every gap was imported once; returns each gap's last hour end.

    A gap is imported once its last hour is final, so within about an hour.
    """
    simulator = integration.simulator
    gaps = integration.entry.runtime_data.backfill.gaps
    ends = {point_id: _hour(gap.end) + HOUR for point_id, gap in gaps.items()}
    assert ends
    for _ in range(8):
        requests = simulator.request_counts[READINGS]
        await integration.advance()
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
    integration: Integration, point_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The hourly statistics of a point's sensor from start to end."""
    hass = integration.hass
    statistic_id = integration.entity_id(Platform.SENSOR, point_id, "value")
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


def _shown(integration: Integration, point_id: str) -> Callable[[float], float]:
    """How Home Assistant shows the point's readings."""
    unit = str(integration.entry.runtime_data.coordinator.data.points[point_id].unit)
    return _SHOWN[unit]


async def _assert_hours_match(
    integration: Integration, point_id: str, start: datetime, end: datetime
) -> None:
    """Each hour from start to end has the mean, min and max of SmartSense's."""
    show = _shown(integration, point_id)
    hours: dict[datetime, list[float]] = {}
    for taken, value in integration.simulator.readings(point_id, start, end):
        hours.setdefault(taken.replace(minute=0, second=0), []).append(show(value))
    expected = [
        (hour.timestamp(), sum(v) / len(v), min(v), max(v))
        for hour, v in sorted(hours.items())
    ]
    rows = await _statistics(integration, point_id, start, end)
    actual = [(row["start"], row["mean"], row["min"], row["max"]) for row in rows]
    assert len(actual) == len(expected) == (end - start) / HOUR, point_id
    for got, want in zip(actual, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-6), point_id


async def _assert_backfilled(
    integration: Integration, start: datetime, ends: dict[str, datetime]
) -> None:
    """Each point's hourly statistics from start to its gap's end are SmartSense's."""
    assert sorted(ends) == sorted(_numeric_points(integration.entry))
    for point_id, end in ends.items():
        await _assert_hours_match(integration, point_id, start, end)


def _backfill_pending(hass: HomeAssistant) -> str:
    found = [
        state
        for state in hass.states.async_all("sensor")
        if state.entity_id.endswith("sensor_points_awaiting_backfill")
    ]
    assert len(found) == 1
    return found[0].state


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_six_hours_of_downtime_are_backfilled(unstarted: Integration) -> None:
    """Every hour Home Assistant missed gets SmartSense's mean, min and max."""
    down_from = await _downtime(unstarted, hours=6)
    points = len(_numeric_points(unstarted.entry))
    # The first poll after start-up finds the gaps; none is imported before
    # its last hour is final (and the recorder compiled it).
    assert _backfill_pending(unstarted.hass) == str(points)
    assert unstarted.simulator.request_counts[READINGS] == 0
    ends = await _poll_until_backfilled(unstarted)
    await _assert_backfilled(unstarted, _hour(down_from), ends)


async def test_second_run_changes_nothing(
    unstarted: Integration, simulator: Simulator
) -> None:
    """Importing the same gap twice leaves the statistics exactly as they were."""
    down_from = await _downtime(unstarted, hours=3)
    await _poll_until_backfilled(unstarted)
    start, end = _hour(down_from), _hour(down_from) + 3 * HOUR
    point_id = _numeric_points(unstarted.entry)[0]
    before = await _statistics(unstarted, point_id, start, end)
    assert len(before) == 3

    backfill = unstarted.entry.runtime_data.backfill
    requests = simulator.request_counts[READINGS]
    backfill.gaps[point_id] = Gap(down_from, end - HOUR)
    await backfill.async_run(unstarted.entry.runtime_data.coordinator.data)
    assert simulator.request_counts[READINGS] > requests
    assert await _statistics(unstarted, point_id, start, end) == before


@pytest.mark.parametrize(
    "sim_config", [SimConfig(accounts=[Account(sensor_points=30)])]
)
async def test_rate_limit_pauses_backfill_not_live_values(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A 429 on readings pauses the backfill; live entities stay current."""
    down_from = await _downtime(unstarted, hours=4)
    points = _numeric_points(unstarted.entry)
    assert len(points) > 20
    backfill = unstarted.entry.runtime_data.backfill
    ends = {p: _hour(gap.end) + HOUR for p, gap in backfill.gaps.items()}

    # Start once every gap is final, so the per-poll budget is what limits.
    unstarted.freezer.tick(timedelta(minutes=70))
    await unstarted.advance(minutes=1)
    assert simulator.request_counts[READINGS] == 10  # the per-poll budget
    simulator.add_fault("/sensorpoints", status=429, retry_after="1200")
    await unstarted.advance()  # refused: the backfill pauses
    assert simulator.request_counts[READINGS] == 11
    assert unstarted.state(Platform.SENSOR, points[-1], "value") != STATE_UNAVAILABLE
    assert simulator.request_counts["/assets"] > 0
    assets_before = simulator.request_counts["/assets"]
    await unstarted.advance()  # within Retry-After: no readings request
    assert simulator.request_counts[READINGS] == 11
    assert simulator.request_counts["/assets"] == assets_before + 1
    assert unstarted.state(Platform.SENSOR, points[-1], "value") != STATE_UNAVAILABLE
    for _ in range(2):
        await unstarted.advance()
    assert simulator.request_counts[READINGS] >= len(points) + 1
    await _assert_backfilled(unstarted, _hour(down_from), ends)


@pytest.mark.parametrize(
    "sim_config",
    [SimConfig(accounts=[Account(sensor_points=8, temperature_unit="C")])],
)
async def test_celsius_account_is_imported_in_fahrenheit(
    unstarted: Integration,
) -> None:
    """Statistics are imported in the unit the entity's statistics use (°F)."""
    down_from = await _downtime(unstarted, hours=3)
    ends = await _poll_until_backfilled(unstarted)
    assert "C" in {
        str(point.unit)
        for point in unstarted.entry.runtime_data.coordinator.data.points.values()
    }
    await _assert_backfilled(unstarted, _hour(down_from), ends)


async def test_late_reading_corrects_an_imported_hour(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A reading delivered after its hour was imported is included an hour later."""
    down_from = await _downtime(unstarted, hours=3)
    point_id = _numeric_points(unstarted.entry)[0]
    rechecks = unstarted.entry.runtime_data.backfill.rechecks
    for _ in range(8):  # until the gap's first hours are imported
        await unstarted.advance()
        if point_id in rechecks:
            break
    hour = _hour(down_from) + HOUR
    (row,) = await _statistics(unstarted, point_id, hour, hour + HOUR)
    assert row["max"] < 150

    simulator.push_reading(point_id, 150.0, at=hour + timedelta(minutes=7))
    for _ in range(6):
        await unstarted.advance()
        if point_id not in rechecks:
            break
    (row,) = await _statistics(unstarted, point_id, hour, hour + HOUR)
    assert row["max"] == pytest.approx(150.0)


async def test_outage_during_backfill_keeps_the_gaps(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A failed readings request leaves every gap for the next poll."""
    await _downtime(unstarted, hours=3)
    backfill = unstarted.entry.runtime_data.backfill
    gaps = dict(backfill.gaps)
    unstarted.freezer.tick(timedelta(minutes=70))
    simulator.add_fault("/sensorpoints", status=503, body="maintenance")
    await unstarted.advance(minutes=1)
    assert simulator.request_counts[READINGS] == 1
    assert backfill.last_error is not None
    assert "503" in backfill.last_error
    assert backfill.gaps.keys() == gaps.keys()
    await unstarted.advance()
    assert backfill.last_error is None
    assert not backfill.gaps.keys() & gaps.keys() or all(
        backfill.gaps[p].start > gaps[p].start for p in backfill.gaps.keys() & gaps
    )


async def test_readings_in_another_shape_pause_the_backfill_and_say_so(
    unstarted: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A moved readings endpoint keeps the gaps and says so: log and repair issue.

    The listing still answers as modelled, so only a good readings answer
    clears the issue.
    """
    await _downtime(unstarted, hours=3)
    backfill = unstarted.entry.runtime_data.backfill
    gaps = dict(backfill.gaps)
    simulator.answer_as("readings_moved")
    unstarted.freezer.tick(timedelta(minutes=70))
    for _ in range(3):
        await unstarted.advance()
    assert backfill.gaps.keys() == gaps.keys()
    assert backfill.last_error is not None
    shape_warnings = [
        line
        for line in integration_warnings(caplog)
        if "GET /sensorpoints/{id}/readings with status 404" in line
    ]
    assert len(shape_warnings) == 1
    assert "expected JSON with status 200; got status 404" in shape_warnings[0]
    issue_id = f"answers_changed_readings_{unstarted.entry.entry_id}"
    issue = ir.async_get(unstarted.hass).async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["request"] == (
        "GET /sensorpoints/{id}/readings"
    )

    simulator.answer_as(None)
    await unstarted.advance()
    assert backfill.last_error is None
    assert ir.async_get(unstarted.hass).async_get_issue(DOMAIN, issue_id) is None


async def test_state_survives_a_restart(unstarted: Integration) -> None:
    """Gaps and rechecks are stored, so a restart resumes where it stopped."""
    hass, entry = unstarted.hass, unstarted.entry
    await _downtime(unstarted, hours=3)
    await _poll_until_backfilled(unstarted)
    backfill = entry.runtime_data.backfill
    rechecks = dict(backfill.rechecks)
    assert rechecks
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    restored = entry.runtime_data.backfill
    assert restored is not backfill
    assert restored.rechecks == rechecks


async def test_disabled_sensor_is_not_backfilled(unstarted: Integration) -> None:
    """A point whose sensor entity is disabled is dropped from the backfill."""
    hass, entry = unstarted.hass, unstarted.entry
    await _downtime(unstarted, hours=3)
    point_id = _numeric_points(entry)[0]
    backfill = entry.runtime_data.backfill
    assert point_id in backfill.gaps
    er.async_get(hass).async_update_entity(
        unstarted.entity_id(Platform.SENSOR, point_id, "value"),
        disabled_by=er.RegistryEntryDisabler.USER,
    )
    await hass.async_block_till_done()
    await _poll_until_backfilled(unstarted)
    # Disabling an entity reloads the entry: look at the backfill now running.
    backfill = entry.runtime_data.backfill
    assert point_id not in backfill.gaps
    assert point_id not in backfill.rechecks


async def test_implausible_readings_stay_out_of_the_statistics(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A reading of 1e308 in a gap is left out; the hour keeps its real values."""
    down_from = await _downtime(unstarted, hours=3)
    point_id = _numeric_points(unstarted.entry)[0]
    hour = _hour(down_from) + HOUR
    simulator.push_reading(point_id, 1e308, at=hour + timedelta(minutes=7))
    await _poll_until_backfilled(unstarted)
    (row,) = await _statistics(unstarted, point_id, hour, hour + HOUR)
    show = _shown(unstarted, point_id)
    real = [
        show(value)
        for _, value in simulator.readings(point_id, hour, hour + HOUR)
        if value != 1e308
    ]
    assert (row["mean"], row["min"], row["max"]) == pytest.approx(
        (sum(real) / len(real), min(real), max(real))
    )


async def test_point_unlisted_for_hours_is_backfilled_on_return(
    unstarted: Integration, simulator: Simulator
) -> None:
    """The readings of a point's absence from the listing reach the statistics."""
    unstarted.entry.add_to_hass(unstarted.hass)
    await _setup(unstarted.hass, unstarted.entry)
    point_id = _numeric_points(unstarted.entry)[0]
    await unstarted.advance()
    simulator.patch_sensor_point(point_id, id=DELETE)
    hidden_from = dt_util.utcnow()
    for _ in range(12):
        await unstarted.advance()
    simulator.patch_sensor_point(point_id, id=point_id)
    returned = dt_util.utcnow()
    # The whole hours it was not listed, once the backfill imported them.
    start, end = _hour(hidden_from) + HOUR, _hour(returned)
    assert end - start == 2 * HOUR
    rechecks = unstarted.entry.runtime_data.backfill.rechecks
    for _ in range(8):
        await unstarted.advance()
        if point_id in rechecks and rechecks[point_id].end >= end - HOUR:
            break
    await _assert_hours_match(unstarted, point_id, start, end)


@pytest.mark.parametrize(
    "sim_config", [SimConfig(accounts=[Account(sensor_points=12, locations=2)])]
)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_location_left_out_leaves_the_backfill(unstarted: Integration) -> None:
    """The options flow leaves a store out: its points no longer await backfill."""
    hass, entry, simulator = unstarted.hass, unstarted.entry, unstarted.simulator
    await _downtime(unstarted, hours=3)
    kept, left_out = sorted(simulator.locations())
    left_points = {
        point_id
        for asset_id in simulator.asset_ids(location_id=left_out)
        for point_id in simulator.sensor_point_ids(asset_id=asset_id)
    }
    waiting = hass.states.get(
        er.async_get(hass).async_get_entity_id(
            Platform.SENSOR, DOMAIN, f"{entry.entry_id}:{BACKFILL_PENDING}"
        )
        or ""
    )
    assert waiting is not None
    before = entry.runtime_data.backfill.gaps.keys()
    assert before & left_points
    assert int(waiting.state) == len(before)

    flow = await hass.config_entries.options.async_init(entry.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_LOCATIONS: [kept]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()

    backfill = entry.runtime_data.backfill
    assert not backfill.accounted.keys() & left_points
    assert backfill.gaps.keys() == before - left_points
    waiting = hass.states.get(waiting.entity_id)
    assert waiting is not None
    assert int(waiting.state) == len(before - left_points)


async def test_late_reading_corrects_the_hour_a_restart_fell_in(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A late reading of the hour Home Assistant restarted in corrects that hour.

    Restarted at 06:09, the hours to 06:00 are imported at 06:24; the hour from
    06:00 is final at 07:24, the very poll at which their recheck is due. A
    reading of 06:07 delivered after that import still reaches the statistics.
    """
    down_from = await _downtime(unstarted, hours=3 + 4 / 60)
    hour = _hour(down_from) + 3 * HOUR
    # A point whose reading of 06:00 had arrived: its gap reaches into that hour.
    point_id = next(
        p
        for p in _numeric_points(unstarted.entry)
        if (latest := simulator.latest(p)) and latest[0] >= hour
    )
    for _ in range(5):  # to the poll at 07:24
        await unstarted.advance()
    (row,) = await _statistics(unstarted, point_id, hour, hour + HOUR)
    assert row["max"] < 150

    simulator.push_reading(point_id, 150.0, at=hour + timedelta(minutes=7))
    for _ in range(6):
        await unstarted.advance()
    (row,) = await _statistics(unstarted, point_id, hour, hour + HOUR)
    assert row["max"] == pytest.approx(150.0)


async def test_sensor_late_every_hour_is_rechecked_an_hour_at_a_time(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A sensor that forwards its readings late every hour has every hour rechecked.

    Each hour's import coincides with the recheck of the hours before: those
    are fetched then, and the newly imported hours stay to be rechecked, from
    after them (not from the sensor's first gap, fetched ever longer).
    """
    hass, entry = unstarted.hass, unstarted.entry
    entry.add_to_hass(hass)
    await _setup(hass, entry)
    point_id = _numeric_points(entry)[0]
    rechecks = entry.runtime_data.backfill.rechecks
    imported = False
    for poll in range(40):  # offline half of every hour, for ten hours
        simulator.set_offline(point_id, offline=poll % 4 >= 2)
        await unstarted.advance()
        # Once hours were imported, some wait for their recheck at every poll.
        recheck = rechecks.get(point_id)
        assert recheck or not imported, dt_util.utcnow()
        if imported := recheck is not None:
            assert dt_util.utcnow() - recheck.start <= 3 * HOUR
    assert imported


async def test_point_forgotten_while_its_readings_are_fetched(
    unstarted: Integration, simulator: Simulator
) -> None:
    """A point forgotten while SmartSense answers its readings stays forgotten.

    Such as a device the user deletes during a backfill run: the run neither
    fails nor brings the point's gap or recheck back.
    """
    await _downtime(unstarted, hours=3)
    backfill = unstarted.entry.runtime_data.backfill
    unstarted.freezer.tick(timedelta(minutes=70))
    point_id = next(iter(backfill.gaps))
    simulator.add_fault("/sensorpoints", delay=0.5)
    run = unstarted.hass.async_create_task(
        backfill.async_run(unstarted.entry.runtime_data.coordinator.data)
    )
    for _ in range(1000):  # turns of the loop until the request is in flight
        if simulator.request_counts[READINGS]:
            break
        await asyncio.sleep(0)
    backfill.async_forget([point_id])
    await unstarted.advance(minutes=0.1)
    await run
    assert point_id not in backfill.gaps
    assert point_id not in backfill.rechecks
    assert simulator.request_counts[READINGS] > 1
