"""Plausibility limits: which values may become a state.

A value outside its limits (1e308 from a glitch, an error code such as -999)
is no measurement: the entity shows it as unknown, never as a state, and logs
the first one per sensor point. The limits are Home Assistant presentation
policy, so they live here and not in the API client, which passes on what
SmartSense says.
"""

from __future__ import annotations

from dataclasses import dataclass
import math

from homeassistant.const import UnitOfTemperature
from homeassistant.util.unit_conversion import TemperatureConverter

from .api import ReadingType, SensorPoint, Unit
from .const import LOGGER


@dataclass(frozen=True, slots=True)
class Limits:
    """The closed range of finite values that may be shown."""

    low: float = -math.inf
    high: float = math.inf

    def __contains__(self, value: float) -> bool:
        """Whether ``value`` is finite and within the range."""
        return math.isfinite(value) and self.low <= value <= self.high


# Any finite number: what a value without known limits must be.
FINITE = Limits()
PERCENT = Limits(0.0, 100.0)
# SmartSense reports 1 for open and 0 for closed.
DOOR = Limits(0.0, 1.0)


def _temperature(low_celsius: float, high_celsius: float) -> dict[str, Limits]:
    """The same limits for points reporting in °C and in °F."""
    to_fahrenheit = TemperatureConverter.converter_factory(
        UnitOfTemperature.CELSIUS, UnitOfTemperature.FAHRENHEIT
    )
    return {
        Unit.CELSIUS: Limits(low_celsius, high_celsius),
        Unit.FAHRENHEIT: Limits(
            to_fahrenheit(low_celsius), to_fahrenheit(high_celsius)
        ),
    }


# Per reading type and SmartSense unit; a reading type in another unit (or an
# unknown one) only has to be finite.
_READINGS: dict[str, dict[str, Limits]] = {
    # Air: colder than an ultra-low freezer (-86 °C), hotter than any room,
    # fridge or warming cabinet.
    ReadingType.TEMPERATURE: _temperature(-100.0, 150.0),
    # Probes also sit in liquid nitrogen (-196 °C); nothing is below absolute zero.
    ReadingType.PROBE_TEMPERATURE: _temperature(-273.15, 150.0),
    ReadingType.HUMIDITY: {Unit.PERCENT: PERCENT},
    # Barometric (about 30 to 110 kPa), room differential (a few hundred Pa
    # either way) and gas-line (up to several bar) pressures fit; no pressure
    # reads below a full vacuum against the atmosphere (-101,325 Pa), and ten
    # times the atmosphere is far beyond what these sensors see.
    ReadingType.PRESSURE: {Unit.PASCAL: Limits(-101_325.0, 1_013_250.0)},
}


def reading_limits(point: SensorPoint) -> Limits:
    """The limits of a sensor point's readings."""
    if point.reading_type == ReadingType.DOOR_OPEN:
        return DOOR
    return _READINGS.get(point.reading_type, {}).get(point.unit or "", FINITE)


def log_implausible(value: float, what: str, point_id: str, limits: Limits) -> None:
    """Say that a value is shown as unknown (entities say it once each)."""
    LOGGER.warning(
        "SmartSense reported %s as the %s of sensor point %s, outside the"
        " plausible %s to %s; it is shown as unknown (logged once per"
        " sensor point)",
        value,
        what,
        point_id,
        limits.low,
        limits.high,
    )
