"""Fuzzed answers: the client raises only its own typed errors, whatever it gets.

Arbitrary JSON values, and valid answers with one part broken, go through the
decoders of the data contract (as the bytes Python's ``json.dumps`` writes,
NaN, Infinity and huge integers included), through the token answer handling
(over real HTTP, from the simulator) and any body through the decoders. The
only outcomes allowed: a decoded answer that keeps every intact item (a broken
item is skipped, and logged once), or a ``SmartSenseError``. The runs are
deterministic (derandomized, no example database).
"""

from __future__ import annotations

import contextlib
import copy
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime
import json
import logging
import math
from typing import Any

import aiohttp
from hypothesis import HealthCheck, example, given, settings, strategies as st
import pytest

from custom_components.smartsense.api import (
    AssetPage,
    Reading,
    ReadingType,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseResponseError,
    Status,
    Unit,
    decode,
)
from custom_components.smartsense.api.rate_limit import parse_retry_after
from simulator import Simulator

AUTH = "/auth/oauth"

FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

# Field names of the contract, so that random objects reach the real parsing.
KEYS = [
    "data",
    "page",
    "pageSize",
    "totalCount",
    "id",
    "name",
    "assetType",
    "location",
    "timeZone",
    "sensorPoints",
    "readingType",
    "unit",
    "status",
    "sensor",
    "batteryPercent",
    "signalStrength",
    "lastReading",
    "timestamp",
    "value",
    "access_token",
    "token_type",
    "expires_in",
]
ENUM_VALUES = [
    *(member.value for member in (*ReadingType, *Unit, *Status)),
    "Vibration",
    "K",
    "Defrosting",
]

offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
valid_timestamps = st.datetimes(
    # Hypothesis takes naive bounds and adds the time zone itself.
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=offsets,
).map(datetime.isoformat)
timestamps = st.one_of(
    valid_timestamps,
    st.datetimes(timezones=offsets | st.none()).map(datetime.isoformat),
    st.sampled_from(
        [
            "0001-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-11-28T01:45:00Z",
            "2026-11-28",
            "2026-13-01T00:00:00Z",
            "yesterday",
        ]
    ),
)
huge_numbers = st.sampled_from([2**63, -(2**63), 10**309, -(10**309), 10**400])
numbers = st.one_of(st.integers(), st.floats(), huge_numbers)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    numbers,
    st.text(max_size=12),
    timestamps,
    st.sampled_from(ENUM_VALUES),
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6
        ),
    ),
    max_leaves=30,
)

ids = st.text(min_size=1, max_size=8)
names = st.text(min_size=1, max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000)
valid_readings = st.fixed_dictionaries({"timestamp": valid_timestamps, "value": finite})
valid_sensors = st.fixed_dictionaries(
    {},
    optional={
        "id": ids,
        "serialNumber": names,
        "model": names,
        "batteryPercent": st.integers(0, 100),
        "signalStrength": st.integers(-100, 0),
        "lastCheckIn": valid_timestamps,
    },
)
valid_points = st.fixed_dictionaries(
    {"id": ids, "name": names, "readingType": st.sampled_from(ENUM_VALUES)},
    optional={
        "unit": st.sampled_from(ENUM_VALUES) | st.none(),
        "status": st.sampled_from(ENUM_VALUES) | st.none(),
        "sensor": valid_sensors | st.none(),
        "lastReading": valid_readings | st.none(),
    },
)
valid_assets = st.fixed_dictionaries(
    {"id": ids, "name": names, "sensorPoints": st.lists(valid_points, max_size=3)},
    optional={
        "assetType": names | st.none(),
        "location": st.fixed_dictionaries(
            {"id": ids}, optional={"name": names, "timeZone": names}
        )
        | st.none(),
    },
)
valid_pages = st.lists(valid_assets, max_size=4).map(
    lambda data: {"data": data, "page": 1, "pageSize": 500, "totalCount": len(data)}
)
valid_reading_answers = st.lists(valid_readings, max_size=6).map(
    lambda data: {"data": data}
)
# RFC 6750 b64token, as SmartSense's tokens are.
b64tokens = st.from_regex(r"[A-Za-z0-9\-._~+/]{1,40}=*", fullmatch=True)
valid_token_answers = st.fixed_dictionaries(
    {
        "access_token": b64tokens,
        "token_type": st.just("Bearer"),
        "expires_in": st.integers(1, 10**6),
    }
)

type Path = tuple[str | int, ...]


def parse_asset_page(payload: Any) -> AssetPage:
    """Decode a page from the JSON that Python writes for it."""
    return decode.decode_asset_page(json.dumps(payload).encode())


def parse_readings(payload: Any) -> list[Reading]:
    """Decode readings from the JSON that Python writes for them."""
    return decode.decode_readings(json.dumps(payload).encode())


def _paths(value: Any, path: Path = ()) -> list[Path]:
    """The path of every value inside a JSON document, the root excluded."""
    children: list[tuple[str | int, Any]] = []
    if isinstance(value, dict):
        children = list(value.items())
    elif isinstance(value, list):
        children = list(enumerate(value))
    found: list[Path] = []
    for key, child in children:
        found.append((*path, key))
        found.extend(_paths(child, (*path, key)))
    return found


@st.composite
def mutated(
    draw: st.DrawFn, valid: st.SearchStrategy[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """A valid answer, and a copy with one value replaced, removed or wrapped."""
    original = draw(valid)
    broken = copy.deepcopy(original)
    paths = _paths(broken)
    if not paths:
        return original, broken, ()
    path = draw(st.sampled_from(paths))
    parent: Any = broken
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    match draw(st.sampled_from(["replace", "remove", "wrap", "stringify"])):
        case "replace":
            parent[key] = draw(json_values)
        case "remove":
            del parent[key]
        case "wrap":
            parent[key] = [parent[key]]
        case _:
            parent[key] = str(parent[key])
    return original, broken, path


def _check_page(page: AssetPage, payload: dict[str, Any]) -> None:
    """What a parsed page promises: counts kept, every field well-typed."""
    assert page.received == len(payload["data"])
    assert len(page.assets) <= page.received
    for asset in page.assets:
        assert isinstance(asset.id, str)
        assert asset.id
        for point in asset.sensor_points:
            assert isinstance(point.id, str)
            assert point.id
            if point.last_reading is not None:
                assert point.last_reading.timestamp.tzinfo is UTC
                assert math.isfinite(point.last_reading.value)
            if point.sensor is not None:
                for number in (
                    point.sensor.battery_percent,
                    point.sensor.signal_strength,
                ):
                    assert number is None or math.isfinite(number)


@FUZZ
@given(json_values)
@example({"data": [{"id": "a", "name": "b", "sensorPoints": [{"id": "p"}]}]})
def test_any_json_as_asset_page(payload: Any) -> None:
    """Any JSON value is a page or a SmartSenseResponseError."""
    try:
        page = parse_asset_page(payload)
    except SmartSenseResponseError:
        return
    _check_page(page, payload)


@FUZZ
@given(mutated(valid_pages))
@example(
    (
        {"data": [], "page": 1, "pageSize": 500, "totalCount": 0},
        {
            "data": [
                {
                    "id": "a-1",
                    "name": "Freezer",
                    "sensorPoints": [
                        {
                            "id": "sp-1",
                            "name": "Air",
                            "readingType": "Temperature",
                            "sensor": {"lastCheckIn": "0001-01-01T00:00:00+01:00"},
                            "lastReading": {
                                "timestamp": "0001-01-01T00:00:00+01:00",
                                "value": 10**400,
                            },
                        }
                    ],
                }
            ],
            "page": 1,
            "pageSize": 500,
            "totalCount": 1,
        },
        (),
    )
)
def test_broken_asset_page(
    case: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    """A valid page with one broken part: an error, or every intact asset."""
    original, broken, path = case
    try:
        page = parse_asset_page(broken)
    except SmartSenseResponseError:
        assert path[:1] != ("data",) or len(path) == 1, path
        return
    _check_page(page, broken)
    if len(path) >= 2 and path[0] == "data":
        intact = parse_asset_page(original).assets
        for index, asset in enumerate(intact):
            if index != path[1]:
                assert asset in page.assets


@FUZZ
@given(json_values)
def test_any_json_as_readings(payload: Any) -> None:
    """Any JSON value is a list of readings or a SmartSenseResponseError."""
    try:
        readings = parse_readings(payload)
    except SmartSenseResponseError:
        return
    assert len(readings) <= len(payload["data"])
    assert readings == sorted(readings, key=lambda reading: reading.timestamp)
    for reading in readings:
        assert reading.timestamp.tzinfo is UTC
        assert math.isfinite(reading.value)


@FUZZ
@given(mutated(valid_reading_answers))
@example(
    (
        {"data": []},
        {
            "data": [
                {"timestamp": "9999-12-31T23:59:59-01:00", "value": 1},
                {"timestamp": "2026-11-28T01:45:00Z", "value": 10**309},
                {"timestamp": "2026-11-28T01:30:00Z", "value": -3.5},
            ]
        },
        (),
    )
)
def test_broken_readings(case: tuple[dict[str, Any], dict[str, Any], Path]) -> None:
    """Valid readings with one broken part: every intact reading is kept."""
    original, broken, path = case
    try:
        readings = parse_readings(broken)
    except SmartSenseResponseError:
        assert len(path) <= 1, path
        return
    assert readings == sorted(readings, key=lambda reading: reading.timestamp)
    if len(path) >= 2:
        for index, item in enumerate(original["data"]):
            if index != path[1]:
                assert all(
                    reading in readings for reading in parse_readings({"data": [item]})
                )


retry_after_texts = st.one_of(
    st.text(max_size=40),
    st.floats().map(str),
    st.integers().map(str),
    st.datetimes(timezones=offsets).map(format_datetime),
    st.sampled_from(
        [
            "Mon, 1 Jan 99999999999 00:00:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 -2359",
            "Mon, 01 Jan 0001 00:00:00 +2359",
            "1e400",
            "-0",
        ]
    ),
)


@FUZZ
@given(retry_after_texts)
def test_any_retry_after(header: str) -> None:
    """A Retry-After header is a finite wait of 0 s or more, or ignored."""
    wait = parse_retry_after(header, datetime(2026, 11, 28, 3, tzinfo=UTC))
    assert wait is None or (math.isfinite(wait) and wait >= 0)


header_texts = (
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30) | st.none()
)
token_bodies = st.one_of(
    mutated(valid_token_answers).map(lambda case: json.dumps(case[1])),
    valid_token_answers.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=40),
    st.sampled_from(
        [
            '{"access_token": "abc\\r\\nX-Injected: 1", "expires_in": 3600}',
            '{"access_token": "a b", "expires_in": 3600}',
            '{"access_token": "caf\\u00e9", "expires_in": 3600}',
            f'{{"access_token": "abc", "expires_in": {10**400}}}',
            '{"access_token": "abc", "expires_in": 1e308}',
            '{"access_token": "abc", "expires_in": NaN}',
        ]
    ),
)
statuses = st.sampled_from([200] * 6 + [400, 401, 403, 404, 429, 500, 503])


class _Records(logging.Handler):
    """The contract's debug log of one decoding."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _logged(payload: Any) -> tuple[AssetPage, list[str]]:
    logger = logging.getLogger(decode.__name__)
    records = _Records()
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    try:
        return parse_asset_page(payload), records.messages
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)


one_asset_pages = st.lists(valid_assets, min_size=1, max_size=1).map(
    lambda data: {"data": data, "page": 1, "pageSize": 500, "totalCount": 1}
)


@FUZZ
@given(mutated(one_asset_pages))
def test_each_skip_is_logged_once(
    case: tuple[dict[str, Any], dict[str, Any], Path],
) -> None:
    """A skipped asset or sensor point is logged once; a kept one is not."""
    _, broken, path = case
    if path[:1] != ("data",) or len(path) < 2:
        return  # the envelope is broken, or the asset replaced as a whole
    page, messages = _logged(broken)
    skipped_assets = [m for m in messages if m.startswith("Skipping malformed asset")]
    skipped_points = [m for m in messages if m.startswith("Skipping malformed sensor")]
    assert len(skipped_assets) == page.received - len(page.assets)
    if page.assets:
        points = broken["data"][0].get("sensorPoints") or []
        assert len(skipped_points) == len(points) - len(page.assets[0].sensor_points)


@FUZZ
@given(status=statuses, body=token_bodies, retry_after=header_texts)
async def test_any_token_answer(
    simulator: Simulator,
    session: aiohttp.ClientSession,
    status: int,
    body: str,
    retry_after: str | None,
) -> None:
    """Whatever the token endpoint answers: a usable token or a SmartSenseError.

    Over real HTTP; a token is one the next request can carry.
    """
    simulator.clear_faults()
    simulator.add_fault(AUTH, status=status, body=body, retry_after=retry_after)
    client = SmartSenseClient(session, "demo", "demo-secret", base_url=simulator.url)
    try:
        # The token goes into the request's header.
        await client.async_get_asset_page(page_size=1)
    except SmartSenseError:
        return


@FUZZ
@given(st.binary(max_size=60) | json_values.map(lambda v: json.dumps(v).encode()))
@example(b"[" * 100_000 + b"]" * 100_000)
@example(b'{"data": [' + b"[" * 100_000 + b"]" * 100_000 + b'], "page": 1}')
@example(b'{"data": "\xff\xfe"}')
@example(b'{"data": ["\xff\xfe", {"timestamp": "\xff"}], "page": 1}')
def test_any_body(body: bytes) -> None:
    """Any body decodes to an answer or a SmartSenseResponseError."""
    for decoder in (decode.decode_asset_page, decode.decode_readings):
        with contextlib.suppress(SmartSenseResponseError):
            decoder(body)


@pytest.mark.parametrize(
    "token",
    ["abc\r\nX-Injected: 1", "a b", "caf\u00e9", "tab\there", "nul\x00"],
)
async def test_token_that_cannot_be_sent_is_refused(
    simulator: Simulator, session: aiohttp.ClientSession, token: str
) -> None:
    """A token that is not an RFC 6750 b64token never reaches a header."""
    simulator.add_fault(
        AUTH, status=200, body=json.dumps({"access_token": token, "expires_in": 3600})
    )
    client = SmartSenseClient(session, "demo", "demo-secret", base_url=simulator.url)
    with pytest.raises(SmartSenseResponseError):
        await client.async_get_asset_page()
    assert simulator.request_counts["/assets"] == 0
