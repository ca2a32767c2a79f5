"""The coordinator that polls SmartSense for every asset of an account."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, override

from homeassistant.core import CALLBACK_TYPE, callback
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
from .removal import Removal
from .unexpected import answers_changed_issue_id, async_answers_changed

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry
    from homeassistant.core import HomeAssistant

    from .backfill import Backfill

type SmartSenseConfigEntry = ConfigEntry[SmartSenseRuntimeData]

# After a poll, up to this many entities are updated in one go. A larger
# account's are updated in batches of this size, one batch per turn of the event
# loop, so that tens of thousands of state writes never hold the loop for
# seconds (docs/performance.md).
LISTENER_BATCH = 250
_NO_TIME = timedelta(0)


@dataclass(slots=True)
class SmartSenseRuntimeData:
    """What a loaded entry holds: the poller and the consumer of its polls."""

    coordinator: SmartSenseCoordinator
    backfill: Backfill


class _Listener:
    """A coordinator listener kept for the batches; calling it removes it.

    One object per listener (an entity): at 10,000 entities, a partial with
    its arguments, keywords and bound method each would be 40,000 objects for
    every full pass of the cyclic garbage collector.
    """

    __slots__ = ("_kept", "_remove", "update_callback")

    def __init__(
        self,
        kept: dict[_Listener, None],
        update_callback: CALLBACK_TYPE,
        remove: CALLBACK_TYPE,
    ) -> None:
        self._kept = kept
        self._remove = remove
        self.update_callback = update_callback

    @callback
    def __call__(self) -> None:
        """Stop listening."""
        del self._kept[self]
        self._remove()


def access_refused_issue_id(entry: SmartSenseConfigEntry) -> str:
    """The repair issue saying SmartSense has long refused the entry its data."""
    return f"access_refused_{entry.entry_id}"


class SmartSenseCoordinator(TimestampDataUpdateCoordinator[SmartSenseData]):
    """Lists every asset, with each point's newest reading, once per interval."""

    config_entry: SmartSenseConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartSenseConfigEntry,
        client: SmartSenseClient,
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
        self.removal = Removal(hass, entry)
        self.last_retry_after: float | None = None
        self._batches: asyncio.Task[None] | None = None
        # The locations the entry brings in, and every asset of the last
        # listing, whatever its location (see locations).
        self.selection = selection_of(entry.options)
        self._listed: list[Asset] = []
        # Every listener, for the batches (in the order they were added).
        self._listening: dict[_Listener, None] = {}

    @callback
    @override
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Listen for data updates; the callback is also kept for the batches."""
        remove = super().async_add_listener(update_callback, context)
        listener = _Listener(self._listening, update_callback, remove)
        self._listening[listener] = None
        return listener

    @callback
    @override
    def async_update_listeners(self) -> None:
        """Update every listener: at once, or in batches for a large account."""
        if len(self._listening) <= LISTENER_BATCH:
            super().async_update_listeners()
            return
        if self._batches is not None:
            # The listeners it has not reached yet are updated by this round.
            self._batches.cancel()
        # Not eagerly: the first batch too waits for the next turn of the loop,
        # as the poll that ends here has just held the loop for a while.
        self._batches = self.config_entry.async_create_task(
            self.hass,
            self._async_update_in_batches(list(self._listening)),
            "smartsense update listeners",
            eager_start=False,
        )

    async def _async_update_in_batches(self, listeners: list[_Listener]) -> None:
        for start in range(0, len(listeners), LISTENER_BATCH):
            if start:
                await asyncio.sleep(0)
            for listener in listeners[start : start + LISTENER_BATCH]:
                # Skip a listener removed since (an entity removed meanwhile).
                if listener not in self._listening:
                    continue
                try:
                    listener.update_callback()
                except Exception:
                    self.logger.exception(
                        "Unexpected error updating listener %s for %s",
                        id(listener.update_callback),
                        self.name,
                    )

    @override
    async def _async_setup(self) -> None:
        await self.removal.async_load()

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
                self._create_access_refused_issue()
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
        self._listed = assets
        # The one place that leaves out the locations the user did not choose.
        data = self._index(selected(assets, self.selection))
        self.last_retry_after = None
        for issue_id in (access_refused_issue_id, answers_changed_issue_id):
            ir.async_delete_issue(self.hass, DOMAIN, issue_id(self.config_entry))
        self.removal.async_update(data.assets.keys(), data.points.keys(), contradiction)
        return data

    @property
    def locations(self) -> dict[str, LocationSummary]:
        """Every location of the last listing (the options flow offers them).

        Summed up when asked for, not on every poll: at 10,000 sensor points
        that costs milliseconds that only the options flow and diagnostics need.
        """
        return summarize(self._listed)

    def _create_access_refused_issue(self) -> None:
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            access_refused_issue_id(self.config_entry),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key="access_refused",
            translation_placeholders={"web_app_url": WEB_APP_URL},
        )

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

    def _index(self, assets: list[Asset]) -> SmartSenseData:
        # Comprehensions and locals: at 10,000 sensor points these loops cost
        # milliseconds on every poll.
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
        )
