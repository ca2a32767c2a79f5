"""Backfill of long-term statistics over gaps in what Home Assistant saw.

While Home Assistant was down, or polls failed, the recorder saw none of the
readings SmartSense took: its hourly statistics miss the minimum and maximum an
auditor asks for. After such a gap the missed readings are fetched and each
complete hour's mean, minimum and maximum imported (statistics.py); each gap is
fetched once more at least an hour later, for readings delivered late.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import ReadingType, SmartSenseError, SmartSenseUnexpectedAnswerError
from .const import DOMAIN, LOGGER
from .coordinator import REPORT_INTERVAL, SmartSenseCoordinator, SmartSenseData
from .entity import owner_of
from .statistics import hour_of, import_readings
from .unexpected import answers_changed_issue_id, async_answers_changed

STORAGE_VERSION = 1
# SmartSense keeps every reading, but a backfill reaches at most this far back.
MAX_AGE = timedelta(days=7)
# Readings requests one backfill run may make; the rest waits for the next poll.
MAX_REQUESTS = 10
# A gap is imported once its last hour ended this long ago: by then the
# recorder has compiled every hour of it, and the import replaces the
# recorder's rows instead of racing it. One request then covers the whole gap.
SETTLE = timedelta(minutes=10)
# A gap is fetched once more at least this long after its import.
RECHECK_AFTER = timedelta(hours=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Gap:
    """A span of one sensor point's readings that the statistics lack."""

    start: datetime
    end: datetime
    # For a recheck: when it is due.
    due: datetime | None = None


def _gaps(stored: dict[str, dict[str, Any]]) -> dict[str, Gap]:
    """Gaps as stored (``Backfill.as_dict``)."""
    return {
        point_id: Gap(**{k: v and datetime.fromisoformat(v) for k, v in gap.items()})
        for point_id, gap in stored.items()
    }


def backfill_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Where an entry's backfill keeps its state across restarts."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.{entry_id}.backfill")


class Backfill:
    """Finds gaps in each sensor point's readings and fills the statistics."""

    def __init__(self, coordinator: SmartSenseCoordinator) -> None:
        """Create the backfill of one coordinator's polls; call async_load next."""
        self._hass = coordinator.hass
        self._coordinator = coordinator
        self._store = backfill_store(self._hass, coordinator.config_entry.entry_id)
        self._lock = asyncio.Lock()
        # The newest reading time accounted for, per sensor point.
        self.accounted: dict[str, datetime] = {}
        # Hours not imported yet, and imported hours to fetch once more.
        self.gaps: dict[str, Gap] = {}
        self.rechecks: dict[str, Gap] = {}
        self.last_error: str | None = None
        # Called when the count of waiting points may have changed (the
        # sensor that shows it sets this while it is in Home Assistant).
        self.on_change: CALLBACK_TYPE | None = None

    @property
    def waiting(self) -> int:
        """How many sensor points have hours not yet imported or rechecked."""
        return len(self.gaps.keys() | self.rechecks.keys())

    async def async_load(self) -> None:
        """Load what earlier runs accounted for, of points that have entities.

        A point whose entities went while the entry was not loaded (its
        location left out, or its device deleted) is forgotten.
        """
        stored = await self._store.async_load() or {}
        self.accounted = {
            point_id: datetime.fromisoformat(moment)
            for point_id, moment in stored.get("accounted", {}).items()
        }
        self.gaps = _gaps(stored.get("gaps", {}))
        self.rechecks = _gaps(stored.get("rechecks", {}))
        entities = er.async_entries_for_config_entry(
            er.async_get(self._hass), self._coordinator.config_entry.entry_id
        )
        points = {owner_of(entity.unique_id) for entity in entities}
        self.async_forget(self.accounted.keys() - points)

    async def async_save(self) -> None:
        """Write the state now (on unload, before a new instance reads it)."""
        await self._store.async_save(self.as_dict())

    def as_dict(self) -> dict[str, Any]:
        """What is stored (and shown in diagnostics)."""
        return {
            "accounted": dict(self.accounted),
            "gaps": {k: asdict(v) for k, v in self.gaps.items()},
            "rechecks": {k: asdict(v) for k, v in self.rechecks.items()},
        }

    @callback
    def async_polled(self) -> None:
        """Account for a successful poll, then fill the gaps it reveals."""
        if self._coordinator.last_update_success:
            self.async_track(data := self._coordinator.data)
            if self.gaps or self.rechecks:  # most polls: nothing to fill
                self._coordinator.config_entry.async_create_background_task(
                    self._hass, self.async_run(data), "smartsense backfill"
                )

    @callback
    def async_track(self, data: SmartSenseData) -> None:
        """Account for a successful poll; queue the gaps it reveals."""
        oldest = dt_util.utcnow() - MAX_AGE
        # Locals: at 10,000 sensor points this loop runs on every poll.
        accounted, intervals = self.accounted, data.intervals
        door = ReadingType.DOOR_OPEN
        for point_id, point in data.points.items():
            if (reading := point.last_reading) is None or point.reading_type == door:
                continue
            newest = reading.timestamp
            before = accounted.get(point_id)
            if before is not None and newest <= before:
                continue
            accounted[point_id] = newest
            interval = intervals.get(point_id, REPORT_INTERVAL)
            if before is None or newest - before <= interval:
                continue
            start = max(before, oldest)
            if gap := self.gaps.get(point_id):
                start = min(start, gap.start)
            self.gaps[point_id] = Gap(start, newest)
            LOGGER.debug("Readings of %s missed since %s", point_id, start)
        # A point a poll does not list is kept: should it return, the readings
        # of its absence are a gap like any other. It is forgotten on removal.
        self._changed()

    @callback
    def async_forget(self, point_ids: Iterable[str]) -> None:
        """Forget sensor points whose entities were removed."""
        for point_id in point_ids:
            self.accounted.pop(point_id, None)
            self.gaps.pop(point_id, None)
            self.rechecks.pop(point_id, None)
        self._changed()

    def _changed(self) -> None:
        self._store.async_delay_save(self.as_dict, 10)
        if self.on_change is not None:
            self.on_change()

    async def async_run(self, data: SmartSenseData) -> None:
        """Import what MAX_REQUESTS readings requests allow."""
        if self._lock.locked():
            return
        if "recorder" not in self._hass.config.components:
            self.gaps.clear()
            self.rechecks.clear()
            return
        async with self._lock:
            await self._async_fill(data)
        self._changed()

    async def _async_fill(self, data: SmartSenseData) -> None:
        budget, now = MAX_REQUESTS, dt_util.utcnow()
        entry = self._coordinator.config_entry
        # Only hours that ended SETTLE ago are final.
        final = hour_of(now - SETTLE)
        due_rechecks = [
            (p, gap) for p, gap in self.rechecks.items() if gap.due and gap.due <= now
        ]
        for point_id, gap in [*self.gaps.items(), *due_rechecks]:
            if (point := data.points.get(point_id)) is None:
                continue  # not listed now: its gap waits for its return
            first = hour_of(gap.start)
            end = min(hour_of(gap.end) + HOUR, final)
            if end <= first:
                continue  # not one final hour yet
            budget -= math.ceil((end - first) / timedelta(days=7))
            if budget < 0:
                return
            try:
                readings = await self._coordinator.client.async_get_readings(
                    point_id, first, end
                )
            except SmartSenseError as err:
                # Paused until the next poll (the client waits out a Retry-After).
                self.last_error = str(err)
                if isinstance(err, SmartSenseUnexpectedAnswerError):
                    async_answers_changed(self._hass, entry, "readings", err)
                return
            self.last_error = None
            ir.async_delete_issue(
                self._hass, DOMAIN, answers_changed_issue_id(entry.entry_id, "readings")
            )
            # Its gap or recheck gone while SmartSense answered: forgotten.
            forgotten = point_id not in (self.rechecks if gap.due else self.gaps)
            if forgotten or not import_readings(self._hass, point, readings):
                self.gaps.pop(point_id, None)
                self.rechecks.pop(point_id, None)
            elif gap.due:  # a recheck; hours this run's imports merged into it stay
                current = self.rechecks.pop(point_id, None)
                if current and current.end > gap.end:
                    self.rechecks[point_id] = replace(current, start=gap.end + HOUR)
            else:
                current = self.gaps.pop(point_id)  # a poll may have extended it
                if end <= current.end:
                    self.gaps[point_id] = Gap(end, current.end)
                # One recheck an hour after the latest import covers every hour.
                if earlier := self.rechecks.get(point_id):
                    first = min(first, earlier.start)
                self.rechecks[point_id] = Gap(first, end - HOUR, now + RECHECK_AFTER)
