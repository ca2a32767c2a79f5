"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (its device) or a sensor point (its entities) goes once trusted
listings have left it out for ``GRACE``; until then its entities stay,
unavailable. What is missing is what the registries hold and the listing
lacks; the clocks run in memory: a restart may delay a removal, never hasten
it. A suspect listing (paging that contradicted itself, or one that drops more
than half of the previous listing's assets; after a restart, "previous" is
what the registries hold) starts no clock: it is logged once, and a repair
issue names the assets it left out until they return or go.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from homeassistant.core import callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .entity import owner_of

if TYPE_CHECKING:
    from .coordinator import SmartSenseCoordinator, SmartSenseData

GRACE = timedelta(hours=24)
ISSUE = "unlisted_assets"
ISSUE_NAMES = 10  # assets named in the repair issue; the rest are counted


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
        self._dropped: set[str] = set()  # assets suspect listings left out
        self._warned = False

    @callback
    def async_polled(self) -> None:
        """Weigh a new listing: start, stop and end grace periods."""
        data, seen = self._coordinator.data, self._seen
        if data is seen:
            return  # a failed poll keeps the last snapshot
        self._seen = data
        hass, entry_id = self._hass, self._entry.entry_id
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        # What the registries hold: assets with a device, points with entities.
        assets = {a for device in devices for _, a in device.identifiers} - {entry_id}
        points = {owner_of(entity.unique_id) for entity in entities} - {entry_id}
        before = assets if seen is None else seen.assets.keys()
        gone = len(before - data.assets.keys())
        unlisted = (assets - data.assets.keys()) | (points - data.points.keys())
        running = {i: t for i, t in self._missing.items() if i in unlisted}
        if data.contradiction is None and gone * 2 <= len(before):
            now = dt_util.utcnow()
            self._missing = {i: running.get(i, now) for i in unlisted}
            self._warned = bool(self._dropped & unlisted)
            expired = {i for i, since in self._missing.items() if now - since >= GRACE}
            if expired:
                self._remove(expired)
                unlisted -= expired
        else:
            self._missing = running
            self._dropped |= unlisted & assets - running.keys()
            if not self._warned:
                self._warned = True
                LOGGER.warning(
                    "%s; nothing is removed unless later listings confirm it",
                    f"SmartSense's asset listing contradicts itself ({contradiction})"
                    if (contradiction := data.contradiction)
                    else f"SmartSense stopped listing {gone} of {len(before)}"
                    " assets at once",
                )
        self._dropped &= unlisted
        self._update_issue()

    @callback
    def async_forget_device(self, asset_id: str, device: dr.DeviceEntry) -> None:
        """Forget the points of an asset whose device the user removes."""
        entities = er.async_entries_for_device(
            er.async_get(self._hass), device.id, include_disabled_entities=True
        )
        self._forget({owner_of(entity.unique_id) for entity in entities})
        self._dropped.discard(asset_id)
        self._update_issue()

    def _remove(self, expired: set[str]) -> None:
        """Remove the devices and entities of what was missing for GRACE."""
        devices, entities = dr.async_get(self._hass), er.async_get(self._hass)
        entry_id = self._entry.entry_id
        for asset_id in expired:
            if device := devices.async_get_device_by_identifier(
                (DOMAIN, asset_id), entry_id
            ):
                LOGGER.info("Removing %s: unlisted for %s", device.name, GRACE)
                devices.async_remove_device(device.id)  # its entities go with it
        for entity in er.async_entries_for_config_entry(entities, entry_id):
            if owner_of(entity.unique_id) in expired:
                entities.async_remove(entity.entity_id)
        self._forget(expired)

    def _name(self, asset_id: str) -> str:
        device = dr.async_get(self._hass).async_get_device_by_identifier(
            (DOMAIN, asset_id), self._entry.entry_id
        )
        return (device and (device.name_by_user or device.name)) or asset_id

    def _update_issue(self) -> None:
        """Name what suspect listings left out and is still missing, if anything."""
        issue_id = f"{ISSUE}_{self._entry.entry_id}"
        if not self._dropped:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        names = sorted(map(self._name, self._dropped), key=str.casefold)
        more = f" (+{len(names) - ISSUE_NAMES})" if len(names) > ISSUE_NAMES else ""
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE,
            translation_placeholders={
                "count": str(len(names)),
                "assets": ", ".join(names[:ISSUE_NAMES]) + more,
                "entry": self._entry.title,
                "grace_hours": str(round(GRACE / timedelta(hours=1))),
            },
        )
