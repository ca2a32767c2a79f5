"""Honouring SmartSense's 429 answers: the Retry-After header and the wait it sets."""

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import logging
import math

from .errors import SmartSenseRateLimitError

_LOGGER = logging.getLogger(__name__)

# A longer Retry-After is not believed: no wait outlasts an hour, a few polls.
MAX_RETRY_AFTER = 3600.0
# The kind of request whose 429 pauses only its own kind (history, never urgent).
READINGS = "readings"
_ALL = "all"


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
        # Monotonic time before which no request of a kind (or _ALL) may go out.
        self._not_before: dict[str, float] = {}
        self._capped = False

    def check(self, kind: str) -> None:
        """Raise ``SmartSenseRateLimitError`` while a request of ``kind`` must wait."""
        not_before = max(self._not_before.get(scope, 0.0) for scope in (_ALL, kind))
        if (wait := not_before - self._clock()) > 0:
            raise SmartSenseRateLimitError(
                "waiting for SmartSense's Retry-After to pass", wait
            )

    def hold(
        self, kind: str, path: str, header: str | None
    ) -> SmartSenseRateLimitError:
        """The error of a 429 on ``kind``; the wait it asks for, capped, starts."""
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
            scope = kind if kind == READINGS else _ALL
            self._not_before[scope] = self._clock() + wait
        return SmartSenseRateLimitError(f"SmartSense is rate limiting {path}", wait)
