"""Part B of the SmartSense API: the modelled data contract, in one place.

SmartSense has not published the data endpoints' schema we could obtain, so
every path, query parameter, field name and enum spelling below is an
assumption. When the real schema is confirmed, only this module changes.

The models are msgspec structs, decoded in C straight from the response bytes.
Decoding is forgiving per item: a malformed asset, sensor point or reading is
skipped with a debug log and the rest of the answer is kept; a malformed sensor
or last reading loses only itself. Only an answer whose envelope is wrong
raises ``SmartSenseResponseError``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
import json
import logging
from operator import attrgetter
import sys
from typing import Annotated, Any

import msgspec
from msgspec import Meta, Raw, Struct, inspect

from .errors import SmartSenseResponseError
from .shapes import declared, unexpected

_LOGGER = logging.getLogger(__name__)

ASSETS_PATH = "/assets"
MAX_PAGE_SIZE = 500
MAX_READINGS_WINDOW_DAYS = 7


# Of one sensor point's readings, formatted with its id.
READINGS_PATH = "/sensorpoints/{id}/readings"


def assets_query(page: int, page_size: int) -> dict[str, str]:
    """Query of one page of the asset listing."""
    return {"page": str(page), "pageSize": str(page_size)}


def readings_query(start: datetime, end: datetime) -> dict[str, str]:
    """Query of a readings window; both ends carry their UTC offset."""
    return {"start": start.isoformat(), "end": end.isoformat()}


# Enums are open sets: the fields below keep SmartSense's string, which equals
# a member when it is a known value, so a value added later never breaks an
# update.


class ReadingType(StrEnum):
    """What a sensor point measures."""

    TEMPERATURE = "Temperature"
    HUMIDITY = "Humidity"
    PROBE_TEMPERATURE = "ProbeTemperature"
    DOOR_OPEN = "DoorOpen"
    PRESSURE = "Pressure"


class Unit(StrEnum):
    """The unit of a sensor point's values."""

    FAHRENHEIT = "F"
    CELSIUS = "C"
    PERCENT = "%"
    PASCAL = "Pa"
    NONE = "none"


class Status(StrEnum):
    """The alarm state SmartSense reports for a sensor point."""

    NORMAL = "Normal"
    WARNING = "Warning"
    ALARM = "Alarm"
    OFFLINE = "Offline"


type Text = Annotated[str, Meta(min_length=1)]
type Count = Annotated[int, Meta(ge=0)]
# Finite: JSON has no NaN or infinity, but the lenient decoding below reads them.
type Number = Annotated[float, Meta(ge=-sys.float_info.max, le=sys.float_info.max)]
type Timestamp = Annotated[datetime, Meta(tz=True)]


# Every model is immutable, named in camelCase in JSON, and left out of the
# cyclic garbage collector (gc=False), which is safe as no model can be part of
# a reference cycle: they hold strings, numbers, datetimes and other models.


class Reading(Struct, frozen=True, gc=False, rename="camel"):
    """One value, stamped with the (UTC) time it was taken."""

    timestamp: Timestamp
    value: Number

    def __post_init__(self) -> None:
        """Normalise the timestamp to UTC (SmartSense's own are UTC already)."""
        if self.timestamp.tzinfo is not UTC:
            try:
                utc = self.timestamp.astimezone(UTC)
            except OverflowError:  # at the very edge of the calendar
                raise ValueError("timestamp is out of range in UTC") from None
            msgspec.structs.force_setattr(self, "timestamp", utc)


class Sensor(Struct, frozen=True, gc=False, rename="camel"):
    """The probe attached to a sensor point; every field is optional."""

    battery_percent: Number | None = None
    signal_strength: Number | None = None


class SensorPoint(Struct, frozen=True, gc=False, rename="camel"):
    """What is monitored on an asset, with its newest reading."""

    id: Text
    name: Text
    # A ReadingType, Unit and Status, or values SmartSense added since.
    reading_type: Text
    unit: Text | None = None
    status: Text | None = None
    sensor: Sensor | None = None
    last_reading: Reading | None = None


class Location(Struct, frozen=True, gc=False, rename="camel"):
    """Where an asset stands."""

    id: Text | None = None
    name: Text | None = None


class Asset(Struct, frozen=True, gc=False, rename="camel"):
    """A monitored thing (a fridge, a freezer, a room) and its sensor points."""

    id: Text
    name: Text
    asset_type: Text | None = None
    location: Location | None = None
    sensor_points: tuple[SensorPoint, ...] = ()


class AssetPage(Struct, frozen=True, gc=False):
    """One page of the asset listing.

    ``received`` counts the items on the page, including any skipped as
    malformed, so that paging stays in step with ``total_count``.
    """

    assets: tuple[Asset, ...]
    page: int
    page_size: int
    total_count: int
    received: int


class _Page[T](Struct, rename="camel"):
    """The envelope of ``GET /assets``; its items are decoded one by one."""

    data: list[T]
    page: Count
    page_size: Count
    total_count: Count


class _Readings[T](Struct):
    """The envelope of ``GET /sensorpoints/{id}/readings``."""

    data: list[T]


_WHOLE_PAGE = msgspec.json.Decoder(_Page[Asset])
_PAGE = msgspec.json.Decoder(_Page[Raw])
_READINGS = msgspec.json.Decoder(_Readings[Raw])
_ASSET = msgspec.json.Decoder(Asset)
_READING = msgspec.json.Decoder(Reading)
_PAGE_SHAPE = declared(_Page[Asset])
_READINGS_SHAPE = declared(_Readings[Reading])
_POINTS = next(
    field.encode_name
    for field in msgspec.structs.fields(Asset)
    if field.name == "sensor_points"
)
# The parts of a sensor point that, malformed, lose only themselves.
_NESTED = [
    field
    for field in msgspec.structs.fields(SensorPoint)
    if field.name in ("sensor", "last_reading")
]


def decode_asset_page(body: bytes) -> AssetPage:
    """Decode one page of ``GET /assets``.

    A page without a malformed asset is decoded in one call; any other page is
    decoded again, its envelope first and then each asset on its own.
    """
    try:
        page = _WHOLE_PAGE.decode(body)
    except msgspec.DecodeError, RecursionError:
        pass
    else:
        return AssetPage(
            assets=tuple(page.data),
            page=page.page,
            page_size=page.page_size,
            total_count=page.total_count,
            received=len(page.data),
        )
    envelope = _envelope(body, _PAGE, _Page[Any], _PAGE_SHAPE, ASSETS_PATH)
    # Malformed parts: only an item's own, unless every item has them.
    _raise_if_unexpected(body, _PAGE_SHAPE, ASSETS_PATH)
    assets = [asset for item in envelope.data if (asset := _asset(item)) is not None]
    return AssetPage(
        assets=tuple(assets),
        page=envelope.page,
        page_size=envelope.page_size,
        total_count=envelope.total_count,
        received=len(envelope.data),
    )


def decode_readings(body: bytes) -> list[Reading]:
    """Decode ``GET /sensorpoints/{id}/readings``, ascending by timestamp."""
    envelope = _envelope(
        body, _READINGS, _Readings[Any], _READINGS_SHAPE, READINGS_PATH
    )
    readings = [
        reading for item in envelope.data if (reading := _reading(item)) is not None
    ]
    if len(readings) < len(envelope.data):
        _raise_if_unexpected(body, _READINGS_SHAPE, READINGS_PATH)
    readings.sort(key=attrgetter("timestamp"))
    return readings


def _envelope[E](
    body: bytes,
    decoder: msgspec.json.Decoder[Any],
    lenient: type[E],
    shape: inspect.StructType,
    path: str,
) -> E:
    """The answer's envelope, its items left as raw JSON (or, rarely, values).

    Raises ``SmartSenseUnexpectedAnswerError`` when its shape differs from
    ``shape``, else ``SmartSenseResponseError`` for a broken answer.
    """
    try:
        envelope: E = decoder.decode(body)
    except msgspec.ValidationError as err:
        _raise_if_unexpected(body, shape, path)
        raise SmartSenseResponseError(f"GET {path}: {err}") from None
    except msgspec.DecodeError, RecursionError:
        pass
    else:
        return envelope
    # Not JSON to msgspec. Python's decoder also reads NaN and Infinity, which
    # JSON lacks: an item holding one is then skipped alone, as any other.
    try:
        value = json.loads(body)
    except ValueError, RecursionError:
        raise SmartSenseResponseError(f"GET {path}: malformed JSON") from None
    try:
        return msgspec.convert(value, lenient)
    except msgspec.ValidationError as err:
        _raise_if_unexpected(body, shape, path)
        raise SmartSenseResponseError(f"GET {path}: {err}") from None


def _raise_if_unexpected(body: bytes, shape: inspect.StructType, path: str) -> None:
    """Raise if the answer's shape differs, not just one of its items."""
    if (error := unexpected(body, shape, path)) is not None:
        raise error


def _asset(item: Any) -> Asset | None:
    if isinstance(item, Raw):
        try:
            return _ASSET.decode(item)
        except msgspec.DecodeError, RecursionError:
            pass
    # Read again piece by piece, so that a broken sensor point loses only itself.
    try:
        fields = _object(item)
        points = msgspec.convert(fields.get(_POINTS), list[Any] | None)
        asset = msgspec.convert({**fields, _POINTS: []}, Asset)
    except (msgspec.DecodeError, RecursionError) as err:
        _LOGGER.debug("Skipping malformed asset: %s", err)
        return None
    kept = (_sensor_point(point, asset.id) for point in points or ())
    return msgspec.structs.replace(
        asset, sensor_points=tuple(point for point in kept if point is not None)
    )


def _sensor_point(item: Any, asset_id: str) -> SensorPoint | None:
    try:
        return msgspec.convert(item, SensorPoint)
    except msgspec.ValidationError:
        pass
    try:
        fields = _object(item)
        point = msgspec.convert(
            {**fields, **{field.encode_name: None for field in _NESTED}}, SensorPoint
        )
    except msgspec.ValidationError as err:
        _LOGGER.debug("Skipping malformed sensor point of asset %s: %s", asset_id, err)
        return None
    nested: dict[str, Any] = {}
    for field in _NESTED:
        try:
            value = fields.get(field.encode_name)
            nested[field.name] = msgspec.convert(value, field.type)
        except msgspec.ValidationError as err:
            _LOGGER.debug(
                "Ignoring malformed %s of sensor point %s: %s",
                field.encode_name,
                point.id,
                err,
            )
    return msgspec.structs.replace(point, **nested)


def _object(item: Any) -> dict[str, Any]:
    """An item's JSON object, as Python values."""
    if isinstance(item, Raw):
        item = msgspec.json.decode(item)
    return msgspec.convert(item, dict[str, Any])


def _reading(item: Any) -> Reading | None:
    try:
        if isinstance(item, Raw):
            return _READING.decode(item)
        return msgspec.convert(item, Reading)
    except (msgspec.DecodeError, RecursionError) as err:
        _LOGGER.debug("Skipping malformed reading: %s", err)
        return None
