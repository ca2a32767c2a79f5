"""Part B of the SmartSense API: the modelled data contract, in one place.

SmartSense has not published the data endpoints' schema we could obtain, so
every path, query parameter, field name and enum spelling below is an
assumption. When the real schema is confirmed, only this module changes: the
structs below are also the expected shape that ``shapes`` reports against.
"""

from datetime import UTC, datetime, timedelta
from enum import StrEnum
import sys
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

ASSETS_PATH = "/assets"
READINGS_PATH = "/sensorpoints/{id}/readings"
MAX_PAGE_SIZE = 500
MAX_READINGS_WINDOW = timedelta(days=7)


def assets_query(page: int, page_size: int) -> dict[str, str]:
    """Query of one page of the asset listing."""
    return {"page": str(page), "pageSize": str(page_size)}


def readings_query(start: datetime, end: datetime) -> dict[str, str]:
    """Query of a readings window; both ends carry their UTC offset."""
    return {"start": start.isoformat(), "end": end.isoformat()}


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


# gc=False is safe: no model can be part of a reference cycle, as they hold
# strings, numbers, datetimes and other models.
class Reading(Struct, frozen=True, gc=False, rename="camel"):
    """One value, stamped with the (UTC) time it was taken."""

    timestamp: Annotated[datetime, Meta(tz=True)]
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
    # A ReadingType, Unit and Status, or values SmartSense added since: open
    # sets, so that a value added later never breaks an update.
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
    """One page of the asset listing; ``received`` counts any malformed items too."""

    assets: tuple[Asset, ...]
    page: int
    page_size: int
    total_count: int
    received: int


class Page[T](Struct, rename="camel"):
    """The envelope of ``GET /assets``; its items are decoded one by one."""

    data: list[T]
    page: Count
    page_size: Count
    total_count: Count


class Readings[T](Struct):
    """The envelope of ``GET /sensorpoints/{id}/readings``."""

    data: list[T]
