"""Removal, on sustained evidence only, of what SmartSense stopped listing.

An asset (a device) or a sensor point (its entities) is removed once every
successful listing has left it out for ``GRACE``, measured in time and kept
across restarts; meanwhile its entities stay, unavailable. A returning one
simply shows its values again.

A listing that is suspect removes nothing and starts no clock: one whose paging
contradicted itself (``SmartSenseListingError``), or one that drops more than
half of the assets the previous listing had (an empty one included; after a
restart, "previous" is what the registries hold). Such a drop is logged once at
warning level and a repair issue names the assets; their clocks start at the
next listing that is not suspect and still leaves them out (the same drop, seen
twice, is no longer sudden). The issue goes when they return, when the grace
period has removed them, or when the user removed their devices.
"""

from __future__ import annotations

from collections.abc import Iterable, Set as AbstractSet
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import callback
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN, LOGGER, SIGNAL_REMOVED
from .ids import asset_of, device_identifier, point_of

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

STORAGE_VERSION = 1
# How long an asset or sensor point must stay unlisted before it is removed.
GRACE = timedelta(hours=24)
ISSUE = "unlisted_assets"
# Assets named in the repair issue; the rest are counted.
ISSUE_NAMES = 10

type _Missing = dict[str, datetime | None]


class Removal:
    """What SmartSense stopped listing, since when, and what to remove."""

    def __init__(self, hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        """Create the tracker of one config entry; call async_load next."""
        self._hass = hass
        self._entry = entry
        self._store: Store[dict[str, Any]] = Store(
            hass, STORAGE_VERSION, f"{DOMAIN}.{entry.entry_id}.removal"
        )
        # Unlisted assets and points, with the time their clock started (None
        # while only suspect listings left them out).
        self.missing_assets: _Missing = {}
        self.missing_points: _Missing = {}
        # Assets a suspect listing dropped, by name, for the repair issue.
        self.dropped: dict[str, str] = {}
        # What the previous listing had; None until the first after setup.
        self._listed_assets: AbstractSet[str] | None = None
        self._listed_points: AbstractSet[str] = set()
        self._warned = False

    @property
    def _issue_id(self) -> str:
        return f"{ISSUE}_{self._entry.entry_id}"

    async def async_load(self) -> None:
        """Load what earlier runs of Home Assistant found missing."""
        stored = await self._store.async_load() or {}
        self.missing_assets = _load_missing(stored.get("assets", {}))
        self.missing_points = _load_missing(stored.get("points", {}))
        self.dropped = dict(stored.get("dropped", {}))

    async def async_save(self) -> None:
        """Write the state now (on unload, before a new instance reads it)."""
        await self._store.async_save(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """What is stored (and shown in diagnostics)."""
        return {
            "assets": _dump_missing(self.missing_assets),
            "points": _dump_missing(self.missing_points),
            "dropped": dict(self.dropped),
        }

    @callback
    def async_update(
        self,
        assets: AbstractSet[str],
        points: AbstractSet[str],
        contradiction: str | None = None,
    ) -> None:
        """Weigh one successful listing: start, stop and end grace periods."""
        if self._listed_assets is None:
            self._from_registries()
        previous = self._listed_assets or set()
        gone_assets = previous - assets
        gone_points = self._listed_points - points
        sudden = len(gone_assets) * 2 > len(previous)
        suspect = contradiction is not None or sudden
        for missing, listed in (
            (self.missing_assets, assets),
            (self.missing_points, points),
        ):
            for returned in missing.keys() & listed:
                del missing[returned]
        for returned in self.dropped.keys() & assets:
            del self.dropped[returned]
        now = dt_util.utcnow()
        clock = None if suspect else now
        self.missing_assets.update(dict.fromkeys(gone_assets, clock))
        self.missing_points.update(dict.fromkeys(gone_points, clock))
        # Kept as given, not copied: the coordinator passes the keys of a poll's
        # dicts, which no one changes (10,000 sensor points: a copy per poll).
        self._listed_assets, self._listed_points = assets, points
        if suspect:
            self._suspect(gone_assets, len(previous), contradiction)
        else:
            self._warned = bool(self.dropped)
            self._start_and_end_clocks(now)
        self._update_issue()
        self._store.async_delay_save(self.as_dict, 10)

    @callback
    def async_forget_device(self, asset_id: str, device: dr.DeviceEntry) -> None:
        """Forget an asset whose device the user removes, and its points."""
        self.missing_assets.pop(asset_id, None)
        self.dropped.pop(asset_id, None)
        self._forget_points(self._points_of(device))
        self._update_issue()
        self._store.async_delay_save(self.as_dict, 10)

    def _from_registries(self) -> None:
        """After setup: what was listed before, as the registries remember it."""
        entry_id = self._entry.entry_id
        assets = {
            asset_id
            for device in dr.async_entries_for_config_entry(
                dr.async_get(self._hass), entry_id
            )
            if (asset_id := asset_of(device.identifiers, entry_id)) is not None
        }
        points = {
            point_id
            for entity in er.async_entries_for_config_entry(
                er.async_get(self._hass), entry_id
            )
            if (point_id := point_of(entity.unique_id)) is not None
        }
        # Stored state of what no longer has a device or entities is stale.
        for missing, known in (
            (self.missing_assets, assets),
            (self.missing_points, points),
        ):
            for stale in missing.keys() - known:
                del missing[stale]
        for stale in self.dropped.keys() - assets:
            del self.dropped[stale]
        self._listed_assets = assets - self.missing_assets.keys()
        self._listed_points = points - self.missing_points.keys()

    def _suspect(
        self, gone: AbstractSet[str], previous: int, contradiction: str | None
    ) -> None:
        """A suspect listing: name what it dropped; warn once; remove nothing."""
        registry = dr.async_get(self._hass)
        for asset_id in gone | {
            asset_id
            for asset_id, since in self.missing_assets.items()
            if since is None and asset_id not in self.dropped
        }:
            device = registry.async_get_device_by_identifier(
                device_identifier(asset_id), self._entry.entry_id
            )
            self.dropped[asset_id] = (
                (device.name_by_user or device.name or asset_id) if device else asset_id
            )
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
                previous,
            )

    def _start_and_end_clocks(self, now: datetime) -> None:
        """A trusted listing: start waiting clocks, remove what waited long enough."""
        for missing in (self.missing_assets, self.missing_points):
            for item_id, since in missing.items():
                if since is None:
                    missing[item_id] = now
        expired_assets = _expired(self.missing_assets, now)
        expired_points = _expired(self.missing_points, now)
        if not expired_assets and not expired_points:
            return
        entry_id = self._entry.entry_id
        registry = dr.async_get(self._hass)
        for asset_id in expired_assets:
            del self.missing_assets[asset_id]
            self.dropped.pop(asset_id, None)
            device = registry.async_get_device_by_identifier(
                device_identifier(asset_id), entry_id
            )
            if device is None:
                continue
            LOGGER.info(
                "Removing %s: SmartSense has not listed it for %s", device.name, GRACE
            )
            expired_points |= self._points_of(device)
            registry.async_remove_device(device.id)
        entity_registry = er.async_get(self._hass)
        for entity in er.async_entries_for_config_entry(entity_registry, entry_id):
            if point_of(entity.unique_id) in expired_points:
                entity_registry.async_remove(entity.entity_id)
        self._forget_points(expired_points)

    def _points_of(self, device: dr.DeviceEntry) -> set[str]:
        return {
            point_id
            for entity in er.async_entries_for_device(
                er.async_get(self._hass), device.id, include_disabled_entities=True
            )
            if (point_id := point_of(entity.unique_id)) is not None
        }

    def _forget_points(self, point_ids: Iterable[str]) -> None:
        """Forget removed points, so that they are added anew if they return."""
        removed = set(point_ids)
        for point_id in removed:
            self.missing_points.pop(point_id, None)
        if removed:
            async_dispatcher_send(
                self._hass, SIGNAL_REMOVED.format(self._entry.entry_id), removed
            )

    def _update_issue(self) -> None:
        """Show what a suspect listing dropped, or nothing when all is resolved."""
        if not self.dropped:
            ir.async_delete_issue(self._hass, DOMAIN, self._issue_id)
            return
        names = sorted(self.dropped.values(), key=str.casefold)
        shown = ", ".join(names[:ISSUE_NAMES])
        if len(names) > ISSUE_NAMES:
            shown += f" (+{len(names) - ISSUE_NAMES})"
        ir.async_create_issue(
            self._hass,
            DOMAIN,
            self._issue_id,
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


def _expired(missing: _Missing, now: datetime) -> set[str]:
    return {
        item_id
        for item_id, since in missing.items()
        if since is not None and now - since >= GRACE
    }


def _load_missing(stored: dict[str, str | None]) -> _Missing:
    return {
        item_id: datetime.fromisoformat(since) if since else None
        for item_id, since in stored.items()
    }


def _dump_missing(missing: _Missing) -> dict[str, str | None]:
    return {
        item_id: since.isoformat() if since else None
        for item_id, since in missing.items()
    }
