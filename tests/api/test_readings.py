"""Readings of one sensor point over a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from custom_components.smartsense.api import (
    Reading,
    SmartSenseClient,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
)
from simulator import Simulator

from .conftest import FakeClock


@pytest.mark.parametrize(
    ("days", "requests"),
    # A window over 7 days is split into several requests.
    [(1, 1), (10, 2)],
    ids=["one_day", "ten_days"],
)
async def test_readings_match_the_simulator(
    client: SmartSenseClient, simulator: Simulator, days: int, requests: int
) -> None:
    """The window's readings arrive ascending, as the simulator delivered them."""
    point_id = simulator.sensor_point_ids()[0]
    end = simulator.now()
    start = end - timedelta(days=days)
    readings = await client.async_get_readings(point_id, start, end)
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == requests
    assert [(r.timestamp, r.value) for r in readings] == simulator.readings(
        point_id, start, end
    )
    assert len(readings) > 80 * days
    assert readings == sorted(readings, key=lambda r: r.timestamp)


async def test_any_time_zone_is_accepted(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Aware datetimes in any zone are sent with their offset."""
    point_id = simulator.sensor_point_ids()[0]
    end = simulator.now().astimezone(ZoneInfo("America/New_York"))
    readings = await client.async_get_readings(point_id, end - timedelta(hours=2), end)
    assert readings
    assert all(r.timestamp.tzinfo == UTC for r in readings)


async def test_empty_window(client: SmartSenseClient, simulator: Simulator) -> None:
    """An empty window makes no request."""
    now = simulator.now()
    assert await client.async_get_readings("sp-x", now, now) == []
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == 0


async def test_naive_or_reversed_window_is_refused(client: SmartSenseClient) -> None:
    """Naive datetimes and a start after the end are programming errors."""
    naive = datetime(2026, 11, 28, 1, 0)  # noqa: DTZ001 - the point of the test
    aware = naive.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone"):
        await client.async_get_readings("sp-1", naive, aware)
    with pytest.raises(ValueError, match="after"):
        await client.async_get_readings("sp-1", aware, aware - timedelta(hours=1))


async def _last_hour(
    client: SmartSenseClient, simulator: Simulator, point_id: str
) -> list[Reading]:
    """The point's readings of the last hour."""
    now = simulator.now()
    return await client.async_get_readings(point_id, now - timedelta(hours=1), now)


async def test_bad_readings_are_skipped(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Readings without a number or a time are skipped; the rest are sorted."""
    simulator.add_fault(
        "/sensorpoints",
        status=200,
        body='{"data": ['
        '{"timestamp": "2026-11-28T01:30:00Z", "value": 2.5},'
        '{"timestamp": "2026-11-28T01:00:00Z", "value": 1.5},'
        '{"timestamp": "2026-11-28T01:15:00Z", "value": "warm"},'
        '{"timestamp": "2026-11-28T01:20:00Z", "value": NaN},'
        '{"value": 3}, 7]}',
    )
    readings = await _last_hour(client, simulator, "sp-1")
    assert [r.value for r in readings] == [1.5, 2.5]


async def test_readings_of_the_wrong_shape(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A readings answer without a data list is a response error."""
    simulator.add_fault("/sensorpoints", status=200, body='{"readings": []}')
    with pytest.raises(SmartSenseResponseError):
        await _last_hour(client, simulator, "sp-1")


async def test_rate_limited_readings_pause_only_readings(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """A 429 on readings holds back readings, not the asset listing."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.add_fault("/sensorpoints", status=429, retry_after="600")
    with pytest.raises(SmartSenseRateLimitError):
        await _last_hour(client, simulator, point_id)
    with pytest.raises(SmartSenseRateLimitError):
        await _last_hour(client, simulator, point_id)
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == 1
    await client.async_get_asset_page()
    clock.now += 601
    assert await _last_hour(client, simulator, point_id)


async def test_rate_limited_listing_pauses_everything(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """A 429 on the listing holds back every request until Retry-After."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.add_fault("/assets", status=429, retry_after="600")
    with pytest.raises(SmartSenseRateLimitError):
        await client.async_get_asset_page()
    with pytest.raises(SmartSenseRateLimitError):
        await _last_hour(client, simulator, point_id)
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == 0
