"""What one successful poll of SmartSense holds, indexed for the entities."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .api import Asset, SensorPoint
from .const import DEFAULT_REPORT_INTERVAL, STALE_INTERVALS


@dataclass(frozen=True, slots=True)
class SmartSenseData:
    """One successful poll, keyed by SmartSense's stable ids."""

    assets: dict[str, Asset]
    points: dict[str, SensorPoint]
    asset_of_point: dict[str, str]
    # Each sensor point's report interval, as observed from its readings.
    intervals: dict[str, timedelta] = field(default_factory=dict)
    # Every asset listed, whatever its location (the options flow offers them).
    listed: list[Asset] = field(default_factory=list)
    # Why the listing's paging contradicted itself; None for a complete one.
    contradiction: str | None = None

    def is_stale(self, point_id: str, now: datetime) -> bool:
        """Whether a point's newest reading is too old to be shown as current."""
        point = self.points.get(point_id)
        if point is None or point.last_reading is None:
            return False
        interval = self.intervals.get(point_id, DEFAULT_REPORT_INTERVAL)
        return now - point.last_reading.timestamp > STALE_INTERVALS * interval
