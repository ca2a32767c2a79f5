"""Binary sensors: doors, alarms and whether a sensor point is reporting."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import BinarySensorEntity

from .descriptions import (
    SmartSenseBinarySensorEntityDescription,
    binary_sensor_descriptions,
)
from .entity import SmartSenseEntity, async_add_entities_for_points

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import SmartSenseConfigEntry

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of every sensor point, now and as points appear."""
    await async_add_entities_for_points(
        entry, async_add_entities, binary_sensor_descriptions, SmartSenseBinarySensor
    )


class SmartSenseBinarySensor(SmartSenseEntity, BinarySensorEntity):
    """One on/off aspect of a sensor point."""

    entity_description: SmartSenseBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the last successful poll."""
        point = self.point
        return self.entity_description.is_on_fn(point, self.stale) if point else None
