"""What the benchmark measures with: event-loop callbacks, GC passes, memory."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
import contextlib
from dataclasses import dataclass
import gc
from pathlib import Path
import statistics
import time
from typing import Any
from unittest.mock import patch

SLOW_CALLBACK = 0.050  # seconds; what the targets call an event-loop block


@dataclass
class Block:
    """One event-loop callback, with the cyclic GC time spent inside it."""

    seconds: float = 0.0
    gc_seconds: float = 0.0
    where: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The block in milliseconds, as the report shows it."""
        return {
            "ms": round(self.seconds * 1000, 1),
            "gc_ms": round(self.gc_seconds * 1000, 1),
            "where": self.where,
        }


class LoopProbe:
    """Times every callback the event loop runs, and every cyclic GC pass.

    A callback's duration is what asyncio's debug mode compares with
    ``slow_callback_duration`` (the run of one ``Handle``), measured here
    without debug mode's other costs. An eager task's first step runs inside
    its creator's callback and counts there: it blocks the loop there.
    """

    def __init__(self) -> None:
        """Start with nothing measured; ``installed`` starts measuring."""
        self._gc_total = 0.0
        self._gc_started = 0.0
        self.reset()

    def reset(self) -> None:
        """Forget the blocks and GC pauses seen so far (GC time counts from here)."""
        self.longest = Block()
        self.longest_without_gc = Block()
        # The callback that used the most CPU time (this thread's): unlike the
        # wall-clock blocks, other load on the machine does not lengthen it.
        self.longest_cpu = Block()
        self.slow: list[Block] = []
        self._gc_at_reset = self._gc_total
        self.gc_longest_pause = 0.0

    def _on_gc(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            return
        pause = time.perf_counter() - self._gc_started
        self._gc_total += pause
        self.gc_longest_pause = max(self.gc_longest_pause, pause)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        """Time every callback and GC pass while the context is open."""
        original = asyncio.Handle._run  # noqa: SLF001
        clock, cpu_clock = time.perf_counter, time.thread_time

        def _run(handle: asyncio.Handle) -> None:
            gc_before = self._gc_total
            start, cpu_start = clock(), cpu_clock()
            try:
                original(handle)
            finally:
                took = clock() - start
                cpu = cpu_clock() - cpu_start
                if cpu > self.longest_cpu.seconds:
                    self.longest_cpu = Block(
                        cpu, self._gc_total - gc_before, _describe(handle)
                    )
                net = took - (self._gc_total - gc_before)
                if took > self.longest.seconds or net > self.longest_without_gc.seconds:
                    self._record(handle, took, self._gc_total - gc_before)
                elif took >= SLOW_CALLBACK:
                    self.slow.append(
                        Block(took, self._gc_total - gc_before, _describe(handle))
                    )

        gc.callbacks.append(self._on_gc)
        try:
            with patch.object(asyncio.Handle, "_run", _run):
                yield
        finally:
            gc.callbacks.remove(self._on_gc)

    def _record(self, handle: asyncio.Handle, took: float, gc_seconds: float) -> None:
        block = Block(took, gc_seconds, _describe(handle))
        if took > self.longest.seconds:
            self.longest = block
        if took - gc_seconds > self.longest_without_gc.seconds:
            self.longest_without_gc = Block(took - gc_seconds, 0.0, block.where)
        if took >= SLOW_CALLBACK:
            self.slow.append(block)

    def snapshot(self) -> dict[str, Any]:
        """The longest and the slow blocks and the GC time since the last reset."""
        slowest = sorted(self.slow, key=lambda block: -block.seconds)
        return {
            "longest": self.longest.as_dict(),
            "longest_without_gc": self.longest_without_gc.as_dict(),
            "longest_cpu": self.longest_cpu.as_dict(),
            "over_50ms": len(self.slow),
            "slowest": [block.as_dict() for block in slowest[:5]],
            "gc_ms": round((self._gc_total - self._gc_at_reset) * 1000, 1),
            "gc_longest_pause_ms": round(self.gc_longest_pause * 1000, 1),
        }


def _describe(handle: asyncio.Handle) -> str:
    callback = getattr(handle, "_callback", None)
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, asyncio.Task):
        coro = owner.get_coro()
        name = getattr(coro, "__qualname__", type(coro).__name__)
        return f"task {owner.get_name()!r} ({name})"
    return repr(handle)[:160]


async def named[T](name: str, work: Awaitable[T]) -> T:
    """Run work in a task of its own, so that the probe names its callbacks."""

    async def run() -> T:
        return await work

    return await asyncio.create_task(run(), name=name)


def memory(key: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def reset_peak_rss() -> None:
    """Reset the peak RSS of this process to its current RSS."""
    # Writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS.
    Path("/proc/self/clear_refs").write_text("5")


def median_ms(values: list[float]) -> float:
    """The median of seconds, in milliseconds."""
    return round(statistics.median(values) * 1000, 2)
