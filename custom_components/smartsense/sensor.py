"""Sensors: each sensor point's reading, battery, signal and age; the backfill."""

from datetime import datetime

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .backfill import Backfill
from .const import DOMAIN, WEB_APP_URL
from .descriptions import SmartSenseSensorEntityDescription, sensor_descriptions
from .entity import PointEntities, SmartSenseEntity
from .runtime import SmartSenseConfigEntry

PARALLEL_UPDATES = 0
# The key of the account's count of sensor points awaiting backfill.
BACKFILL_PENDING = "backfill_pending"


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the sensors of every sensor point, now and as points appear."""
    runtime = entry.runtime_data
    async_add_entities([SmartSenseBackfillSensor(entry.entry_id, runtime.backfill)])
    platform = PointEntities(
        runtime.coordinator, async_add_entities, sensor_descriptions, SmartSenseSensor
    )
    runtime.platforms.append(platform)
    await platform.async_add_new()


class SmartSenseSensor(SmartSenseEntity, SensorEntity):
    """One value of a sensor point."""

    entity_description: SmartSenseSensorEntityDescription

    @property
    def native_value(self) -> float | datetime | None:
        """The value from the last successful poll; unknown if implausible."""
        point, limits = self.point, self.entity_description.limits
        value = self.entity_description.value_fn(point) if point else None
        if value is None or isinstance(value, datetime) or limits is None:
            return value
        return self.plausible(value, limits)


class SmartSenseBackfillSensor(SensorEntity):
    """How many sensor points still wait for missed readings to be backfilled."""

    _attr_has_entity_name = True
    _attr_should_poll = False
    _attr_translation_key = BACKFILL_PENDING
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_state_class = SensorStateClass.MEASUREMENT
    # For troubleshooting; diagnostics list the same.
    _attr_entity_registry_enabled_default = False

    def __init__(self, entry_id: str, backfill: Backfill) -> None:
        """Attach the sensor to the account's own (service) device."""
        self._backfill = backfill
        self._attr_unique_id = f"{entry_id}:{BACKFILL_PENDING}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, entry_id)},
            name="SmartSense",
            manufacturer="SmartSense",
            entry_type=DeviceEntryType.SERVICE,
            configuration_url=WEB_APP_URL,
        )

    async def async_added_to_hass(self) -> None:
        """Update whenever the backfill accounted for a poll or made progress."""
        self._backfill.on_change = self.async_write_ha_state

    async def async_will_remove_from_hass(self) -> None:
        """Stop updating."""
        self._backfill.on_change = None

    @property
    def native_value(self) -> int:
        """Sensor points with hours not yet imported or not yet rechecked."""
        return self._backfill.waiting
