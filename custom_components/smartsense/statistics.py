"""Hourly statistics of backfilled readings, imported into the recorder.

The import replaces the rows of the hours it covers, so importing the same
hours twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT
from homeassistant.core import HomeAssistant, State

from .api import Reading, SensorPoint
from .const import LOGGER
from .kinds import measurement_kind
from .plausibility import reading_limits


def hour_of(moment: datetime) -> datetime:
    """The start of the hour a moment falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def hourly_statistics(
    readings: list[Reading], convert: Callable[[float], float]
) -> list[StatisticData]:
    """Mean, minimum and maximum of each hour that has readings."""
    hours: dict[datetime, list[float]] = {}
    for reading in readings:
        hours.setdefault(hour_of(reading.timestamp), []).append(convert(reading.value))
    return [
        StatisticData(
            start=start,
            mean=sum(values) / len(values),
            min=min(values),
            max=max(values),
        )
        for start, values in sorted(hours.items())
    ]


def import_readings(
    hass: HomeAssistant, state: State, point: SensorPoint, readings: list[Reading]
) -> None:
    """Import the plausible readings' hourly statistics for a point's sensor."""
    device_class, native_unit = measurement_kind(point)
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    converter = UNIT_CONVERTERS.get(device_class)
    convert: Callable[[float], float] = (
        converter.converter_factory(native_unit, unit) if converter else float
    )
    limits = reading_limits(point)
    plausible = [reading for reading in readings if reading.value in limits]
    if len(plausible) < len(readings):
        LOGGER.debug(
            "Leaving %s implausible readings of %s out of the statistics",
            len(readings) - len(plausible),
            point.id,
        )
    if statistics := hourly_statistics(plausible, convert):
        LOGGER.debug(
            "Importing %s hours of statistics for %s", len(statistics), state.entity_id
        )
        async_import_statistics(
            hass,
            StatisticMetaData(
                mean_type=StatisticMeanType.ARITHMETIC,
                has_sum=False,
                name=None,
                source="recorder",
                statistic_id=state.entity_id,
                unit_class=converter.UNIT_CLASS if converter else None,
                unit_of_measurement=unit,
            ),
            statistics,
        )
