"""The entities of a sensor point: what each shows and how it reads its value."""

from collections.abc import Callable, Sized
from dataclasses import dataclass
from datetime import datetime
from functools import cache
import math

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
    UnitOfPressure,
    UnitOfRatio,
    UnitOfTemperature,
)
from homeassistant.helpers.entity import EntityDescription

from .api import ReadingType, SensorPoint, Status, Unit

# The key of a point's own reading (sensor or door), as in its unique id. Only
# the reading goes unavailable when it is too old.
READING = "value"


@dataclass(frozen=True, slots=True)
class Limits:
    """The closed range of finite values that may become a state."""

    low: float = -math.inf
    high: float = math.inf

    def __contains__(self, value: float) -> bool:
        """Whether ``value`` is finite and within the range."""
        return math.isfinite(value) and self.low <= value <= self.high


_TEMPERATURE = SensorDeviceClass.TEMPERATURE
_CELSIUS, _FAHRENHEIT = UnitOfTemperature.CELSIUS, UnitOfTemperature.FAHRENHEIT
_PERCENT = Limits(0.0, 100.0)
type _Kind = tuple[SensorDeviceClass | None, str | None, Limits]
# What Home Assistant makes of a reading type in a SmartSense unit: the device
# class and unit with which it names the entity, converts units (°F/°C, Pa/psi)
# and keeps comparable statistics, and the plausible values. A value outside
# them (1e308 from a glitch, an error code such as -999) is no measurement: it
# is shown as unknown. Any other kind of reading is a plain finite number.
_KINDS: dict[str, dict[str, _Kind]] = {
    # Air: colder than an ultra-low freezer (-86 °C), hotter than any room,
    # fridge or warming cabinet.
    ReadingType.TEMPERATURE: {
        Unit.CELSIUS: (_TEMPERATURE, _CELSIUS, Limits(-100.0, 150.0)),
        Unit.FAHRENHEIT: (_TEMPERATURE, _FAHRENHEIT, Limits(-148.0, 302.0)),
    },
    # Probes also sit in liquid nitrogen (-196 °C); nothing is below absolute zero.
    ReadingType.PROBE_TEMPERATURE: {
        Unit.CELSIUS: (_TEMPERATURE, _CELSIUS, Limits(-273.15, 150.0)),
        Unit.FAHRENHEIT: (_TEMPERATURE, _FAHRENHEIT, Limits(-459.67, 302.0)),
    },
    ReadingType.HUMIDITY: {
        Unit.PERCENT: (SensorDeviceClass.HUMIDITY, UnitOfRatio.PERCENTAGE, _PERCENT)
    },
    # From a full vacuum against the atmosphere to ten times the atmosphere:
    # barometric, room differential and gas-line (several bar) pressures fit.
    ReadingType.PRESSURE: {
        Unit.PASCAL: (
            SensorDeviceClass.PRESSURE,
            UnitOfPressure.PA,
            Limits(-101_325.0, 1_013_250.0),
        )
    },
}


@dataclass(frozen=True, kw_only=True)
class SmartSenseEntityDescription(EntityDescription):
    """What every SmartSense entity description adds."""

    # The plausible values (of a binary sensor: of the reading it reads).
    limits: Limits | None = None


@dataclass(frozen=True, kw_only=True)
class SmartSenseSensorEntityDescription(
    SensorEntityDescription, SmartSenseEntityDescription
):
    """How one sensor reads its value from a sensor point."""

    value_fn: Callable[[SensorPoint], float | datetime | None]


@dataclass(frozen=True, kw_only=True)
class SmartSenseBinarySensorEntityDescription(
    BinarySensorEntityDescription, SmartSenseEntityDescription
):
    """How one binary sensor reads its state from a sensor point."""

    # Called with the point and whether its newest reading is stale.
    is_on_fn: Callable[[SensorPoint, bool], bool | None]


def reading_kind(point: SensorPoint) -> _Kind:
    """The device class, Home Assistant unit and plausible values of a reading."""
    unit = None if point.unit == Unit.NONE else point.unit
    kinds = _KINDS.get(point.reading_type, {})
    return kinds.get(point.unit or "", (None, unit, Limits()))


@cache
def _reading_description(kind: _Kind) -> SmartSenseSensorEntityDescription:
    # One per kind of reading, shared by the points of that kind.
    device_class, native_unit, limits = kind
    return SmartSenseSensorEntityDescription(
        key=READING,
        translation_key="reading",
        device_class=device_class,
        native_unit_of_measurement=native_unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda point: point.last_reading.value if point.last_reading else None,
        limits=limits,
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
        limits=_PERCENT,
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


DOOR = SmartSenseBinarySensorEntityDescription(
    key=READING,
    translation_key="door",
    device_class=BinarySensorDeviceClass.DOOR,
    # SmartSense reports 1 for open and 0 for closed.
    is_on_fn=lambda point, _stale: (
        point.last_reading.value >= 0.5 if point.last_reading else None
    ),
    limits=Limits(0.0, 1.0),
)

POINT_BINARY_SENSORS: tuple[SmartSenseBinarySensorEntityDescription, ...] = (
    SmartSenseBinarySensorEntityDescription(
        key="alarm",
        translation_key="alarm",
        device_class=BinarySensorDeviceClass.PROBLEM,
        # An unknown status is not guessed at: the state is unknown.
        is_on_fn=lambda point, _stale: (
            point.status == Status.ALARM if point.status in Status else None
        ),
    ),
    SmartSenseBinarySensorEntityDescription(
        key="connectivity",
        translation_key="connectivity",
        device_class=BinarySensorDeviceClass.CONNECTIVITY,
        entity_category=EntityCategory.DIAGNOSTIC,
        is_on_fn=lambda point, stale: (
            point.last_reading is not None
            and not stale
            and point.status != Status.OFFLINE
        ),
    ),
)


def sensor_descriptions(point: SensorPoint) -> list[SmartSenseSensorEntityDescription]:
    """The sensors of a point: its numeric reading (not a door's) and diagnostics."""
    if point.reading_type == ReadingType.DOOR_OPEN:
        return list(DIAGNOSTIC_SENSORS)
    return [_reading_description(reading_kind(point)), *DIAGNOSTIC_SENSORS]


def binary_sensor_descriptions(
    point: SensorPoint,
) -> list[SmartSenseBinarySensorEntityDescription]:
    """The binary sensors of a point: a door's state, its alarm and connectivity."""
    if point.reading_type == ReadingType.DOOR_OPEN:
        return [DOOR, *POINT_BINARY_SENSORS]
    return list(POINT_BINARY_SENSORS)


def enabled_by_default(points: Sized) -> int:
    """How many entities start enabled: each point's reading and the same others."""
    others = (*DIAGNOSTIC_SENSORS, *POINT_BINARY_SENSORS)
    enabled = sum(description.entity_registry_enabled_default for description in others)
    return len(points) * (1 + enabled)
