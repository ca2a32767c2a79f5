"""Injected failures, queued per request path prefix."""

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
import json

from aiohttp import web

# Faults that change what the asset listing holds: no asset at all; only the
# first asset; all but the first; pages cut to LYING_PAGE_SIZE assets whose
# totalCount counts only the page itself.
LISTING_KINDS = frozenset(
    {"empty_listing", "shrunken_listing", "missing_asset", "lying_total"}
)


def listed_under[T](kind: str | None, assets: Sequence[T]) -> Sequence[T]:
    """The assets a listing fault of this kind lists (lying_total: all of them)."""
    match kind:
        case "empty_listing":
            return assets[:0]
        case "shrunken_listing":
            return assets[:1]
        case "missing_asset":
            return assets[1:]
    return assets


KINDS = (
    frozenset(
        {
            "malformed_json",
            "truncated",
            "wrong_content_type",
            "disconnect",
            "repeat_page",
        }
    )
    | LISTING_KINDS
)


@dataclass(slots=True)
class Fault:
    """How the next requests to a path fail: a status, a delay or a kind."""

    remaining: int
    status: int | None = None
    body: str | None = None
    retry_after: str | None = None
    delay: float | None = None
    kind: str | None = None
    # A timed fault answers every request until then (simulator clock, epoch
    # seconds), however many there are; `remaining` does not apply to it.
    until: float | None = None

    def status_response(self, status: int) -> web.Response:
        """The injected answer: the body given (JSON if it parses) or a short text."""
        headers = {} if self.retry_after is None else {"Retry-After": self.retry_after}
        text = self.body if self.body is not None else f"{status}: injected fault"
        try:
            json.loads(text)
        except ValueError:
            content_type = "text/plain"
        else:
            content_type = "application/json"
        return web.Response(
            status=status, text=text, content_type=content_type, headers=headers
        )


class FaultQueue:
    """Faults waiting per path prefix, used in the order they were added."""

    def __init__(self) -> None:
        """Start with no fault queued."""
        self._queues: dict[str, deque[Fault]] = {}

    def add(self, path: str, fault: Fault) -> None:
        """Queue ``fault`` for requests whose path starts with ``path``."""
        if fault.remaining < 1:
            raise ValueError("count must be at least 1")
        if fault.kind is not None and fault.kind not in KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}")
        if fault.kind is not None and fault.status is not None:
            raise ValueError("give a status or a kind, not both")
        if fault.kind is None and fault.status is None and fault.delay is None:
            raise ValueError("a fault needs a status, a kind or a delay")
        if (
            fault.kind == "repeat_page" or fault.kind in LISTING_KINDS
        ) and not path.startswith("/assets"):
            raise ValueError(f"{fault.kind} applies to /assets only")
        self._queues.setdefault(path, deque()).append(fault)

    def clear(self) -> None:
        """Drop every queued fault."""
        self._queues.clear()

    def pending(self) -> int:
        """Uses left of the counted faults queued (timed ones not included)."""
        return sum(
            fault.remaining
            for queue in self._queues.values()
            for fault in queue
            if fault.until is None
        )

    def take(self, path: str, now: float) -> Fault | None:
        """Consume one use of the next fault queued for the longest matching prefix."""
        for queue in self._queues.values():
            while queue and queue[0].until is not None and queue[0].until <= now:
                queue.popleft()
        matching = [
            p for p, queue in self._queues.items() if queue and path.startswith(p)
        ]
        if not matching:
            return None
        queue = self._queues[max(matching, key=len)]
        fault = queue[0]
        if fault.until is None:
            fault.remaining -= 1
            if fault.remaining == 0:
                queue.popleft()
        return fault
