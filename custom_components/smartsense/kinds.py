"""What a sensor point measures, as Home Assistant sees it.

SmartSense's reading type and unit decide the device class and the unit of a
point's reading; with both, Home Assistant names the entity, converts units
(°F/°C, Pa/psi ...) and keeps comparable statistics. The sensor platform and
the backfill of statistics both use this one mapping.
"""

from __future__ import annotations

from homeassistant.components.sensor import SensorDeviceClass
from homeassistant.const import UnitOfPressure, UnitOfRatio, UnitOfTemperature

from .api import ReadingType, SensorPoint, Unit

_TEMPERATURE_UNITS = {
    Unit.FAHRENHEIT: UnitOfTemperature.FAHRENHEIT,
    Unit.CELSIUS: UnitOfTemperature.CELSIUS,
}
# (device class, Home Assistant unit) for each reading type and SmartSense unit
# that Home Assistant can convert; anything else is a plain number.
_KNOWN_KINDS: dict[tuple[str, str], tuple[SensorDeviceClass, str]] = {
    **{
        (reading_type, unit): (SensorDeviceClass.TEMPERATURE, ha_unit)
        for reading_type in (ReadingType.TEMPERATURE, ReadingType.PROBE_TEMPERATURE)
        for unit, ha_unit in _TEMPERATURE_UNITS.items()
    },
    (ReadingType.HUMIDITY, Unit.PERCENT): (
        SensorDeviceClass.HUMIDITY,
        UnitOfRatio.PERCENTAGE,
    ),
    (ReadingType.PRESSURE, Unit.PASCAL): (
        SensorDeviceClass.PRESSURE,
        UnitOfPressure.PA,
    ),
}


def measurement_kind(point: SensorPoint) -> tuple[SensorDeviceClass | None, str | None]:
    """The device class and Home Assistant unit of a point's reading.

    A reading type or unit Home Assistant cannot convert is a plain number in
    SmartSense's own unit (none for ``none``).
    """
    unit = point.unit if point.unit not in (None, Unit.NONE) else None
    return _KNOWN_KINDS.get((point.reading_type, point.unit or ""), (None, unit))
