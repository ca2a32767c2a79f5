"""The coordinator that polls SmartSense for every asset of an account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api import (
    Asset,
    SensorPoint,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseRateLimitError,
)
from .const import (
    CONF_SCAN_INTERVAL_MINUTES,
    DEFAULT_REPORT_INTERVAL,
    DEFAULT_SCAN_INTERVAL_MINUTES,
    DOMAIN,
    LOGGER,
    STALE_INTERVALS,
)

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .backfill import Backfill

type SmartSenseConfigEntry = ConfigEntry[SmartSenseCoordinator]

# After a poll, up to this many entities are updated in one go. A larger
# account's are updated in batches of this size, one batch per turn of the event
# loop, so that tens of thousands of state writes never hold the loop for
# seconds (docs/performance.md).
LISTENER_BATCH = 250


@dataclass(frozen=True, slots=True)
class SmartSenseData:
    """One successful poll, keyed by SmartSense's stable ids."""

    assets: dict[str, Asset]
    points: dict[str, SensorPoint]
    asset_of_point: dict[str, str]
    # Each sensor point's report interval, as observed from its readings.
    intervals: dict[str, timedelta] = field(default_factory=dict)

    def is_stale(self, point_id: str, now: datetime) -> bool:
        """Whether a point's newest reading is too old to be shown as current."""
        point = self.points.get(point_id)
        if point is None or point.last_reading is None:
            return False
        interval = self.intervals.get(point_id, DEFAULT_REPORT_INTERVAL)
        return now - point.last_reading.timestamp > STALE_INTERVALS * interval


def scan_interval(entry: SmartSenseConfigEntry) -> timedelta:
    """The polling interval the user chose."""
    return timedelta(
        minutes=entry.options.get(
            CONF_SCAN_INTERVAL_MINUTES, DEFAULT_SCAN_INTERVAL_MINUTES
        )
    )


class SmartSenseCoordinator(DataUpdateCoordinator[SmartSenseData]):
    """Lists every asset, with each point's newest reading, once per interval."""

    config_entry: SmartSenseConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartSenseConfigEntry,
        client: SmartSenseClient,
        backfill: Backfill,
    ) -> None:
        """Create the coordinator of one config entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=scan_interval(entry),
        )
        self.client = client
        self.backfill = backfill
        self.last_success: datetime | None = None
        self.last_retry_after: float | None = None
        self._batches: asyncio.Task[None] | None = None
        # Every listener's callback, keyed by its remover, for the batches.
        self._callbacks: dict[Callable[[], None], CALLBACK_TYPE] = {}

    @callback
    @override
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for data updates; the callback is also kept for the batches."""
        remove = super().async_add_listener(update_callback, context)
        self._callbacks[remove] = update_callback
        return partial(self._async_remove_listener, remove)

    @callback
    def _async_remove_listener(self, remove: Callable[[], None]) -> None:
        del self._callbacks[remove]
        remove()

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Update every listener: at once, or in batches for a large account."""
        if len(self._callbacks) <= LISTENER_BATCH:
            super().async_update_listeners()
            return
        if self._batches is not None:
            # The listeners it has not reached yet are updated by this round.
            self._batches.cancel()
        # Not eagerly: the first batch too waits for the next turn of the loop,
        # as the poll that ends here has just held the loop for a while.
        self._batches = self.config_entry.async_create_task(
            self.hass,
            self._async_update_in_batches(list(self._callbacks.items())),
            "smartsense update listeners",
            eager_start=False,
        )

    async def _async_update_in_batches(
        self, listeners: list[tuple[Callable[[], None], CALLBACK_TYPE]]
    ) -> None:
        for start in range(0, len(listeners), LISTENER_BATCH):
            if start:
                await asyncio.sleep(0)
            for remove, update_callback in listeners[start : start + LISTENER_BATCH]:
                # Skip a listener removed since (an entity removed meanwhile).
                if remove not in self._callbacks:
                    continue
                try:
                    update_callback()
                except Exception:
                    self.logger.exception(
                        "Unexpected error updating listener %s for %s",
                        id(update_callback),
                        self.name,
                    )

    @override
    async def _async_update_data(self) -> SmartSenseData:
        try:
            assets = await self.client.async_get_assets()
        except SmartSenseAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except SmartSenseRateLimitError as err:
            # Never come back sooner than SmartSense asked, nor than planned.
            interval = self.update_interval or scan_interval(self.config_entry)
            wait = max(err.retry_after or 0.0, interval.total_seconds())
            self.last_retry_after = err.retry_after
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": str(round(wait))},
                retry_after=wait,
            ) from err
        except SmartSenseError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="update_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        # A turn of the loop between reading the listing's last page and
        # indexing it: at 10,000 sensor points each takes tens of milliseconds.
        await asyncio.sleep(0)
        data = self._index(assets)
        self.last_success = dt_util.utcnow()
        self.last_retry_after = None
        self.backfill.async_track(data)
        self._remove_gone(data)
        if self.data is not None:
            # Not on the first poll after start-up: the recorder first compiles
            # the periods it missed, and the backfill then replaces them.
            self.config_entry.async_create_background_task(
                self.hass, self.backfill.async_run(data), "smartsense backfill"
            )
        return data

    def _index(self, assets: list[Asset]) -> SmartSenseData:
        points: dict[str, SensorPoint] = {}
        asset_of_point: dict[str, str] = {}
        for asset in assets:
            for point in asset.sensor_points:
                points[point.id] = point
                asset_of_point[point.id] = asset.id
        previous = self.data
        intervals: dict[str, timedelta] = {}
        if previous is not None:
            for point_id, point in points.items():
                interval = previous.intervals.get(point_id)
                before = previous.points.get(point_id)
                if before and before.last_reading and point.last_reading:
                    step = point.last_reading.timestamp - before.last_reading.timestamp
                    # The smallest step seen is the report interval; a longer
                    # one only means readings were missed or polled slowly.
                    if step > timedelta(0) and (interval is None or step < interval):
                        interval = step
                if interval is not None:
                    intervals[point_id] = interval
        return SmartSenseData(
            assets={asset.id: asset for asset in assets},
            points=points,
            asset_of_point=asset_of_point,
            intervals=intervals,
        )

    def _remove_gone(self, data: SmartSenseData) -> None:
        """Remove devices and entities that a successful poll no longer lists.

        Compared with the previous poll; on the first poll after setup, with
        the registries, so what vanished while the entry was not loaded goes too.
        """
        entry_id = self.config_entry.entry_id
        device_registry = dr.async_get(self.hass)
        entity_registry = er.async_get(self.hass)
        previous: SmartSenseData | None = self.data  # None before the first poll
        known_assets: AbstractSet[str]
        known_points: AbstractSet[str]
        if previous is not None:
            known_assets = previous.assets.keys()
            known_points = previous.points.keys()
        else:
            known_assets = {
                asset_id
                for device in dr.async_entries_for_config_entry(
                    device_registry, entry_id
                )
                for domain, asset_id in device.identifiers
                if domain == DOMAIN
            }
            known_points = {
                entity.unique_id.rpartition(":")[0]
                for entity in er.async_entries_for_config_entry(
                    entity_registry, entry_id
                )
            }
        # The entry's own (service) device and entities are no asset or point.
        for asset_id in known_assets - data.assets.keys() - {entry_id}:
            if device := device_registry.async_get_device_by_identifier(
                (DOMAIN, asset_id), entry_id
            ):
                LOGGER.debug(
                    "Removing asset %s that SmartSense no longer lists", asset_id
                )
                device_registry.async_remove_device(device.id)
        gone = known_points - data.points.keys() - {entry_id}
        if not gone:
            return
        for entity in er.async_entries_for_config_entry(entity_registry, entry_id):
            if entity.unique_id.rpartition(":")[0] in gone:
                entity_registry.async_remove(entity.entity_id)
