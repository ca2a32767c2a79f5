"""Hourly statistics of backfilled readings, imported into the recorder.

The import replaces the rows of the hours it covers, so importing the same
hours twice changes nothing.
"""

from collections import defaultdict
from datetime import datetime

from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import async_import_statistics
from homeassistant.components.sensor.const import UNIT_CONVERTERS
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er

from .api import Reading, SensorPoint
from .const import DOMAIN, LOGGER
from .descriptions import READING, reading_kind


def hour_of(moment: datetime) -> datetime:
    """The start of the hour a moment falls in."""
    return moment.replace(minute=0, second=0, microsecond=0)


def import_readings(
    hass: HomeAssistant, point: SensorPoint, readings: list[Reading]
) -> bool:
    """Import the plausible readings' hourly statistics for a point's sensor.

    False if the point has no enabled sensor of its reading.
    """
    entity_id = er.async_get(hass).async_get_entity_id(
        Platform.SENSOR, DOMAIN, f"{point.id}:{READING}"
    )
    if (state := hass.states.get(entity_id) if entity_id else None) is None:
        LOGGER.debug("No enabled sensor for %s; its backfill is dropped", point.id)
        return False
    device_class, native_unit, limits = reading_kind(point)
    unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
    converter = UNIT_CONVERTERS.get(device_class)
    convert = converter.converter_factory(native_unit, unit) if converter else float
    hours: defaultdict[datetime, list[float]] = defaultdict(list)
    for reading in readings:
        if reading.value in limits:
            hours[hour_of(reading.timestamp)].append(convert(reading.value))
    if not hours:
        return True
    LOGGER.debug("Importing %s hours of statistics for %s", len(hours), entity_id)
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
        [
            StatisticData(
                start=start,
                mean=sum(values) / len(values),
                min=min(values),
                max=max(values),
            )
            for start, values in sorted(hours.items())
        ],
    )
    return True
