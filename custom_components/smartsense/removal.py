"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (its device) or a sensor point (its entities) goes once trusted
listings have left it out for ``GRACE``; until then its entities stay,
unavailable. What is missing is what the registries hold and the listing
lacks; the clocks run in memory: a restart may delay a removal, never hasten
it. A suspect listing (paging that contradicted itself, or one that drops more
than half of the previous listing's assets; after a restart, "previous" is
what the registries hold) starts no clock; a run of them is logged once.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from homeassistant.core import callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util

from .const import LOGGER
from .coordinator import SmartSenseCoordinator, SmartSenseData
from .entity import owner_of

GRACE = timedelta(hours=24)


class Removal:
    """What SmartSense stopped listing, since when, and what to remove."""

    def __init__(
        self, coordinator: SmartSenseCoordinator, forget: Callable[[set[str]], None]
    ) -> None:
        """Follow one entry's polls; ``forget`` is told of removed sensor points."""
        self._coordinator, self._forget = coordinator, forget
        self._hass, self._entry = coordinator.hass, coordinator.config_entry
        # Since when trusted listings leave out an asset or a sensor point.
        self._missing: dict[str, datetime] = {}
        self._seen: SmartSenseData | None = None  # the previous listing
        self._warned = False

    @callback
    def async_polled(self) -> None:
        """Weigh a new listing: start, stop and end grace periods."""
        data, seen = self._coordinator.data, self._seen
        if data is seen:
            return  # a failed poll keeps the last snapshot
        self._seen = data
        hass, entry_id = self._hass, self._entry.entry_id
        device_registry, entity_registry = dr.async_get(hass), er.async_get(hass)
        devices = dr.async_entries_for_config_entry(device_registry, entry_id)
        entities = er.async_entries_for_config_entry(entity_registry, entry_id)
        # What the registries hold: assets with a device, points with entities.
        assets = {a for device in devices for _, a in device.identifiers} - {entry_id}
        points = {owner_of(entity.unique_id) for entity in entities} - {entry_id}
        before = assets if seen is None else seen.assets.keys()
        gone = len(before - data.assets.keys())
        unlisted = (assets - data.assets.keys()) | (points - data.points.keys())
        running = {i: t for i, t in self._missing.items() if i in unlisted}
        if data.contradiction is not None or gone * 2 > len(before):
            self._missing = running
            if not self._warned:
                self._warned = True
                LOGGER.warning(
                    "%s; nothing is removed unless later listings confirm it",
                    f"SmartSense's asset listing contradicts itself ({contradiction})"
                    if (contradiction := data.contradiction)
                    else f"SmartSense stopped listing {gone} of {len(before)}"
                    " assets at once",
                )
            return
        now = dt_util.utcnow()
        self._missing = {i: running.get(i, now) for i in unlisted}
        self._warned = False
        expired = {i for i, since in self._missing.items() if now - since >= GRACE}
        if not expired:
            return
        # Entities first: a device's removal takes its entities with it.
        for entity in entities:
            if owner_of(entity.unique_id) in expired:
                entity_registry.async_remove(entity.entity_id)
        for device in devices:
            if not expired.isdisjoint(a for _, a in device.identifiers):
                LOGGER.info("Removing %s: unlisted for %s", device.name, GRACE)
                device_registry.async_remove_device(device.id)
        self._forget(expired)

    @callback
    def async_forget_device(self, device: dr.DeviceEntry) -> None:
        """Forget the points of an asset whose device the user removes."""
        entities = er.async_entries_for_device(
            er.async_get(self._hass), device.id, include_disabled_entities=True
        )
        self._forget({owner_of(entity.unique_id) for entity in entities})
