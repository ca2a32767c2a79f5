"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (a device) or a sensor point (its entities) goes once trusted
listings have left it out for ``GRACE``; until then its entities stay,
unavailable. The time is kept in memory: a restart may delay a removal, never
hasten it. A suspect listing (paging that contradicted itself, or one that
drops more than half of the previous listing's assets; after a restart,
"previous" is what the registries hold) starts no clock: it is logged once,
and a repair issue names the assets it left out until they return or go.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER
from .ids import device_identifier, point_of, registered

if TYPE_CHECKING:
    from collections.abc import Set

    from homeassistant.config_entries import ConfigEntry

    from .coordinator import SmartSenseCoordinator
    from .data import SmartSenseData

GRACE = timedelta(hours=24)
ISSUE = "unlisted_assets"
ISSUE_NAMES = 10  # assets named in the repair issue; the rest are counted


class Removal:
    """What SmartSense stopped listing, since when, and what to remove."""

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        entry: ConfigEntry[Any],
        forget: Callable[[set[str]], None],
    ) -> None:
        """Follow one entry's polls; ``forget`` is told of removed sensor points."""
        self._hass = coordinator.hass
        self._coordinator, self._entry, self._forget = coordinator, entry, forget
        # Unlisted assets and points: when their clock started (None while
        # only suspect listings left them out).
        self._missing: tuple[dict[str, datetime | None], ...] = ({}, {})
        self._listed: tuple[Set[str], ...] | None = None  # the previous listing
        self._seen: SmartSenseData | None = None
        self._dropped: dict[str, str] = {}  # asset id -> name, for the issue
        self._warned = False

    @callback
    def async_polled(self) -> None:
        """Weigh a new listing: start, stop and end grace periods."""
        data = self._coordinator.data
        if data is self._seen:
            return  # a failed poll keeps the last snapshot
        self._seen = data
        listed = (data.assets.keys(), data.points.keys())
        before = self._listed or registered(self._hass, self._entry.entry_id)
        self._listed = listed
        for missing, now_listed, was_listed in zip(
            self._missing, listed, before, strict=True
        ):
            for back in missing.keys() & now_listed:
                del missing[back]
            missing.update(dict.fromkeys(was_listed - now_listed - missing.keys()))
        for back in self._dropped.keys() & listed[0]:
            del self._dropped[back]
        gone = len(before[0] - listed[0])
        if data.contradiction is None and gone * 2 <= len(before[0]):
            self._warned = bool(self._dropped)
            self._start_and_end_clocks(dt_util.utcnow())
        else:
            registry = dr.async_get(self._hass)
            for asset_id, since in self._missing[0].items():
                if since is None and asset_id not in self._dropped:
                    device = registry.async_get_device_by_identifier(
                        device_identifier(asset_id), self._entry.entry_id
                    )
                    name = device and (device.name_by_user or device.name)
                    self._dropped[asset_id] = name or asset_id
            if not self._warned:
                self._warned = True
                LOGGER.warning(
                    "%s; nothing is removed unless later listings confirm it",
                    f"SmartSense's asset listing contradicts itself ({contradiction})"
                    if (contradiction := data.contradiction)
                    else f"SmartSense stopped listing {gone} of {len(before[0])}"
                    " assets at once",
                )
        self._update_issue()

    @callback
    def async_forget_device(self, asset_id: str, device: dr.DeviceEntry) -> None:
        """Forget an asset whose device the user removes, and its points."""
        self._missing[0].pop(asset_id, None)
        self._dropped.pop(asset_id, None)
        entities = er.async_entries_for_device(
            er.async_get(self._hass), device.id, include_disabled_entities=True
        )
        self._forget_points({p for e in entities if (p := point_of(e.unique_id))})
        self._update_issue()

    def _start_and_end_clocks(self, now: datetime) -> None:
        """A trusted listing: start waiting clocks, remove what waited long enough."""
        expired: list[set[str]] = []
        for missing in self._missing:
            started = {item_id: since or now for item_id, since in missing.items()}
            missing.update(started)
            expired.append({i for i, since in started.items() if now - since >= GRACE})
        assets, points = expired
        devices = dr.async_get(self._hass)
        for asset_id in assets:
            del self._missing[0][asset_id]
            self._dropped.pop(asset_id, None)
            if device := devices.async_get_device_by_identifier(
                device_identifier(asset_id), self._entry.entry_id
            ):
                LOGGER.info("Removing %s: unlisted for %s", device.name, GRACE)
                devices.async_remove_device(device.id)  # its entities go with it
        entities = er.async_get(self._hass)
        for entity in er.async_entries_for_config_entry(entities, self._entry.entry_id):
            if point_of(entity.unique_id) in points:
                entities.async_remove(entity.entity_id)
        self._forget_points(points)

    def _forget_points(self, point_ids: set[str]) -> None:
        """Forget removed points, so that they are added anew if they return."""
        for point_id in point_ids:
            self._missing[1].pop(point_id, None)
        if point_ids:
            self._forget(point_ids)

    def _update_issue(self) -> None:
        """Name what suspect listings left out, or nothing when all is resolved."""
        issue_id = f"{ISSUE}_{self._entry.entry_id}"
        if not self._dropped:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        names = sorted(self._dropped.values(), key=str.casefold)
        more = len(names) - ISSUE_NAMES
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE,
            translation_placeholders={
                "count": str(len(names)),
                "assets": ", ".join(names[:ISSUE_NAMES])
                + (f" (+{more})" if more > 0 else ""),
                "entry": self._entry.title,
                "grace_hours": str(round(GRACE / timedelta(hours=1))),
            },
        )
