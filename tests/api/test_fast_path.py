"""The contract's fast path reads exactly what the checked path reads.

Well-formed items take the fast path (a plain read, for speed at 10,000 sensor
points); anything else is handed to the checked path. These properties hold
for any item, well-formed or not: when the fast path accepts an item, the
checked path gives an equal result, and a whole page parses, and logs, as the
checked path alone would have parsed and logged it.
"""

from __future__ import annotations

import logging
from typing import Any
from unittest.mock import patch

from hypothesis import example, given, settings, strategies as st

from custom_components.smartsense.api import contract

# Values of the wrong type or shape, for any field.
_WRONG = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=3),
    st.just(10**400),  # a JSON integer too large for a float
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", "2026-11-28T01:45:00", "28/11/2026 01:45"]),
    st.just([]),
    st.just({}),
)
_TEXT = st.sampled_from(["x", "Walk-in Freezer", "sp-5001"])
_NUMBER = st.one_of(
    st.integers(min_value=-200, max_value=200),
    st.floats(min_value=-100, max_value=100),
)
_TIME = st.sampled_from(["2026-11-28T01:45:00Z", "2026-11-28T03:45:00+02:00"])
_DELETE = object()


def _enum(values: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from([*values, "Unheard-of"])


def _object(
    required: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[Any]:
    """A well-formed object with up to two fields spoilt, or no object at all."""

    @st.composite
    def spoilt(draw: st.DrawFn) -> dict[str, Any]:
        item = dict(draw(st.fixed_dictionaries(required, optional=optional)))
        keys = sorted([*required, *optional])
        for key in draw(st.lists(st.sampled_from(keys), max_size=2, unique=True)):
            value = draw(st.one_of(st.just(_DELETE), _WRONG))
            if value is _DELETE:
                item.pop(key, None)
            else:
                item[key] = value
        return item

    return st.one_of(spoilt(), spoilt(), spoilt(), _WRONG)


_READING = _object({"timestamp": _TIME, "value": _NUMBER}, {})
_SENSOR = _object(
    {},
    {
        "id": _TEXT,
        "serialNumber": _TEXT,
        "model": _TEXT,
        "batteryPercent": _NUMBER,
        "signalStrength": _NUMBER,
        "lastCheckIn": _TIME,
    },
)
_POINT = _object(
    {
        "id": _TEXT,
        "name": _TEXT,
        "readingType": _enum(["Temperature", "Humidity", "DoorOpen", "Pressure"]),
    },
    {
        "unit": _enum(["F", "C", "%", "Pa", "none"]),
        "status": _enum(["Normal", "Warning", "Alarm", "Offline"]),
        "sensor": _SENSOR,
        "lastReading": _READING,
    },
)
_LOCATION = _object({"id": _TEXT}, {"name": _TEXT, "timeZone": _TEXT})
_ASSET = _object(
    {"id": _TEXT, "name": _TEXT},
    {
        "assetType": _TEXT,
        "location": _LOCATION,
        "sensorPoints": st.lists(_POINT, max_size=3),
    },
)


def _checked(parse: Any, raw: Any) -> Any:
    """What the checked path makes of an item: a value, skipped, or an error."""
    try:
        return parse(raw)
    except contract._Malformed:
        return "skipped"
    except OverflowError:
        return "error"


@settings(max_examples=400)
@given(raw=_POINT)
@example(
    raw={
        "id": "sp-1",
        "name": "Air",
        "readingType": "Temperature",
        "lastReading": {"timestamp": "2026-11-28T01:45:00Z", "value": 10**400},
    }
)
def test_sensor_point(raw: Any) -> None:
    """A sensor point the fast path reads is the one the checked path reads."""
    fast = contract._plain_sensor_point(raw)
    if fast is not None:
        assert fast == _checked(contract._sensor_point, raw)


@settings(max_examples=400)
@given(raw=_ASSET)
def test_asset(raw: Any) -> None:
    """An asset the fast path reads is the one the checked path reads."""
    fast = contract._plain_asset(raw)
    if fast is not None:
        assert fast == _checked(contract._asset, raw)


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _parse(payload: Any) -> tuple[Any, list[str]]:
    logger = logging.getLogger(contract.__name__)
    records = _Records()
    level = logger.level
    logger.addHandler(records)
    logger.setLevel(logging.DEBUG)
    try:
        return _checked(contract.parse_asset_page, payload), records.messages
    finally:
        logger.removeHandler(records)
        logger.setLevel(level)


@settings(max_examples=300)
@given(items=st.lists(_ASSET, max_size=4))
def test_page(items: list[Any]) -> None:
    """A page parses and logs exactly as with the checked path alone."""
    payload = {"data": items, "page": 1, "pageSize": 500, "totalCount": len(items)}
    with_fast_path = _parse(payload)
    with (
        patch.object(contract, "_plain_asset", lambda _raw: None),
        patch.object(contract, "_plain_sensor_point", lambda _raw: None),
    ):
        checked_only = _parse(payload)
    assert with_fast_path == checked_only
