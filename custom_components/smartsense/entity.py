"""The base of every SmartSense entity: one sensor point on one asset."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .const import WEB_APP_URL
from .coordinator import SmartSenseCoordinator
from .descriptions import READING, SmartSenseEntityDescription, enabled_by_default
from .ids import device_identifier, unique_id
from .plausibility import Limits, log_implausible

if TYPE_CHECKING:
    from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

    from .api import Asset, SensorPoint


# At setup, entities are handed to Home Assistant in batches of this size, one
# batch per turn of the event loop: Home Assistant registers a batch and writes
# its states without yielding, and a large account has tens of thousands.
ADD_BATCH = 100


def readings_only(points: Collection[SensorPoint]) -> bool:
    """Whether only readings start enabled, for an account too large for more.

    Home Assistant enables at most MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    entities per config entry and drops the rest. On an account where every
    point's entities would not fit, only the readings start enabled (up to that
    many points); the user may enable others, within the limit.
    """
    return enabled_by_default(points) > MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY


def device_info(asset: Asset) -> DeviceInfo:
    """The Home Assistant device of one SmartSense asset."""
    return DeviceInfo(
        identifiers={device_identifier(asset.id)},
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
    _implausible_logged = False

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        point_id: str,
        description: SmartSenseEntityDescription,
        *,
        only_readings: bool = False,
    ) -> None:
        """Bind the entity to a sensor point that the last poll listed.

        With ``only_readings`` (see ``readings_only``) anything but the point's
        reading starts disabled.
        """
        super().__init__(coordinator)
        self.entity_description = description
        self.point_id = point_id
        data = coordinator.data
        # The asset as listed now, for its device, which Home Assistant asks
        # for once, when it adds the entity. Kept as the model (which the cyclic
        # garbage collector does not track) rather than as a dict with a set:
        # at 10,000 sensor points, 20,000 objects fewer for every full pass of
        # the collector (docs/performance.md).
        self._asset = data.assets[data.asset_of_point[point_id]]
        self._attr_translation_placeholders = {"point": data.points[point_id].name}
        self._attr_unique_id = unique_id(point_id, description.key)
        if only_readings and description.key != READING:
            self._attr_entity_registry_enabled_default = False

    @property
    def device_info(self) -> DeviceInfo:
        """The device of the point's asset."""
        return device_info(self._asset)

    def plausible(self, value: float, limits: Limits) -> float | None:
        """The value if it is plausible, else None (shown as unknown).

        The first implausible value of each entity is logged.
        """
        if value in limits:
            return value
        if not self._implausible_logged:
            self._implausible_logged = True
            description = self.entity_description
            log_implausible(
                value,
                description.translation_key or description.key,
                self.point_id,
                limits,
            )
        return None

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
        """Whether the entity has a current value to show.

        Unavailable while polls fail, while the point is not listed, or (for
        the point's own reading) while its newest reading is too old.
        """
        return (
            super().available
            and self.point is not None
            and not (self.entity_description.hide_when_stale and self.stale)
        )


class PointEntities:
    """One platform's entities of sensor points, added as points appear.

    ``descriptions`` gives a point's descriptions, ``entity`` is the class that
    shows one of them.
    """

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        async_add_entities: AddConfigEntryEntitiesCallback,
        descriptions: Callable[[SensorPoint], Sequence[SmartSenseEntityDescription]],
        entity: Callable[..., SmartSenseEntity],
    ) -> None:
        """Bind the platform's adding of entities to the coordinator's polls."""
        self._coordinator = coordinator
        self._add = async_add_entities
        self._descriptions = descriptions
        self._entity = entity
        # Points whose entities exist: an unlisted point keeps them
        # (unavailable) until its removal, which forgets it here, so that it is
        # added anew if it returns.
        self.known: set[str] = set()

    def _new_points(self) -> list[SensorPoint]:
        points = self._coordinator.data.points
        new = points.keys() - self.known
        self.known.update(new)
        return [points[point_id] for point_id in new]

    def _create(
        self, point: SensorPoint, only_readings: bool
    ) -> list[SmartSenseEntity]:
        return [
            self._entity(
                self._coordinator, point.id, description, only_readings=only_readings
            )
            for description in self._descriptions(point)
        ]

    @callback
    def async_add_new(self) -> None:
        """Add the entities of the points a poll lists for the first time."""
        if points := self._new_points():
            only = readings_only(self._coordinator.data.points.values())
            self._add([new for point in points for new in self._create(point, only)])

    async def async_add_listed(self) -> None:
        """Add the entities of every listed point (at setup), in batches."""
        only = readings_only(self._coordinator.data.points.values())
        batch: list[SmartSenseEntity] = []
        for point in self._new_points():
            # A poll between the batches may have dropped a point not added yet.
            if point.id not in self._coordinator.data.points:
                self.known.discard(point.id)
                continue
            batch += self._create(point, only)
            if len(batch) >= ADD_BATCH:
                self._add(batch)
                batch = []
                await asyncio.sleep(0)
        if batch:
            self._add(batch)
