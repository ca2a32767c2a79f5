"""Binary sensors: doors, alarms and whether a sensor point is reporting."""

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .descriptions import (
    SmartSenseBinarySensorEntityDescription,
    binary_sensor_descriptions,
)
from .entity import PointEntities, SmartSenseEntity
from .runtime import SmartSenseConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of every sensor point, now and as points appear."""
    runtime = entry.runtime_data
    platform = PointEntities(
        runtime.coordinator,
        async_add_entities,
        binary_sensor_descriptions,
        SmartSenseBinarySensor,
    )
    runtime.platforms.append(platform)
    await platform.async_add_new()


class SmartSenseBinarySensor(SmartSenseEntity, BinarySensorEntity):
    """One on/off aspect of a sensor point."""

    entity_description: SmartSenseBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the last successful poll; unknown if implausible."""
        point, limits = self.point, self.entity_description.limits
        if point is None:
            return None
        reading = point.last_reading
        if limits and reading and self.plausible(reading.value, limits) is None:
            return None
        return self.entity_description.is_on_fn(point, self.stale)
