"""The coordinator alone through a simulated day of polls: requests, tokens, CPU."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import itertools
import json
import math
import statistics
import time
from types import SimpleNamespace
from typing import Any

import aiohttp
from homeassistant.helpers.aiohttp_client import async_create_clientsession

from custom_components.smartsense.api import SmartSenseClient, contract
from custom_components.smartsense.api.token import AUTH_PATH, TOKEN_MARGIN
from custom_components.smartsense.backfill import Backfill
from custom_components.smartsense.coordinator import SmartSenseCoordinator
from custom_components.smartsense.runtime import SmartSenseRuntimeData

from .harness import (
    CLIENT_ID,
    CLIENT_SECRET,
    POLL_SECONDS,
    TOKEN_LIFETIME,
    SimulatorProcess,
    config_entry,
    home_assistant,
)
from .probe import LoopProbe, median_ms, named


class Clock:
    """Monotonic seconds that the benchmark moves forward."""

    def __init__(self) -> None:
        """Start at the real monotonic time."""
        self.offset = 0.0

    def __call__(self) -> float:
        """The monotonic time plus how far the benchmark moved it."""
        return time.monotonic() + self.offset


@dataclass
class Exchange:
    """Requests and response bodies seen by the client's session."""

    requests: Counter[str] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)

    def clear(self) -> None:
        """Forget what was seen so far."""
        self.requests.clear()
        self.bodies.clear()


def _tracing(exchange: Exchange) -> aiohttp.TraceConfig:
    async def on_request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        exchange.requests[params.url.path] += 1

    async def on_chunk(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceResponseChunkReceivedParams,
    ) -> None:
        # aiohttp passes the whole body once, when the client reads it.
        exchange.bodies.append(params.chunk)

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    trace.on_response_chunk_received.append(on_chunk)
    return trace


async def measure_polls(
    sim: SimulatorProcess, probe: LoopProbe, config_dir: str, polls: int
) -> dict[str, Any]:
    """Drive the coordinator alone through a simulated day of 15-minute polls."""
    async with home_assistant(config_dir) as hass:
        entry = config_entry(sim.url)
        entry.add_to_hass(hass)
        exchange = Exchange()
        clock = Clock()
        session = async_create_clientsession(hass, trace_configs=[_tracing(exchange)])
        client = SmartSenseClient(
            session, CLIENT_ID, CLIENT_SECRET, base_url=sim.url, clock=clock
        )
        # Built as async_setup_entry builds it, with no entity listening. The
        # removal subscribes as there (its bookkeeping was part of the update
        # before it became a subscriber); the backfill, never part of this
        # figure, does not.
        coordinator = SmartSenseCoordinator(hass, entry, client)
        backfill = Backfill(coordinator)
        await backfill.async_load()
        runtime = SmartSenseRuntimeData(coordinator, backfill)
        coordinator.async_add_listener(runtime.removal.async_polled)
        await sim.reset_counts()

        walls: list[float] = []
        cpus: list[float] = []
        decodes: list[float] = []
        received: list[int] = []
        asset_requests: list[int] = []
        expected: list[int] = []
        token_polls: list[int] = []
        blocks: list[dict[str, Any]] = []
        paths: Counter[str] = Counter()
        for poll in range(polls):
            if poll:
                await sim.advance(POLL_SECONDS)
                clock.offset += POLL_SECONDS
            exchange.clear()
            probe.reset()
            cpu = time.process_time()
            start = time.perf_counter()
            await named("bench: update", coordinator.async_refresh())
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            blocks.append(probe.snapshot())
            if not coordinator.last_update_success:
                raise RuntimeError(f"poll {poll} failed")
            # The same bodies again, decoded by json.loads alone.
            cpu = time.process_time()
            for body in exchange.bodies:
                json.loads(body)
            decodes.append(time.process_time() - cpu)
            received.append(sum(len(body) for body in exchange.bodies))
            asset_requests.append(exchange.requests[contract.ASSETS_PATH])
            expected.append(
                math.ceil(len(coordinator.data.assets) / contract.MAX_PAGE_SIZE)
            )
            paths.update(exchange.requests)
            token_polls.extend([poll] * exchange.requests[AUTH_PATH])
        await coordinator.async_shutdown()
        sim_counts = await sim.request_counts()

    # A token request is early when the token before it had more than the
    # client's safety margin left: that would be a request between renewals.
    usable = TOKEN_LIFETIME - TOKEN_MARGIN
    early = sum(
        1
        for before, after in itertools.pairwise(token_polls)
        if (after - before) * POLL_SECONDS < usable
    )
    return {
        "update": {
            "polls": polls,
            "wall_ms_median": median_ms(walls),
            "cpu_ms_median": median_ms(cpus),
            "json_loads_cpu_ms_median": median_ms(decodes),
            "update_to_decode": round(
                statistics.median(cpus) / statistics.median(decodes), 2
            ),
            "cpu_ms_per_poll": [round(cpu * 1000, 1) for cpu in cpus],
            "json_loads_cpu_ms_per_poll": [round(cpu * 1000, 2) for cpu in decodes],
            "blocks": max(blocks, key=lambda b: float(b["longest"]["ms"])),
        },
        "requests": {
            "assets_requests_per_poll": statistics.median(asset_requests),
            "expected_per_poll": expected[-1],
            "every_poll_as_expected": asset_requests == expected,
            "by_path_per_poll": {
                path: round(count / polls, 2) for path, count in paths.items()
            },
            "simulator_counts_over_day": sim_counts,
            "bytes_per_poll": int(statistics.median(received)),
        },
        "tokens": {
            "simulated_hours": polls * POLL_SECONDS / 3600,
            "token_requests": len(token_polls),
            "polls_with_token_request": token_polls,
            "early_token_requests": early,
        },
    }
