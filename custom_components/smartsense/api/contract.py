"""Part B of the SmartSense API: the modelled data contract, in one place.

SmartSense has not published the data endpoints' schema we could obtain, so
every path, query parameter, field name and enum spelling below is an
assumption. When the real schema is confirmed, only this module changes.

Parsing is forgiving per item: a malformed asset, sensor point, sensor or
reading is skipped with a debug log and the rest of the answer is kept. Only an
answer whose overall shape is wrong raises ``SmartSenseResponseError``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
import logging
import math
from typing import Any

from .errors import SmartSenseResponseError
from .models import (
    Asset,
    AssetPage,
    Location,
    Reading,
    ReadingType,
    Sensor,
    SensorPoint,
    Status,
    Unit,
)

_LOGGER = logging.getLogger(__name__)

ASSETS_PATH = "/assets"
MAX_PAGE_SIZE = 500
MAX_READINGS_WINDOW_DAYS = 7


def readings_path(sensor_point_id: str) -> str:
    """Path of one sensor point's readings."""
    return f"/sensorpoints/{sensor_point_id}/readings"


def assets_query(page: int, page_size: int) -> dict[str, str]:
    """Query of one page of the asset listing."""
    return {"page": str(page), "pageSize": str(page_size)}


def readings_query(start: datetime, end: datetime) -> dict[str, str]:
    """Query of a readings window; both ends carry their UTC offset."""
    return {"start": start.isoformat(), "end": end.isoformat()}


type Field[T] = Callable[[dict[str, Any], str], T]


class _Malformed(ValueError):
    """One item of an answer cannot be used; it is skipped."""


def parse_asset_page(payload: Any) -> AssetPage:
    """Parse one page of ``GET /assets``."""
    if not isinstance(payload, dict):
        raise SmartSenseResponseError("asset listing is not a JSON object")
    items = payload.get("data")
    if not isinstance(items, list):
        raise SmartSenseResponseError("asset listing has no data list")
    try:
        page = _int(payload, "page")
        page_size = _int(payload, "pageSize")
        total_count = _int(payload, "totalCount")
    except _Malformed as err:
        raise SmartSenseResponseError(f"asset listing: {err}") from None
    return AssetPage(
        assets=tuple(_each(items, _asset, "asset", _plain_asset)),
        page=page,
        page_size=page_size,
        total_count=total_count,
        received=len(items),
    )


def parse_readings(payload: Any) -> list[Reading]:
    """Parse ``GET /sensorpoints/{id}/readings``, ascending by timestamp."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise SmartSenseResponseError("readings answer has no data list")
    readings = list(_each(payload["data"], _reading, "reading"))
    readings.sort(key=lambda reading: reading.timestamp)
    return readings


def _each[T](
    items: list[Any],
    parse: Callable[[Any], T],
    what: str,
    plain: Callable[[Any], T | None] | None = None,
) -> list[T]:
    """Parse every item, skipping (and logging) the malformed ones.

    ``plain`` is the fast path (see below); an item it cannot read is read
    again by ``parse``.
    """
    parsed: list[T] = []
    for item in items:
        if plain is not None and (value := plain(item)) is not None:
            parsed.append(value)
            continue
        try:
            parsed.append(parse(item))
        except _Malformed as err:
            _LOGGER.debug("Skipping malformed %s: %s", what, err)
    return parsed


def _asset(raw: Any) -> Asset:
    obj = _object(raw, "asset")
    asset_id = _str(obj, "id")
    points = obj.get("sensorPoints")
    if points is not None and not isinstance(points, list):
        raise _Malformed(f"asset {asset_id}: sensorPoints is not a list")
    return Asset(
        id=asset_id,
        name=_str(obj, "name"),
        asset_type=_optional(obj, "assetType", _str),
        location=_optional(obj, "location", _location),
        sensor_points=tuple(_each(points or [], _sensor_point, "sensor point")),
    )


def _location(obj: dict[str, Any], key: str) -> Location:
    raw = _object(obj[key], key)
    return Location(
        id=_str(raw, "id"),
        name=_optional(raw, "name", _str),
        time_zone=_optional(raw, "timeZone", _str),
    )


def _sensor_point(raw: Any) -> SensorPoint:
    obj = _object(raw, "sensor point")
    point_id = _str(obj, "id")
    return SensorPoint(
        id=point_id,
        name=_str(obj, "name"),
        reading_type=_enum(ReadingType, _str(obj, "readingType")),
        unit=_optional(obj, "unit", lambda o, k: _enum(Unit, _str(o, k))),
        status=_optional(obj, "status", lambda o, k: _enum(Status, _str(o, k))),
        # A broken nested object loses only itself, not the sensor point.
        sensor=_lenient(obj, "sensor", _sensor, point_id),
        last_reading=_lenient(obj, "lastReading", _nested_reading, point_id),
    )


def _sensor(obj: dict[str, Any], key: str) -> Sensor:
    raw = _object(obj[key], key)
    return Sensor(
        id=_optional(raw, "id", _str),
        serial_number=_optional(raw, "serialNumber", _str),
        model=_optional(raw, "model", _str),
        battery_percent=_optional(raw, "batteryPercent", _number),
        signal_strength=_optional(raw, "signalStrength", _number),
        last_check_in=_optional(raw, "lastCheckIn", _timestamp),
    )


def _nested_reading(obj: dict[str, Any], key: str) -> Reading:
    return _reading(obj[key])


def _reading(raw: Any) -> Reading:
    obj = _object(raw, "reading")
    return Reading(timestamp=_timestamp(obj, "timestamp"), value=_number(obj, "value"))


def _lenient[T](
    obj: dict[str, Any], key: str, parse: Field[T], point_id: str
) -> T | None:
    try:
        value = _optional(obj, key, parse)
    except _Malformed as err:
        _LOGGER.debug(
            "Ignoring malformed %s of sensor point %s: %s", key, point_id, err
        )
        return None
    return value


def _optional[T](obj: dict[str, Any], key: str, parse: Field[T]) -> T | None:
    """Missing and null both mean "not reported"."""
    if obj.get(key) is None:
        return None
    return parse(obj, key)


def _object(raw: Any, what: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise _Malformed(f"{what} is not an object")
    return raw


def _str(obj: dict[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        raise _Malformed(f"{key} is not a non-empty string")
    return value


def _int(obj: dict[str, Any], key: str) -> int:
    value = obj.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _Malformed(f"{key} is not a non-negative integer")
    return value


def _number(obj: dict[str, Any], key: str) -> float:
    value = obj.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _Malformed(f"{key} is not a finite number")
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        raise _Malformed(f"{key} is not a finite number") from None
    if not math.isfinite(number):
        raise _Malformed(f"{key} is not a finite number")
    return number


def _timestamp(obj: dict[str, Any], key: str) -> datetime:
    text = _str(obj, key)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise _Malformed(f"{key} is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        raise _Malformed(f"{key} has no time zone")
    try:
        return value.astimezone(UTC)
    except OverflowError:  # at the very edge of the calendar
        raise _Malformed(f"{key} is out of range in UTC") from None


def _enum[E: StrEnum](enum: type[E], value: str) -> E | str:
    try:
        return enum(value)
    except ValueError:
        return value


# The fast path. A listing of 10,000 sensor points is mostly items in the usual,
# well-formed shape; they are read below with plain lookups and exact type
# tests, several times faster than through the checked helpers above. Anything
# else (a missing id, a wrong type, a bad date ...) makes a _plain_* function
# return None, and the item is read again by the checked path, which decides
# what is kept or skipped and logs why. Both paths give equal results.

_READING_TYPES: dict[str, ReadingType] = {
    member.value: member for member in ReadingType
}
_UNITS: dict[str, Unit] = {member.value: member for member in Unit}
_STATUSES: dict[str, Status] = {member.value: member for member in Status}


def _plain_asset(raw: Any) -> Asset | None:
    if type(raw) is not dict:
        return None
    asset_id = raw.get("id")
    name = raw.get("name")
    asset_type = raw.get("assetType")
    location = raw.get("location")
    points = raw.get("sensorPoints")
    if (
        type(asset_id) is not str
        or not asset_id
        or type(name) is not str
        or not name
        or (asset_type is not None and (type(asset_type) is not str or not asset_type))
        or (points is not None and type(points) is not list)
    ):
        return None
    if location is not None and (location := _plain_location(location)) is None:
        return None
    # Last, so that a point skipped as malformed is logged once.
    sensor_points = (
        tuple(_each(points, _sensor_point, "sensor point", _plain_sensor_point))
        if points
        else ()
    )
    return Asset(asset_id, name, asset_type, location, sensor_points)


def _plain_location(raw: Any) -> Location | None:
    if type(raw) is not dict:
        return None
    location_id = raw.get("id")
    name = raw.get("name")
    time_zone = raw.get("timeZone")
    if (
        type(location_id) is not str
        or not location_id
        or (name is not None and (type(name) is not str or not name))
        or (time_zone is not None and (type(time_zone) is not str or not time_zone))
    ):
        return None
    return Location(location_id, name, time_zone)


def _plain_sensor_point(raw: Any) -> SensorPoint | None:
    if type(raw) is not dict:
        return None
    point_id = raw.get("id")
    name = raw.get("name")
    reading_type = raw.get("readingType")
    unit = raw.get("unit")
    status = raw.get("status")
    if (
        type(point_id) is not str
        or not point_id
        or type(name) is not str
        or not name
        or type(reading_type) is not str
        or not reading_type
        or (unit is not None and (type(unit) is not str or not unit))
        or (status is not None and (type(status) is not str or not status))
    ):
        return None
    sensor = raw.get("sensor")
    if sensor is not None and (sensor := _plain_sensor(sensor)) is None:
        return None
    reading = raw.get("lastReading")
    if reading is not None and (reading := _plain_reading(reading)) is None:
        return None
    return SensorPoint(
        point_id,
        name,
        _READING_TYPES.get(reading_type, reading_type),
        None if unit is None else _UNITS.get(unit, unit),
        None if status is None else _STATUSES.get(status, status),
        sensor,
        reading,
    )


def _plain_sensor(raw: Any) -> Sensor | None:
    if type(raw) is not dict:
        return None
    sensor_id = raw.get("id")
    serial_number = raw.get("serialNumber")
    model = raw.get("model")
    battery = raw.get("batteryPercent")
    signal = raw.get("signalStrength")
    check_in = raw.get("lastCheckIn")
    if (
        (sensor_id is not None and (type(sensor_id) is not str or not sensor_id))
        or (
            serial_number is not None
            and (type(serial_number) is not str or not serial_number)
        )
        or (model is not None and (type(model) is not str or not model))
        or (battery is not None and (battery := _plain_number(battery)) is None)
        or (signal is not None and (signal := _plain_number(signal)) is None)
        or (check_in is not None and (check_in := _plain_timestamp(check_in)) is None)
    ):
        return None
    return Sensor(sensor_id, serial_number, model, battery, signal, check_in)


def _plain_reading(raw: Any) -> Reading | None:
    if type(raw) is not dict:
        return None
    timestamp = _plain_timestamp(raw.get("timestamp"))
    value = _plain_number(raw.get("value"))
    if timestamp is None or value is None:
        return None
    return Reading(timestamp, value)


def _plain_number(value: Any) -> float | None:
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def _plain_timestamp(text: Any) -> datetime | None:
    if type(text) is not str or not text:
        return None
    try:
        value = datetime.fromisoformat(text)
        return None if value.tzinfo is None else value.astimezone(UTC)
    except ValueError, OverflowError:
        return None
