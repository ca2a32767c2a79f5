"""Binary sensors: doors, alarms and whether a sensor point is reporting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory

from .api import ReadingType, SensorPoint, Status
from .entity import (
    SmartSenseEntity,
    SmartSenseEntityDescription,
    async_add_entities_for_points,
)

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import SmartSenseConfigEntry, SmartSenseCoordinator

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SmartSenseBinarySensorEntityDescription(
    BinarySensorEntityDescription, SmartSenseEntityDescription
):
    """How one binary sensor reads its state from a sensor point."""

    # Called with the point and whether its newest reading is stale.
    is_on_fn: Callable[[SensorPoint, bool], bool | None]


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
    key="value",
    translation_key="door",
    device_class=BinarySensorDeviceClass.DOOR,
    # SmartSense reports 1 for open and 0 for closed.
    is_on_fn=lambda point, _stale: (
        point.last_reading.value >= 0.5 if point.last_reading else None
    ),
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


def _entities(
    coordinator: SmartSenseCoordinator, point: SensorPoint
) -> list[SmartSenseBinarySensor]:
    descriptions = list(POINT_BINARY_SENSORS)
    if point.reading_type == ReadingType.DOOR_OPEN:
        descriptions.insert(0, DOOR)
    return [
        SmartSenseBinarySensor(coordinator, point.id, desc) for desc in descriptions
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the binary sensors of every sensor point, now and as points appear."""
    await async_add_entities_for_points(entry, async_add_entities, _entities)


class SmartSenseBinarySensor(SmartSenseEntity, BinarySensorEntity):
    """One on/off aspect of a sensor point."""

    entity_description: SmartSenseBinarySensorEntityDescription

    @property
    def is_on(self) -> bool | None:
        """The state from the last successful poll."""
        point = self.point
        return self.entity_description.is_on_fn(point, self.stale) if point else None
