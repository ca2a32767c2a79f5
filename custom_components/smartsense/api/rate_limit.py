"""Honouring SmartSense's 429 answers: the Retry-After header and the wait it sets."""

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import logging
import math

from .contract import READINGS_PATH
from .errors import SmartSenseRateLimitError

_LOGGER = logging.getLogger(__name__)

# A longer Retry-After is not believed: no wait outlasts an hour, a few polls.
MAX_RETRY_AFTER = 3600.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except TypeError, ValueError:
            return None
        if when.tzinfo is None:  # "-0000": UTC, as far as the date tells
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


class RetryAfterGate:
    """Holds requests back until the wait of SmartSense's last 429 has passed.

    A 429 on readings pauses only readings, so that the asset listing keeps
    live values current; a 429 on anything else pauses every request.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        """Measure waits on ``clock`` (monotonic seconds)."""
        self._clock = clock
        # Per path template (None: every request), when requests may go again.
        self._not_before: dict[str | None, float] = {}
        self._capped = False

    def check(self, template: str) -> None:
        """Raise ``SmartSenseRateLimitError`` while a request to ``template`` must wait."""
        not_before = max(self._not_before.get(scope, 0.0) for scope in (None, template))
        if (wait := not_before - self._clock()) > 0:
            raise SmartSenseRateLimitError(
                "waiting for SmartSense's Retry-After to pass", wait
            )

    def hold(
        self, template: str, path: str, header: str | None
    ) -> SmartSenseRateLimitError:
        """The error of a 429 on ``path``; the wait it asks for, capped, starts."""
        wait = parse_retry_after(header)
        if wait:
            if wait > MAX_RETRY_AFTER and not self._capped:
                self._capped = True
                _LOGGER.warning(
                    "SmartSense asked to wait %.0f seconds before the next request;"
                    " waiting %.0f seconds instead (logged once)",
                    wait,
                    MAX_RETRY_AFTER,
                )
            wait = min(wait, MAX_RETRY_AFTER)
            scope = template if template == READINGS_PATH else None
            self._not_before[scope] = self._clock() + wait
        return SmartSenseRateLimitError(f"SmartSense is rate limiting {path}", wait)
