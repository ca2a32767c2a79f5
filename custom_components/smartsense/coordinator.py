"""The coordinator that polls SmartSense for every asset of an account.

One poll makes one immutable snapshot (``SmartSenseData``): the listing, the
chosen locations' assets indexed by id, and each point's report interval. What
reacts to a poll subscribes to the coordinator (``__init__.py``).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import (
    TimestampDataUpdateCoordinator,
    UpdateFailed,
)

from .api import (
    Asset,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseError,
    SmartSenseListingError,
    SmartSenseRateLimitError,
    SmartSenseUnexpectedAnswerError,
)
from .const import (
    ACCESS_REFUSED_REPAIR_AFTER,
    DOMAIN,
    LOGGER,
    UPDATE_INTERVAL,
    WEB_APP_URL,
)
from .data import SmartSenseData
from .locations import LocationSummary, selected, selection_of, summarize
from .unexpected import answers_changed_issue_id, async_answers_changed

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

_NO_TIME = timedelta(0)


def access_refused_issue_id(entry_id: str) -> str:
    """The repair issue saying SmartSense has long refused the entry its data."""
    return f"access_refused_{entry_id}"


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
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        self.last_retry_after: float | None = None
        # The locations the entry brings in (see locations).
        self.selection = selection_of(entry.options)

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
            raise self._rate_limited(err.retry_after) from err
        except SmartSenseAccessRefusedError as err:
            # An outage, not refused credentials: polling goes on; a lasting
            # one is worth a repair issue.
            if err.refused_for >= ACCESS_REFUSED_REPAIR_AFTER.total_seconds():
                ir.async_create_issue(
                    self.hass,
                    DOMAIN,
                    access_refused_issue_id(self.config_entry.entry_id),
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
            async_answers_changed(self.hass, self.config_entry, err)
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
        for issue_id in (access_refused_issue_id, answers_changed_issue_id):
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(entry_id))
        # The one place that leaves out the locations the user did not choose.
        return self._index(assets, contradiction)

    @property
    def locations(self) -> dict[str, LocationSummary]:
        """Every location of the last listing, summed up when asked for."""
        return summarize(self.data.listed)

    def _rate_limited(self, retry_after: float | None) -> UpdateFailed:
        """The failure of a poll that SmartSense answered with 429.

        At setup (before the first successful poll) the wait is SmartSense's
        own Retry-After. Home Assistant 2026.11 retries the setup no sooner
        than that (nor than its own back-off); 2026.10 ignores it and retries
        on its back-off (5, 10, 20, 40 s ...), and the client refuses such a
        retry without a request until the wait has passed. Without a
        Retry-After, setup retries on Home Assistant's back-off. A running
        entry polls again after the wait, never sooner than its interval.
        """
        self.last_retry_after = retry_after
        wait = retry_after
        polled: SmartSenseData | None = self.data  # None until the first success
        if polled is not None:
            wait = max(wait or 0.0, UPDATE_INTERVAL.total_seconds())
        if wait is None:
            return UpdateFailed(
                translation_domain=DOMAIN, translation_key="rate_limited_no_wait"
            )
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="rate_limited",
            translation_placeholders={"seconds": str(round(wait))},
            retry_after=wait,
        )

    def _index(self, listed: list[Asset], contradiction: str | None) -> SmartSenseData:
        # Comprehensions and locals: at 10,000 sensor points these loops cost
        # milliseconds on every poll.
        assets = selected(listed, self.selection)
        points = {point.id: point for asset in assets for point in asset.sensor_points}
        asset_of_point = {
            point.id: asset.id for asset in assets for point in asset.sensor_points
        }
        previous = self.data
        intervals: dict[str, timedelta] = {}
        if previous is not None:
            known, points_before = previous.intervals, previous.points
            for point_id, point in points.items():
                interval = known.get(point_id)
                before = points_before.get(point_id)
                if (
                    before is not None
                    and (reading := point.last_reading) is not None
                    and (earlier := before.last_reading) is not None
                ):
                    step = reading.timestamp - earlier.timestamp
                    # The smallest step seen is the report interval; a longer
                    # one only means readings were missed or polled slowly.
                    if step > _NO_TIME and (interval is None or step < interval):
                        interval = step
                if interval is not None:
                    intervals[point_id] = interval
        return SmartSenseData(
            assets={asset.id: asset for asset in assets},
            points=points,
            asset_of_point=asset_of_point,
            intervals=intervals,
            listed=listed,
            contradiction=contradiction,
        )
