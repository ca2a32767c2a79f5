"""The entities of a sensor point: what each shows and how it reads its value.

Both platforms take their descriptions from here, and so does the count of
entities that start enabled, which Home Assistant limits per config entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from homeassistant.components.binary_sensor import BinarySensorEntityDescription
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfRatio,
)
from homeassistant.helpers.entity import EntityDescription

from .api import ReadingType, SensorPoint, Status
from .kinds import measurement_kind
from .plausibility import FINITE, PERCENT, Limits, reading_limits

# The key of a point's own reading (sensor or door), as in its unique id.
READING = "value"


@dataclass(frozen=True, kw_only=True)
class SmartSenseEntityDescription(EntityDescription):
    """What every SmartSense entity description adds."""

    # A reading older than the point's stale limit makes the entity unavailable.
    hide_when_stale: bool = False


@dataclass(frozen=True, kw_only=True)
class SmartSenseSensorEntityDescription(
    SensorEntityDescription, SmartSenseEntityDescription
):
    """How one sensor reads its value from a sensor point."""

    value_fn: Callable[[SensorPoint], float | datetime | None]
    # The limits of a numeric value (see plausibility.py).
    limits_fn: Callable[[SensorPoint], Limits] = lambda _point: FINITE


def measurement_description(point: SensorPoint) -> SmartSenseSensorEntityDescription:
    """The description of a numeric point's own reading."""
    return _measurement_description(*measurement_kind(point))


@cache
def _measurement_description(
    device_class: SensorDeviceClass | None, native_unit: str | None
) -> SmartSenseSensorEntityDescription:
    # One per kind of reading, shared by the points of that kind.
    return SmartSenseSensorEntityDescription(
        key=READING,
        translation_key="reading",
        device_class=device_class,
        native_unit_of_measurement=native_unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda point: point.last_reading.value if point.last_reading else None,
        limits_fn=reading_limits,
        hide_when_stale=True,
    )


DIAGNOSTIC_SENSORS: tuple[SmartSenseSensorEntityDescription, ...] = (
    SmartSenseSensorEntityDescription(
        key="battery",
        translation_key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=UnitOfRatio.PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda point: point.sensor.battery_percent if point.sensor else None,
        limits_fn=lambda _point: PERCENT,
    ),
    SmartSenseSensorEntityDescription(
        key="signal_strength",
        translation_key="signal_strength",
        device_class=SensorDeviceClass.SIGNAL_STRENGTH,
        native_unit_of_measurement=SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda point: point.sensor.signal_strength if point.sensor else None,
    ),
    SmartSenseSensorEntityDescription(
        key="last_reading",
        translation_key="last_reading",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        # Changes with every reading of every point: on request only.
        entity_registry_enabled_default=False,
        value_fn=lambda point: (
            point.last_reading.timestamp if point.last_reading else None
        ),
    ),
)


@dataclass(frozen=True, kw_only=True)
class SmartSenseBinarySensorEntityDescription(
    BinarySensorEntityDescription, SmartSenseEntityDescription
):
    """How one binary sensor reads its state from a sensor point."""

    # Called with the point and whether its newest reading is stale.
    is_on_fn: Callable[[SensorPoint, bool], bool | None]
    # For a state taken from the reading: the reading's limits.
    limits_fn: Callable[[SensorPoint], Limits] | None = None


def _alarm(point: SensorPoint, _stale: bool) -> bool | None:
    if point.status in (Status.NORMAL, Status.WARNING, Status.OFFLINE):
        return False
    # An unknown status is not guessed at: the state is unknown.
    return True if point.status == Status.ALARM else None


def _connected(point: SensorPoint, stale: bool) -> bool:
    return (
        point.last_reading is not None and not stale and point.status != Status.OFFLINE
    )


DOOR = SmartSenseBinarySensorEntityDescription(
    key=READING,
    translation_key="door",
    device_class=BinarySensorDeviceClass.DOOR,
    # SmartSense reports 1 for open and 0 for closed.
    is_on_fn=lambda point, _stale: (
        point.last_reading.value >= 0.5 if point.last_reading else None
    ),
    limits_fn=reading_limits,
    hide_when_stale=True,
)

POINT_BINARY_SENSORS: tuple[SmartSenseBinarySensorEntityDescription, ...] = (
    SmartSenseBinarySensorEntityDescription(
        key="alarm",
        translation_key="alarm",
        device_class=BinarySensorDeviceClass.PROBLEM,
        is_on_fn=_alarm,
    ),
    SmartSenseBinarySensorEntityDescription(
        key="connectivity",
        translation_key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=_connected,
    ),
)


def sensor_descriptions(point: SensorPoint) -> list[SmartSenseSensorEntityDescription]:
    """The sensors of a point: its numeric reading (not a door's) and diagnostics."""
    descriptions = list(DIAGNOSTIC_SENSORS)
    if point.reading_type != ReadingType.DOOR_OPEN:
        descriptions.insert(0, measurement_description(point))
    return descriptions


def binary_sensor_descriptions(
    point: SensorPoint,
) -> list[SmartSenseBinarySensorEntityDescription]:
    """The binary sensors of a point: a door's state, its alarm and connectivity."""
    descriptions = list(POINT_BINARY_SENSORS)
    if point.reading_type == ReadingType.DOOR_OPEN:
        descriptions.insert(0, DOOR)
    return descriptions


def enabled_by_default(points: Iterable[SensorPoint]) -> int:
    """How many entities of these points start enabled."""
    return sum(
        description.entity_registry_enabled_default
        for point in points
        for description in (
            *sensor_descriptions(point),
            *binary_sensor_descriptions(point),
        )
    )
