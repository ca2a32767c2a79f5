"""The JSON shapes of Part B of the API contract, and raw patches over them."""

from datetime import UTC, datetime
from enum import Enum
import time

from . import timeline
from .data import Asset, SensorPoint


class _Delete(Enum):
    DELETE = "DELETE"

    def __repr__(self) -> str:
        return "DELETE"


DELETE = _Delete.DELETE
"""Patch value that removes the field from the served JSON."""

type Json = dict[str, object]


def iso(t: float) -> str:
    """UTC ISO 8601 with a "Z", to the second, as every returned date is."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(text: str) -> datetime:
    """A date sent by a client: ISO 8601 with an offset, else ValueError."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("date without a time zone offset")
    return value.astimezone(UTC)


def reading_json(reading: timeline.Reading) -> Json:
    """One reading as the readings endpoint lists it."""
    return {"timestamp": iso(reading[0]), "value": reading[1]}


def apply_patch(raw: Json, patch: dict[str, object]) -> Json:
    """Override fields of ``raw`` in place; a value of DELETE removes the field."""
    for key, value in patch.items():
        if value is DELETE:
            raw.pop(key, None)
        else:
            raw[key] = value
    return raw


def point_json(point: SensorPoint, interval: int, now: float) -> Json:
    """A sensor point as the asset listing holds it at ``now``, patches applied."""
    reading = timeline.latest(point, interval, now)
    sensor: Json | None = None
    if point.sensor is not None:
        sensor = {
            "id": point.sensor.id,
            "serialNumber": point.sensor.serial_number,
            "model": point.sensor.model,
            "batteryPercent": timeline.battery_percent(point.sensor, now),
            "signalStrength": timeline.signal_strength(
                point.sensor, point.seed, interval, now
            ),
        }
        if reading is not None:
            sensor["lastCheckIn"] = iso(reading[0])
    raw: Json = {
        "id": point.id,
        "name": point.name,
        "readingType": point.reading_type,
        "unit": point.unit,
        "status": timeline.status(point, reading, interval, now),
        "sensor": sensor,
        "lastReading": None if reading is None else reading_json(reading),
    }
    return apply_patch(raw, point.patch)


def asset_json(asset: Asset, interval: int, now: float) -> Json:
    """An asset with its sensor points as the listing holds it at ``now``."""
    location = asset.location
    raw: Json = {
        "id": asset.id,
        "name": asset.name,
        "assetType": asset.asset_type,
        "location": {
            "id": location.id,
            "name": location.name,
            "timeZone": location.time_zone,
        },
        "sensorPoints": [point_json(point, interval, now) for point in asset.points],
    }
    return apply_patch(raw, asset.patch)
