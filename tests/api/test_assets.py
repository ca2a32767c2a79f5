"""The asset listing: paging, faults, and forgiving parsing."""

from __future__ import annotations

from datetime import UTC, datetime
import json
import logging
import math
from typing import Any

import aiohttp
import pytest

from custom_components.smartsense.api import (
    ReadingType,
    SmartSenseClient,
    SmartSenseConnectionError,
    SmartSenseListingError,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
    Status,
    Unit,
)
from simulator import DELETE, Account, SimConfig, Simulator

from .conftest import FakeClock


async def test_assets_match_the_simulator(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Every asset and sensor point arrives with its newest reading."""
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == simulator.asset_ids()
    points = {point.id: point for asset in assets for point in asset.sensor_points}
    assert sorted(points) == sorted(simulator.sensor_point_ids())
    for point_id, point in points.items():
        latest = simulator.latest(point_id)
        assert latest is not None
        assert point.last_reading is not None
        assert (point.last_reading.timestamp, point.last_reading.value) == latest
        assert point.sensor is not None
        assert point.sensor.battery_percent is not None
    assert {point.reading_type for point in points.values()} <= set(ReadingType)
    assert all(asset.location and asset.location.name for asset in assets)


@pytest.mark.parametrize(
    "sim_config", [SimConfig(accounts=[Account(sensor_points=1800)])]
)
async def test_paging_reads_every_page_once(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A large account is read 500 assets a page, each page once."""
    asset_count = len(simulator.asset_ids())
    assert asset_count > 1000
    assets = await client.async_get_assets()
    assert len(assets) == asset_count
    assert len({asset.id for asset in assets}) == asset_count
    assert simulator.request_counts["/assets"] == math.ceil(asset_count / 500)


async def test_empty_account(client: SmartSenseClient, simulator: Simulator) -> None:
    """An account without assets is one request and an empty list."""
    for asset_id in simulator.asset_ids():
        simulator.remove_asset(asset_id)
    assert await client.async_get_assets() == []
    assert simulator.request_counts["/assets"] == 1


def _page(page: int, total: int, ids: list[str]) -> str:
    return json.dumps(
        {
            "data": [{"id": asset_id, "name": asset_id} for asset_id in ids],
            "page": page,
            "pageSize": 500,
            "totalCount": total,
        }
    )


@pytest.mark.parametrize(
    ("second", "match", "read"),
    [
        # A page that repeats assets already read; none is kept twice.
        (_page(2, 3, ["a", "c"]), "repeats", ["a", "b", "c"]),
        # An answer for another page than the one asked for.
        (_page(1, 3, ["c"]), "page 1", ["a", "b", "c"]),
        # More assets than totalCount announced: all of them.
        (_page(2, 3, ["c", "d"]), "totalCount", ["a", "b", "c", "d"]),
    ],
    ids=["repeated_page", "wrong_page_number", "past_total_count"],
)
async def test_inconsistent_paging_ends_the_walk_flagged(
    client: SmartSenseClient,
    simulator: Simulator,
    second: str,
    match: str,
    read: list[str],
) -> None:
    """Paging that contradicts itself ends the walk with what was read, flagged.

    The assets read are usable values, but maybe not every asset.
    """
    simulator.add_fault("/assets", status=200, body=_page(1, 3, ["a", "b"]))
    simulator.add_fault("/assets", status=200, body=second)
    with pytest.raises(SmartSenseListingError, match=match) as caught:
        await client.async_get_assets()
    assert [asset.id for asset in caught.value.assets] == read
    # Still a response error to callers that do not look closer.
    assert isinstance(caught.value, SmartSenseResponseError)


@pytest.mark.parametrize(
    "sim_config", [SimConfig(accounts=[Account(sensor_points=40)])]
)
async def test_total_count_of_the_first_page_only(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A totalCount that counts only a full first page: every asset, flagged.

    The simulator cuts pages to seven assets and says each page is all there
    is; a client that believed it would stop after page 1.
    """
    ids = simulator.asset_ids()
    pages = len(ids) // 7 + 1
    simulator.add_fault("/assets", kind="lying_total", count=pages)
    with pytest.raises(SmartSenseListingError, match="runs past") as caught:
        await client.async_get_assets()
    assert [asset.id for asset in caught.value.assets] == ids
    assert simulator.request_counts["/assets"] == pages


async def test_full_last_page_is_checked_once(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A listing that ends exactly on a full page costs one more request."""
    full = json.dumps(
        {
            "data": [{"id": f"a{n}", "name": "x"} for n in range(2)],
            "page": 1,
            "pageSize": 2,
            "totalCount": 2,
        }
    )
    empty = json.dumps({"data": [], "page": 2, "pageSize": 2, "totalCount": 2})
    simulator.add_fault("/assets", status=200, body=full)
    simulator.add_fault("/assets", status=200, body=empty)
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == ["a0", "a1"]
    assert simulator.request_counts["/assets"] == 2


async def test_short_pages_are_followed_to_total_count(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A server that caps the page size below what it says still lists all."""
    simulator.add_fault("/assets", status=200, body=_page(1, 3, ["a"]))
    simulator.add_fault("/assets", status=200, body=_page(2, 3, ["b"]))
    simulator.add_fault("/assets", status=200, body=_page(3, 3, ["c"]))
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == ["a", "b", "c"]


async def test_listing_that_changes_mid_walk_is_read_again(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A totalCount that changes between pages restarts the walk."""
    simulator.add_fault("/assets", status=200, body=_page(1, 3, ["a", "b"]))
    simulator.add_fault("/assets", status=200, body=_page(2, 4, ["c", "d"]))
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == simulator.asset_ids()


async def test_listing_that_keeps_changing_is_an_error(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A listing that changes under every walk fails instead of looping."""
    for walk in range(3):
        simulator.add_fault("/assets", status=200, body=_page(1, 3 + walk, ["a"]))
        simulator.add_fault("/assets", status=200, body=_page(2, 9, ["b"]))
    with pytest.raises(SmartSenseResponseError, match="changing"):
        await client.async_get_assets()


async def test_shrinking_listing_is_read_again(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """An empty page before totalCount is reached means the listing moved."""
    simulator.add_fault("/assets", status=200, body=_page(1, 3, ["a", "b"]))
    simulator.add_fault("/assets", status=200, body=_page(2, 3, []))
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == simulator.asset_ids()


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("120", 120.0), ("Wed, 21 Oct 2099 07:28:00 GMT", None), (None, None)],
)
async def test_rate_limited(
    client: SmartSenseClient,
    simulator: Simulator,
    retry_after: str | None,
    expected: float | None,
) -> None:
    """429 is a rate-limit error carrying Retry-After in seconds when given."""
    simulator.add_fault("/assets", status=429, retry_after=retry_after)
    with pytest.raises(SmartSenseRateLimitError) as err:
        await client.async_get_asset_page()
    if retry_after is None:
        assert err.value.retry_after is None
    elif expected is not None:
        assert err.value.retry_after == expected
    else:
        # Decades away: capped at an hour.
        assert err.value.retry_after == 3600


async def test_retry_after_is_capped_at_an_hour(
    client: SmartSenseClient,
    simulator: Simulator,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A year-long Retry-After holds requests back for an hour; logged once."""
    for _ in range(2):
        simulator.add_fault("/assets", status=429, retry_after="31536000")
        with pytest.raises(SmartSenseRateLimitError) as err:
            await client.async_get_asset_page()
        assert err.value.retry_after == 3600
        clock.now += 3599
        with pytest.raises(SmartSenseRateLimitError):
            await client.async_get_asset_page()
        clock.now += 1
    await client.async_get_asset_page()
    assert simulator.request_counts["/assets"] == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "SmartSense asked to wait 31536000 seconds before the next request;"
        " waiting 3600 seconds instead (logged once)"
    ]


async def test_no_request_before_retry_after(
    client: SmartSenseClient, simulator: Simulator, clock: FakeClock
) -> None:
    """Until Retry-After has passed, calls fail without reaching SmartSense."""
    simulator.add_fault("/assets", status=429, retry_after="300")
    with pytest.raises(SmartSenseRateLimitError):
        await client.async_get_asset_page()
    clock.now += 200
    with pytest.raises(SmartSenseRateLimitError) as err:
        await client.async_get_asset_page()
    assert err.value.retry_after == pytest.approx(100)
    assert simulator.request_counts["/assets"] == 1
    clock.now += 101
    await client.async_get_asset_page()
    assert simulator.request_counts["/assets"] == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        # The service is out, not the data bad.
        *((status, SmartSenseConnectionError) for status in (500, 502, 503)),
        # 403 aside (access refused).
        *((status, SmartSenseResponseError) for status in (404, 410, 422)),
    ],
)
async def test_http_errors(
    client: SmartSenseClient, simulator: Simulator, status: int, error: type[Exception]
) -> None:
    """5xx answers are connection errors; other 4xx answers are response errors."""
    simulator.add_fault("/assets", status=status, body="no")
    with pytest.raises(error, match=str(status)):
        await client.async_get_asset_page()


async def test_timeout(simulator: Simulator, session: aiohttp.ClientSession) -> None:
    """A request slower than the total timeout is a connection error."""
    client = SmartSenseClient(
        session, "demo", "demo-secret", base_url=simulator.url, request_timeout=0.2
    )
    simulator.add_fault("/assets", delay=2)
    with pytest.raises(SmartSenseConnectionError, match="timed out"):
        await client.async_get_asset_page()


async def test_dropped_connection(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A connection closed without an answer is a connection error.

    aiohttp resends an idempotent request once on a dropped connection, so the
    connection is dropped twice.
    """
    simulator.add_fault("/assets", kind="disconnect", count=2)
    with pytest.raises(SmartSenseConnectionError):
        await client.async_get_asset_page()


async def test_connection_refused(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Nothing listening is a connection error."""
    await simulator.stop()
    with pytest.raises(SmartSenseConnectionError):
        await client.async_get_asset_page()


@pytest.mark.parametrize("kind", ["malformed_json", "truncated", "wrong_content_type"])
async def test_unreadable_answers(
    client: SmartSenseClient, simulator: Simulator, kind: str
) -> None:
    """Broken JSON or a non-JSON answer is a response error."""
    simulator.add_fault("/assets", kind=kind)
    with pytest.raises(SmartSenseResponseError):
        await client.async_get_asset_page()


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        '{"page": 1, "pageSize": 500, "totalCount": 0}',
        '{"data": {}, "page": 1, "pageSize": 500, "totalCount": 0}',
        '{"data": [], "page": "1", "pageSize": 500, "totalCount": 0}',
        '{"data": [], "page": 1, "pageSize": 500}',
    ],
)
async def test_listing_of_the_wrong_shape(
    client: SmartSenseClient, simulator: Simulator, body: str
) -> None:
    """A listing without its data list or paging numbers is a response error."""
    simulator.add_fault("/assets", status=200, body=body)
    with pytest.raises(SmartSenseResponseError):
        await client.async_get_asset_page()


async def test_one_bad_asset_is_skipped(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """An asset without a name is skipped; the others are kept."""
    bad, *good = simulator.asset_ids()
    simulator.patch_asset(bad, name=DELETE)
    assets = await client.async_get_assets()
    assert [asset.id for asset in assets] == good


async def test_bad_sensor_points_are_skipped(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Sensor points without an id or with a wrong type are skipped alone."""
    first, second, *rest = simulator.sensor_point_ids()
    simulator.patch_sensor_point(first, id=DELETE)
    simulator.patch_sensor_point(second, readingType=42)
    assets = await client.async_get_assets()
    points = [point.id for asset in assets for point in asset.sensor_points]
    assert sorted(points) == sorted(rest)


async def test_bad_nested_objects_lose_only_themselves(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """A malformed sensor or last reading is dropped; the point is kept."""
    first, second, third, *_ = simulator.sensor_point_ids()
    simulator.patch_sensor_point(first, lastReading={"timestamp": "now", "value": 1})
    simulator.patch_sensor_point(second, sensor="s-1")
    simulator.patch_sensor_point(
        third, lastReading={"timestamp": "2026-11-28T01:45:00", "value": 1}
    )
    assets = await client.async_get_assets()
    points = {point.id: point for asset in assets for point in asset.sensor_points}
    assert points[first].last_reading is None
    assert points[first].sensor is not None
    assert points[second].sensor is None
    assert points[second].last_reading is not None
    assert points[third].last_reading is None


async def test_missing_optional_fields_mean_not_reported(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Optional fields may be absent or null without losing the point."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.patch_sensor_point(
        point_id, unit=DELETE, status=None, sensor={}, lastReading=None
    )
    assets = await client.async_get_assets()
    point = next(p for a in assets for p in a.sensor_points if p.id == point_id)
    assert point.unit is None
    assert point.status is None
    assert point.last_reading is None
    assert point.sensor is not None
    assert point.sensor.battery_percent is None


async def test_unknown_enum_values_are_kept(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """Values SmartSense may add later stay strings, never an error."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.patch_sensor_point(
        point_id, readingType="Vibration", unit="mm/s", status="Tampered"
    )
    assets = await client.async_get_assets()
    point = next(p for a in assets for p in a.sensor_points if p.id == point_id)
    assert point.reading_type == "Vibration"
    assert point.reading_type not in set(ReadingType)
    assert point.unit == "mm/s"
    assert point.status == "Tampered"
    others = [p for a in assets for p in a.sensor_points if p.id != point_id]
    assert all(p.status in set(Status) for p in others)
    assert all(p.unit in set(Unit) for p in others)
    assert any(p.status == Status.NORMAL for p in others)


async def test_values_json_lacks_lose_only_their_part(
    client: SmartSenseClient, simulator: Simulator
) -> None:
    """NaN and Infinity lose only the reading or sensor that holds them.

    They are not JSON, but some encoders write them. Times with an offset
    arrive in UTC.
    """
    reading = {"timestamp": "2026-11-28T03:45:00+02:00", "value": 1}
    nan_reading = {**reading, "value": math.nan}
    air = {"sensor": {"batteryPercent": math.inf}, "lastReading": nan_reading}
    door = {"sensor": {"batteryPercent": 80}, "lastReading": reading}
    points = [
        {"id": f"sp-{n}", "name": f"Point {n}", "readingType": "Temperature", **part}
        for n, part in enumerate([air, door], start=1)
    ]
    assets: list[dict[str, Any]] = [
        {"id": "a-1", "name": "Freezer", "sensorPoints": points}
    ]
    assets.append({"id": "a-2", "name": "Room", "sensorPoints": None})
    body = {"data": assets, "page": 1, "pageSize": 500, "totalCount": 2}
    simulator.add_fault("/assets", status=200, body=json.dumps(body))
    page = await client.async_get_asset_page()
    assert [asset.id for asset in page.assets] == ["a-1", "a-2"]
    first, second = page.assets[0].sensor_points
    assert (first.id, first.sensor, first.last_reading) == ("sp-1", None, None)
    assert second.sensor is not None
    assert second.sensor.battery_percent == 80
    assert second.last_reading is not None
    assert second.last_reading.timestamp == datetime(2026, 11, 28, 1, 45, tzinfo=UTC)
    assert second.last_reading.timestamp.tzinfo is UTC
    assert page.assets[1].sensor_points == ()
