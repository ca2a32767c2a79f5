"""The base of every SmartSense entity: one sensor point on one asset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .const import SIGNAL_REMOVED, WEB_APP_URL
from .coordinator import SmartSenseCoordinator
from .ids import asset_identifier, unique_id

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Asset, SensorPoint
    from .coordinator import SmartSenseConfigEntry


# At setup, entities are handed to Home Assistant in batches of this size, one
# batch per turn of the event loop: Home Assistant registers a batch and writes
# its states without yielding, and a large account has tens of thousands.
ADD_BATCH = 100


@dataclass(frozen=True, kw_only=True)
class SmartSenseEntityDescription(EntityDescription):
    """What every SmartSense entity description adds."""

    # A reading older than the point's stale limit makes the entity unavailable.
    hide_when_stale: bool = False


# Entities of a sensor point that are enabled by default: its reading, alarm,
# connectivity, battery and last reading.
ENABLED_PER_POINT = 5


def readings_only(coordinator: SmartSenseCoordinator) -> bool:
    """Whether only readings start enabled, for an account too large for more.

    Home Assistant enables at most MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    entities per config entry and drops the rest. On an account where every
    point's entities would not fit, only the readings start enabled (up to that
    many points); the user may enable others, within the limit.
    """
    points = len(coordinator.data.points)
    return points * ENABLED_PER_POINT + 1 > MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY


def device_info(asset: Asset) -> DeviceInfo:
    """The Home Assistant device of one SmartSense asset."""
    return DeviceInfo(
        identifiers={asset_identifier(asset.id)},
        name=asset.name,
        manufacturer="SmartSense",
        model=asset.asset_type,
        suggested_area=asset.location.name if asset.location else None,
        configuration_url=WEB_APP_URL,
    )


class SmartSenseEntity(CoordinatorEntity[SmartSenseCoordinator]):
    """An entity that shows one aspect of one sensor point."""

    _attr_has_entity_name = True
    entity_description: SmartSenseEntityDescription

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        point_id: str,
        description: SmartSenseEntityDescription,
    ) -> None:
        """Bind the entity to a sensor point that the last poll listed."""
        super().__init__(coordinator)
        self.entity_description = description
        self.point_id = point_id
        data = coordinator.data
        point = data.points[point_id]
        self._attr_unique_id = unique_id(point_id, description.key)
        self._attr_device_info = device_info(data.assets[data.asset_of_point[point_id]])
        self._attr_translation_placeholders = {"point": point.name}
        if description.key != "value" and readings_only(coordinator):
            self._attr_entity_registry_enabled_default = False

    @property
    def point(self) -> SensorPoint | None:
        """The sensor point as of the last successful poll."""
        return self.coordinator.data.points.get(self.point_id)

    @property
    def stale(self) -> bool:
        """Whether the point's newest reading is too old to be current."""
        return self.coordinator.data.is_stale(self.point_id, dt_util.utcnow())

    @property
    def available(self) -> bool:
        """Unavailable while polls fail, while the point is not listed, or (for
        the point's own reading) while its newest reading is too old."""
        return (
            super().available
            and self.point is not None
            and not (self.entity_description.hide_when_stale and self.stale)
        )


async def async_add_entities_for_points[E: SmartSenseEntity](
    entry: SmartSenseConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    create: Callable[[SmartSenseCoordinator, SensorPoint], list[E]],
) -> None:
    """Add a platform's entities now and for every point a later poll lists."""
    coordinator = entry.runtime_data
    # Points whose entities exist: an unlisted point keeps them (unavailable)
    # until its removal, after which it is added anew if it returns.
    known: set[str] = set()

    def new_points() -> list[str]:
        new = coordinator.data.points.keys() - known
        known.update(new)
        return list(new)

    @callback
    def forget(point_ids: set[str]) -> None:
        known.difference_update(point_ids)

    @callback
    def add_new_points() -> None:
        points = coordinator.data.points
        if entities := [
            entity
            for point_id in new_points()
            for entity in create(coordinator, points[point_id])
        ]:
            async_add_entities(entities)

    # Listening first, so that a poll between the batches below adds its points.
    entry.async_on_unload(coordinator.async_add_listener(add_new_points))
    entry.async_on_unload(
        async_dispatcher_connect(
            coordinator.hass, SIGNAL_REMOVED.format(entry.entry_id), forget
        )
    )
    batch: list[E] = []
    for point_id in new_points():
        # Such a poll may also have dropped a point that is not added yet.
        if (point := coordinator.data.points.get(point_id)) is None:
            known.discard(point_id)
            continue
        batch += create(coordinator, point)
        if len(batch) >= ADD_BATCH:
            async_add_entities(batch)
            batch = []
            await asyncio.sleep(0)
    if batch:
        async_add_entities(batch)
