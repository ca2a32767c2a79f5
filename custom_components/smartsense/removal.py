"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (its device) or a sensor point (its entities) goes once trusted
listings have left it out for ``GRACE``; until then its entities stay,
unavailable. The clocks run in memory: a restart may delay a removal, never
hasten it. A suspect listing (paging that contradicted itself, or one that
drops more than half of the previous listing's assets; after a restart,
"previous" is what the registries hold) starts no clock: it is logged once,
and a repair issue names the assets it left out until they return or go.
"""

from __future__ import annotations

from collections.abc import Callable, Set
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
from .ids import device_identifier, owner_of

if TYPE_CHECKING:
    from .coordinator import SmartSenseCoordinator, SmartSenseData

GRACE = timedelta(hours=24)
ISSUE = "unlisted_assets"
ISSUE_NAMES = 10  # assets named in the repair issue; the rest are counted


def _track(
    missing: dict[str, datetime | None], before: Set[str], now: Set[str]
) -> None:
    """Stop the clocks of what is listed again; note what went unlisted."""
    for item_id in missing.keys() & now:
        del missing[item_id]
    missing.update(dict.fromkeys(before - now - missing.keys()))


def _expired(missing: dict[str, datetime | None], now: datetime) -> set[str]:
    """Start the clocks not running yet; take out what was missing for GRACE."""
    missing.update({item_id: since or now for item_id, since in missing.items()})
    expired = {i for i, since in missing.items() if since and now - since >= GRACE}
    for item_id in expired:
        del missing[item_id]
    return expired


class Removal:
    """What SmartSense stopped listing, since when, and what to remove."""

    def __init__(
        self, coordinator: SmartSenseCoordinator, forget: Callable[[set[str]], None]
    ) -> None:
        """Follow one entry's polls; ``forget`` is told of removed sensor points."""
        self._coordinator, self._forget = coordinator, forget
        self._hass, self._entry = coordinator.hass, coordinator.config_entry
        # Unlisted assets and points: when their clock started (None while
        # only suspect listings left them out).
        self._assets: dict[str, datetime | None] = {}
        self._points: dict[str, datetime | None] = {}
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
        assets, points = (
            self._registered()
            if seen is None
            else (seen.assets.keys(), seen.points.keys())
        )
        _track(self._assets, assets, data.assets.keys())
        _track(self._points, points, data.points.keys())
        gone = len(assets - data.assets.keys())
        if data.contradiction is None and gone * 2 <= len(assets):
            self._warned = bool(self._dropped & self._assets.keys())
            self._remove_expired(dt_util.utcnow())
        else:
            self._dropped.update(a for a, since in self._assets.items() if not since)
            if not self._warned:
                self._warned = True
                LOGGER.warning(
                    "%s; nothing is removed unless later listings confirm it",
                    f"SmartSense's asset listing contradicts itself ({contradiction})"
                    if (contradiction := data.contradiction)
                    else f"SmartSense stopped listing {gone} of {len(assets)}"
                    " assets at once",
                )
        self._update_issue()

    @callback
    def async_forget_device(self, asset_id: str, device: dr.DeviceEntry) -> None:
        """Forget an asset whose device the user removes, and its points."""
        self._assets.pop(asset_id, None)
        entities = er.async_entries_for_device(
            er.async_get(self._hass), device.id, include_disabled_entities=True
        )
        points = {owner_of(entity.unique_id) for entity in entities}
        for point_id in points:
            self._points.pop(point_id, None)
        self._forget(points)
        self._update_issue()

    def _registered(self) -> tuple[Set[str], Set[str]]:
        """The assets with a device and the points with entities (after a restart)."""
        hass, entry_id = self._hass, self._entry.entry_id
        devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
        assets = {asset_id for device in devices for _, asset_id in device.identifiers}
        points = {owner_of(entity.unique_id) for entity in entities}
        return assets - {entry_id}, points - {entry_id}

    def _remove_expired(self, now: datetime) -> None:
        """A trusted listing: start clocks, remove what was missing for GRACE."""
        devices = dr.async_get(self._hass)
        for asset_id in _expired(self._assets, now):
            if device := devices.async_get_device_by_identifier(
                device_identifier(asset_id), self._entry.entry_id
            ):
                LOGGER.info("Removing %s: unlisted for %s", device.name, GRACE)
                devices.async_remove_device(device.id)  # its entities go with it
        points = _expired(self._points, now)
        entities = er.async_get(self._hass)
        for entity in er.async_entries_for_config_entry(entities, self._entry.entry_id):
            if owner_of(entity.unique_id) in points:
                entities.async_remove(entity.entity_id)
        if points:
            self._forget(points)

    def _name(self, asset_id: str) -> str:
        device = dr.async_get(self._hass).async_get_device_by_identifier(
            device_identifier(asset_id), self._entry.entry_id
        )
        return (device and (device.name_by_user or device.name)) or asset_id

    def _update_issue(self) -> None:
        """Name what suspect listings left out and is still missing, if anything."""
        issue_id = f"{ISSUE}_{self._entry.entry_id}"
        self._dropped &= self._assets.keys()
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
