"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (a device) or a sensor point (its entities) is removed once trusted
listings have left it out for ``GRACE``; meanwhile its entities stay,
unavailable, and a returning one simply shows its values again. The time is
kept in memory: a restart starts it again, so it may delay a removal, never
hasten it.

A suspect listing removes nothing and starts no clock: one whose paging
contradicted itself, or one that drops more than half of the assets the
previous listing had (an empty one included; after a restart, "previous" is
what the registries hold). It is logged once at warning level, and a repair
issue names the assets it left out. The same drop seen twice is no longer
sudden: their clocks start then. The issue goes when they return, are
removed, or the user removed their devices.
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
    from collections.abc import Set as AbstractSet

    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .coordinator import SmartSenseCoordinator
    from .data import SmartSenseData

# How long an asset or sensor point must stay unlisted before it is removed.
GRACE = timedelta(hours=24)
ISSUE = "unlisted_assets"
# Assets named in the repair issue; the rest are counted.
ISSUE_NAMES = 10


class Removal:
    """What SmartSense stopped listing, since when, and what to remove."""

    def __init__(
        self,
        coordinator: SmartSenseCoordinator,
        entry: ConfigEntry[Any],
        forget: Callable[[set[str]], None],
    ) -> None:
        """Follow one entry's polls; ``forget`` is told of removed sensor points."""
        self._hass: HomeAssistant = coordinator.hass
        self._coordinator = coordinator
        self._entry = entry
        self._forget = forget
        # Unlisted assets and points, with the time their clock started (None
        # while only suspect listings left them out).
        self._missing: tuple[dict[str, datetime | None], ...] = ({}, {})
        # What the previous listing had (assets, points); None before the first.
        self._listed: tuple[AbstractSet[str], AbstractSet[str]] | None = None
        self._seen: SmartSenseData | None = None
        # Assets a suspect listing left out, by name, for the repair issue.
        self._dropped: dict[str, str] = {}
        self._warned = False

    @callback
    def async_polled(self) -> None:
        """Weigh a new successful poll: start, stop and end grace periods."""
        data = self._coordinator.data
        if data is self._seen:
            return  # a failed poll: it keeps the last snapshot
        self._seen = data
        listed = (data.assets.keys(), data.points.keys())
        before = self._listed or registered(self._hass, self._entry.entry_id)
        self._listed = listed
        gone = before[0] - listed[0]
        sudden = len(gone) * 2 > len(before[0])
        now = dt_util.utcnow()
        for missing, now_listed, was_listed in zip(
            self._missing, listed, before, strict=True
        ):
            for back in missing.keys() & now_listed:
                del missing[back]
            missing.update(dict.fromkeys(was_listed - now_listed - missing.keys()))
        for back in self._dropped.keys() & listed[0]:
            del self._dropped[back]
        if data.contradiction is not None or sudden:
            self._suspect(gone, len(before[0]), data.contradiction)
        else:
            self._start_and_end_clocks(now)
        self._update_issue()

    @callback
    def async_forget_device(self, asset_id: str, device: dr.DeviceEntry) -> None:
        """Forget an asset whose device the user removes, and its points."""
        self._missing[0].pop(asset_id, None)
        self._dropped.pop(asset_id, None)
        self._forget_points(
            {
                point_id
                for entity in er.async_entries_for_device(
                    er.async_get(self._hass), device.id, include_disabled_entities=True
                )
                if (point_id := point_of(entity.unique_id)) is not None
            }
        )
        self._update_issue()

    def _suspect(self, gone: set[str], before: int, contradiction: str | None) -> None:
        """A suspect listing: name what it left out; warn once; remove nothing."""
        registry = dr.async_get(self._hass)
        for asset_id, since in self._missing[0].items():
            if since is None and asset_id not in self._dropped:
                device = registry.async_get_device_by_identifier(
                    device_identifier(asset_id), self._entry.entry_id
                )
                name = device and (device.name_by_user or device.name)
                self._dropped[asset_id] = name or asset_id
        if self._warned:
            LOGGER.debug("The asset listing is still suspect; nothing is removed")
            return
        self._warned = True
        if contradiction is not None:
            LOGGER.warning(
                "SmartSense's asset listing contradicts itself (%s); nothing is"
                " removed while it does",
                contradiction,
            )
        else:
            LOGGER.warning(
                "SmartSense stopped listing %s of %s assets at once; nothing is"
                " removed unless later listings confirm it",
                len(gone),
                before,
            )

    def _start_and_end_clocks(self, now: datetime) -> None:
        """A trusted listing: start waiting clocks, remove what waited long enough."""
        self._warned = bool(self._dropped)
        expired: list[set[str]] = []
        for missing in self._missing:
            started = {item_id: since or now for item_id, since in missing.items()}
            missing.update(started)
            expired.append({i for i, since in started.items() if now - since >= GRACE})
        assets, points = expired
        registry = dr.async_get(self._hass)
        for asset_id in assets:
            del self._missing[0][asset_id]
            self._dropped.pop(asset_id, None)
            if device := registry.async_get_device_by_identifier(
                device_identifier(asset_id), self._entry.entry_id
            ):
                LOGGER.info(
                    "Removing %s: SmartSense has not listed it for %s",
                    device.name,
                    GRACE,
                )
                # Its entities go with it.
                registry.async_remove_device(device.id)
        if points:
            entities = er.async_get(self._hass)
            for entity in er.async_entries_for_config_entry(
                entities, self._entry.entry_id
            ):
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
        """Show what a suspect listing dropped, or nothing when all is resolved."""
        issue_id = f"{ISSUE}_{self._entry.entry_id}"
        if not self._dropped:
            ir.async_delete_issue(self._hass, DOMAIN, issue_id)
            return
        names = sorted(self._dropped.values(), key=str.casefold)
        shown = ", ".join(names[:ISSUE_NAMES])
        if len(names) > ISSUE_NAMES:
            shown += f" (+{len(names) - ISSUE_NAMES})"
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            issue_id,
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE,
            translation_placeholders={
                "count": str(len(names)),
                "assets": shown,
                "entry": self._entry.title,
                "grace_hours": str(round(GRACE / timedelta(hours=1))),
            },
        )
