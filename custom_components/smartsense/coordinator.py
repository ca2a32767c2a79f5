"""The coordinator: one poll of an account's assets, one immutable snapshot."""

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, override

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import (
    TimestampDataUpdateCoordinator,
    UpdateFailed,
)

from .api import (
    Asset,
    SensorPoint,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseListingError,
    SmartSenseRateLimitError,
    SmartSenseUnexpectedAnswerError,
)
from .const import DOMAIN, LOGGER, WEB_APP_URL
from .locations import selected, selection_of
from .unexpected import answers_changed_issue_id, async_answers_changed

# SmartSense devices report every 15 minutes unless configured otherwise (a
# point's own interval is learned from its readings), and are polled as often.
# Home Assistant's rule: users who want other timing disable polling for the
# entry and call homeassistant.update_entity themselves.
REPORT_INTERVAL = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SmartSenseData:
    """One successful poll, keyed by SmartSense's stable ids."""

    # The chosen locations' assets and points.
    assets: dict[str, Asset]
    points: dict[str, SensorPoint]
    asset_of_point: dict[str, str]
    # Each sensor point's report interval, as observed from its readings.
    intervals: dict[str, timedelta]
    # Every asset listed, whatever its location (the options flow offers them).
    listed: list[Asset]
    # Why the listing's paging contradicted itself; None for a complete one.
    contradiction: str | None

    def is_stale(self, point_id: str, now: datetime) -> bool:
        """Whether a point's newest reading is over three report intervals old."""
        point = self.points.get(point_id)
        if point is None or point.last_reading is None:
            return False
        interval = self.intervals.get(point_id, REPORT_INTERVAL)
        return now - point.last_reading.timestamp > 3 * interval


class SmartSenseCoordinator(TimestampDataUpdateCoordinator[SmartSenseData]):
    """Lists every asset, with each point's newest reading, once per interval."""

    config_entry: ConfigEntry[Any]

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], client: SmartSenseClient
    ) -> None:
        """Create the coordinator of one config entry."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=DOMAIN,
            update_interval=REPORT_INTERVAL,
        )
        self.client = client
        self.last_retry_after: float | None = None

    @override
    async def _async_update_data(self) -> SmartSenseData:
        contradiction: str | None = None
        try:
            assets = await self.client.async_get_assets()
        except SmartSenseListingError as err:
            # Current values all the same; only what it leaves out is doubtful.
            assets, contradiction = err.assets, str(err)
        except SmartSenseAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="auth_failed"
            ) from err
        except SmartSenseRateLimitError as err:
            # At setup the wait is SmartSense's Retry-After (2026.10 retries
            # sooner; the client refuses those retries without a request), else
            # Home Assistant's back-off; a running entry waits its interval.
            self.last_retry_after = wait = err.retry_after
            if self.last_update_success_time is not None:
                wait = max(wait or 0.0, REPORT_INTERVAL.total_seconds())
            if wait is None:
                raise UpdateFailed(
                    translation_domain=DOMAIN, translation_key="rate_limited_no_wait"
                ) from err
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={"seconds": str(round(wait))},
                retry_after=wait,
            ) from err
        except SmartSenseAccessRefusedError as err:
            # An outage, not refused credentials: polling goes on; one that
            # lasts a day (with tokens still issued) is worth a repair issue.
            if err.refused_for >= timedelta(days=1).total_seconds():
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    f"access_refused_{self.config_entry.entry_id}",
                    is_fixable=False,
                    severity=ir.IssueSeverity.ERROR,
                    translation_key="access_refused",
                    translation_placeholders={"web_app_url": WEB_APP_URL},
                )
            raise UpdateFailed(
                translation_domain=DOMAIN, translation_key="access_refused"
            ) from err
        except SmartSenseUnexpectedAnswerError as err:
            # SmartSense changed its API: keep everything, keep polling, say so.
            async_answers_changed(self.hass, self.config_entry, "assets", err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="answers_changed",
                translation_placeholders={"request": f"{err.method} {err.path}"},
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
        self.last_retry_after = None
        entry_id = self.config_entry.entry_id
        ir.async_delete_issue(self.hass, DOMAIN, f"access_refused_{entry_id}")
        ir.async_delete_issue(
            self.hass, DOMAIN, answers_changed_issue_id(entry_id, "assets")
        )
        return self._index(assets, contradiction)

    def _index(self, listed: list[Asset], contradiction: str | None) -> SmartSenseData:
        # The one place that leaves out the locations the user did not choose.
        # Comprehensions and locals: at 10,000 sensor points these loops cost
        # milliseconds on every poll.
        assets = selected(listed, selection_of(self.config_entry.options))
        points = {point.id: point for asset in assets for point in asset.sensor_points}
        asset_of_point = {
            point.id: asset.id for asset in assets for point in asset.sensor_points
        }
        intervals: dict[str, timedelta] = {}
        if (previous := self.data) is not None:
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
            {asset.id: asset for asset in assets},
            points,
            asset_of_point,
            intervals,
            listed,
            contradiction,
        )
