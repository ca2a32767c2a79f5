"""The base of every SmartSense entity: one sensor point on one asset.

Unique ids and device identifiers come from SmartSense's stable ids, never
names: an entity of a sensor point is ``"{point id}:{key}"``; the account's own
entities and (service) device use the config entry id in place of a point id.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import batched

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity_platform import (
    MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY,
    AddConfigEntryEntitiesCallback,
)
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from .api import SensorPoint
from .const import DOMAIN, LOGGER, WEB_APP_URL
from .coordinator import SmartSenseCoordinator
from .descriptions import (
    READING,
    Limits,
    SmartSenseEntityDescription,
    enabled_by_default,
)

# At setup, entities are handed to Home Assistant in batches of this many
# sensor points (about 100 entities), one batch per turn of the event loop:
# Home Assistant registers a batch and writes its states without yielding, and
# a large account has tens of thousands.
ADD_BATCH = 20


def owner_of(unique_id: str) -> str:
    """The sensor point of an entity's unique id (the entry id for the account's)."""
    return unique_id.rpartition(":")[0]


class SmartSenseEntity(CoordinatorEntity[SmartSenseCoordinator]):
    """An entity that shows one aspect of one sensor point."""

    _attr_has_entity_name = True
    entity_description: SmartSenseEntityDescription
    _implausible_logged = False
    _written: tuple[object, ...]  # see _handle_coordinator_update

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        point_id: str,
        description: SmartSenseEntityDescription,
        *,
        only_readings: bool = False,
    ) -> None:
        """Bind the entity to a sensor point that the last poll listed.

        With ``only_readings`` anything but the point's reading starts disabled.
        """
        super().__init__(coordinator)
        self.entity_description = description
        self.point_id = point_id
        data = coordinator.data
        # For device_info, which Home Assistant reads once. The model, which
        # the cyclic GC does not track, not a DeviceInfo (docs/performance.md).
        self._asset = data.assets[data.asset_of_point[point_id]]
        self._attr_translation_placeholders = {"point": data.points[point_id].name}
        self._attr_unique_id = f"{point_id}:{description.key}"
        if only_readings and description.key != READING:
            self._attr_entity_registry_enabled_default = False

    @property
    def device_info(self) -> DeviceInfo:
        """The device of the point's asset."""
        asset = self._asset
        return DeviceInfo(
            identifiers={(DOMAIN, asset.id)},
            name=asset.name,
            manufacturer="SmartSense",
            model=asset.asset_type,
            suggested_area=asset.location.name if asset.location else None,
            configuration_url=WEB_APP_URL,
        )

    def plausible(self, value: float, limits: Limits) -> float | None:
        """The value if it is plausible, else None (unknown); logged the first time."""
        if value in limits:
            return value
        if not self._implausible_logged:
            self._implausible_logged = True
            LOGGER.warning(
                "SmartSense reported %s as the %s of sensor point %s, outside the"
                " plausible %s to %s; it is shown as unknown (logged once per"
                " sensor point)",
                value,
                self.entity_description.translation_key,
                self.point_id,
                limits.low,
                limits.high,
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

    def _shown(self) -> tuple[object, ...]:
        # The reading's state follows from the reading alone, and is written
        # with every new one, even of the same value: its last_reported is
        # when SmartSense last reported.
        if self.entity_description.key == READING:
            return self.available, (point := self.point) and point.last_reading
        return self.available, self.state

    async def async_added_to_hass(self) -> None:
        """Listen to the coordinator; what the first state write shows is known."""
        await super().async_added_to_hass()
        self._written = self._shown()

    @callback
    def _handle_coordinator_update(self) -> None:
        """Write the state if the poll changed it or brought a new reading.

        Most polls change only the points' readings: at 1,000 sensor points,
        writing every unchanged battery, alarm and connectivity state again
        held the event loop for about 100 ms (docs/performance.md).
        """
        if (shown := self._shown()) != self._written:
            self._written = shown
            self.async_write_ha_state()

    @property
    def available(self) -> bool:
        """Whether there is a value to show.

        Not while polls fail, while the point is unlisted, or (for the point's
        own reading) while its newest reading is too old.
        """
        return (
            super().available
            and self.point is not None
            and not (self.entity_description.key == READING and self.stale)
        )


@dataclass(slots=True)
class PointEntities:
    """One platform's entities of sensor points, added as points appear.

    An ``entity`` per description (``descriptions``) of each point.
    """

    coordinator: SmartSenseCoordinator
    add: AddConfigEntryEntitiesCallback
    descriptions: Callable[[SensorPoint], Sequence[SmartSenseEntityDescription]]
    entity: Callable[..., SmartSenseEntity]
    # Points whose entities exist: an unlisted point keeps them (unavailable)
    # until its removal, which forgets it here, so that it is added anew if it
    # returns.
    known: set[str] = field(default_factory=set)

    async def async_add_new(self) -> None:
        """Add the entities of the points not added yet, in batches."""
        points = self.coordinator.data.points
        new = [point_id for point_id in points if point_id not in self.known]
        if not new:
            return  # most polls: no need to count the account's entities again
        self.known.update(new)
        # Home Assistant enables at most MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
        # entities per config entry and drops the rest: on an account where
        # every point's entities would not fit, only the readings start enabled.
        only = (
            enabled_by_default(points.values()) > MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
        )
        for batch in batched(new, ADD_BATCH, strict=False):
            # A poll between the batches may have dropped a point not added yet.
            points = self.coordinator.data.points
            self.known.difference_update(p for p in batch if p not in points)
            self.add(
                [
                    self.entity(self.coordinator, p, description, only_readings=only)
                    for p in batch
                    if p in points
                    for description in self.descriptions(points[p])
                ]
            )
            await asyncio.sleep(0)
