"""Sensors: each sensor point's reading, plus its battery, signal and age."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    SIGNAL_STRENGTH_DECIBELS_MILLIWATT,
    EntityCategory,
    UnitOfPressure,
    UnitOfTemperature,
)
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .api import ReadingType, SensorPoint, Unit
from .const import SIGNAL_BACKFILL, WEB_APP_URL
from .coordinator import SmartSenseCoordinator
from .entity import (
    SmartSenseEntity,
    SmartSenseEntityDescription,
    async_add_entities_for_points,
    readings_only,
)
from .ids import service_identifier, service_unique_id

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .coordinator import SmartSenseConfigEntry

PARALLEL_UPDATES = 0

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
    (ReadingType.HUMIDITY, Unit.PERCENT): (SensorDeviceClass.HUMIDITY, PERCENTAGE),
    (ReadingType.PRESSURE, Unit.PASCAL): (
        SensorDeviceClass.PRESSURE,
        UnitOfPressure.PA,
    ),
}


@dataclass(frozen=True, kw_only=True)
class SmartSenseSensorEntityDescription(
    SensorEntityDescription, SmartSenseEntityDescription
):
    """How one sensor reads its value from a sensor point."""

    value_fn: Callable[[SensorPoint], float | datetime | None]


def measurement_description(point: SensorPoint) -> SmartSenseSensorEntityDescription:
    """The description of a numeric point's own reading."""
    unit = point.unit if point.unit not in (None, Unit.NONE) else None
    device_class, native_unit = _KNOWN_KINDS.get(
        (point.reading_type, point.unit or ""), (None, unit)
    )
    return SmartSenseSensorEntityDescription(
        key="value",
        translation_key="reading",
        device_class=device_class,
        native_unit_of_measurement=native_unit,
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=1,
        value_fn=lambda point: point.last_reading.value if point.last_reading else None,
        hide_when_stale=True,
    )


DIAGNOSTIC_SENSORS: tuple[SmartSenseSensorEntityDescription, ...] = (
    SmartSenseSensorEntityDescription(
        key="battery",
        translation_key="battery",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda point: point.sensor.battery_percent if point.sensor else None,
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
        value_fn=lambda point: (
            point.last_reading.timestamp if point.last_reading else None
        ),
    ),
)


def _entities(
    coordinator: SmartSenseCoordinator, point: SensorPoint
) -> list[SmartSenseSensor]:
    descriptions = list(DIAGNOSTIC_SENSORS)
    if point.reading_type != ReadingType.DOOR_OPEN:
        descriptions.insert(0, measurement_description(point))
    return [SmartSenseSensor(coordinator, point.id, desc) for desc in descriptions]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of every sensor point, now and as points appear."""
    async_add_entities([SmartSenseBackfillSensor(entry.runtime_data)])
    await async_add_entities_for_points(entry, async_add_entities, _entities)


class SmartSenseSensor(SmartSenseEntity, SensorEntity):
    """One value of a sensor point."""

    entity_description: SmartSenseSensorEntityDescription

    @property
    def native_value(self) -> float | datetime | None:
        """The value from the last successful poll."""
        point = self.point
        return self.entity_description.value_fn(point) if point else None


class SmartSenseBackfillSensor(CoordinatorEntity[SmartSenseCoordinator], SensorEntity):
    """How many sensor points still wait for missed readings to be backfilled."""

    _attr_has_entity_name = True
    _attr_translation_key = "backfill_pending"
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.MEASUREMENT

    def __init__(self, coordinator: SmartSenseCoordinator) -> None:
        """Attach the sensor to the account's own (service) device."""
        super().__init__(coordinator)
        entry_id = coordinator.config_entry.entry_id
        self._attr_unique_id = service_unique_id(entry_id, "backfill_pending")
        self._attr_entity_registry_enabled_default = not readings_only(coordinator)
        self._attr_device_info = DeviceInfo(
            identifiers={service_identifier(entry_id)},
            name="SmartSense",
            manufacturer="SmartSense",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=WEB_APP_URL,
        )

    async def async_added_to_hass(self) -> None:
        """Also update when a backfill run between polls made progress."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                SIGNAL_BACKFILL.format(self.coordinator.config_entry.entry_id),
                self.async_write_ha_state,
            )
        )

    @property
    def native_value(self) -> int:
        """Sensor points with hours not yet imported or not yet rechecked."""
        return self.coordinator.backfill.waiting
