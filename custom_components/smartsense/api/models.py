"""Typed models of what SmartSense returns.

Enum-like fields are open sets: a known value is the ``StrEnum`` member, an
unknown one stays the raw string, so a new value never breaks an update.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


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


@dataclass(frozen=True, slots=True)
class Reading:
    """One value, stamped with the (UTC) time it was taken."""

    timestamp: datetime
    value: float


@dataclass(frozen=True, slots=True)
class Sensor:
    """The probe attached to a sensor point; every field is optional."""

    id: str | None = None
    serial_number: str | None = None
    model: str | None = None
    battery_percent: float | None = None
    signal_strength: float | None = None
    last_check_in: datetime | None = None


@dataclass(frozen=True, slots=True)
class SensorPoint:
    """What is monitored on an asset, with its newest reading."""

    id: str
    name: str
    reading_type: ReadingType | str
    unit: Unit | str | None = None
    status: Status | str | None = None
    sensor: Sensor | None = None
    last_reading: Reading | None = None


@dataclass(frozen=True, slots=True)
class Location:
    """Where an asset stands."""

    id: str
    name: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class Asset:
    """A monitored thing (a fridge, a freezer, a room) and its sensor points."""

    id: str
    name: str
    asset_type: str | None = None
    location: Location | None = None
    sensor_points: tuple[SensorPoint, ...] = ()


@dataclass(frozen=True, slots=True)
class AssetPage:
    """One page of the asset listing.

    ``received`` counts the items on the page, including any skipped as
    malformed, so that paging stays in step with ``total_count``.
    """

    assets: tuple[Asset, ...]
    page: int
    page_size: int
    total_count: int
    received: int
