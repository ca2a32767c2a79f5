"""Benchmark the SmartSense integration at account scale (docs/performance.md).

Each account size (sensor points on the simulator) runs in a worker process of
its own: Home Assistant in-process, as the tests run it, against the simulator
in a further process (so that its work is neither on this event loop nor in
this process's CPU time). A worker measures:

- HTTP requests per poll by path, and the response bytes received;
- token requests over a simulated 24 h of polling (96 polls, 15 min apart; the
  simulator's clock and the client's are advanced, not slept);
- the coordinator update (fetch, decode, parse, index) per poll, wall and CPU
  time, and beside it the CPU time of ``json.loads`` of the very same bodies;
- the longest single event-loop callback during setup and during a poll;
- the time from ``async_setup_entry`` until every entity has a state, and the
  peak RSS growth over setup and polls.

Home Assistant 2026.10 registers at most 10,000 enabled entities per config
entry. Where an account offers more, the size is also run with that cap lifted,
to show what the integration itself costs with all its entities.

Run it as ``scripts/bench``; ``--sizes 10,1000`` runs a subset, ``--json PATH``
keeps the figures.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
import gc
import itertools
import json
import logging
import math
import os
from pathlib import Path
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import const as ha_const, loader
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_platform,
    entity_registry as er,
    frame,
    translation,
)
from homeassistant.helpers.aiohttp_client import async_create_clientsession
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Imported up front, so that no size pays for the first import in its setup.
import custom_components.smartsense as integration  # noqa: E402
from custom_components.smartsense import binary_sensor, sensor  # noqa: E402, F401
from custom_components.smartsense.api import SmartSenseClient, contract  # noqa: E402
from custom_components.smartsense.api.client import TOKEN_MARGIN  # noqa: E402
from custom_components.smartsense.backfill import Backfill  # noqa: E402
from custom_components.smartsense.const import DOMAIN  # noqa: E402
from custom_components.smartsense.coordinator import (  # noqa: E402
    SmartSenseConfigEntry,
    SmartSenseCoordinator,
)

DEFAULT_SIZES = (10, 1_000, 10_000)
POLL_SECONDS = 15 * 60
TOKEN_LIFETIME = 3600
DAY_POLLS = 24 * 3600 // POLL_SECONDS  # 96
HA_POLLS = 5
# Home Assistant saves its registries this long after a change (SAVE_DELAY).
REGISTRY_SAVE_WAIT = 11.0
CLIENT_ID = "demo"
CLIENT_SECRET = "demo-secret"  # noqa: S105 (the simulator's demo account)
SLOW_CALLBACK = 0.050  # seconds; what the targets call an event-loop block

# What the benchmark must show (issue #5).
TARGET_SIZE = 10_000
MAX_TOKENS_PER_DAY = 24
MAX_UPDATE_TO_DECODE = 3.0
MAX_BLOCK_MS = SLOW_CALLBACK * 1000
MAX_SETUP_SECONDS = 5.0


# -- measuring -----------------------------------------------------------------


@dataclass
class Block:
    """One event-loop callback, with the cyclic GC time spent inside it."""

    seconds: float = 0.0
    gc_seconds: float = 0.0
    where: str = ""

    def as_dict(self) -> dict[str, Any]:
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
        self._gc_total = 0.0
        self._gc_started = 0.0
        self.reset()

    def reset(self) -> None:
        self.longest = Block()
        self.longest_without_gc = Block()
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
        original = asyncio.Handle._run  # noqa: SLF001
        clock = time.perf_counter

        def _run(handle: asyncio.Handle) -> None:
            gc_before = self._gc_total
            start = clock()
            try:
                original(handle)
            finally:
                took = clock() - start
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
        slowest = sorted(self.slow, key=lambda block: -block.seconds)
        return {
            "longest": self.longest.as_dict(),
            "longest_without_gc": self.longest_without_gc.as_dict(),
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


async def _named[T](name: str, work: Awaitable[T]) -> T:
    """Run work in a task of its own, so that the probe names its callbacks."""

    async def run() -> T:
        return await work

    return await asyncio.create_task(run(), name=name)


def _memory(key: str) -> int:
    """A memory figure of this process from /proc/self/status, in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def _reset_peak_rss() -> None:
    # Writing 5 to clear_refs resets VmHWM (the peak RSS) to the current RSS.
    Path("/proc/self/clear_refs").write_text("5")


class Clock:
    """Monotonic seconds that the benchmark moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset


@dataclass
class Exchange:
    """Requests and response bodies seen by the client's session."""

    requests: Counter[str] = field(default_factory=Counter)
    bodies: list[bytes] = field(default_factory=list)

    def clear(self) -> None:
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


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


# -- the simulator, in a process of its own --------------------------------------


class SimulatorProcess:
    """``python -m simulator`` on a free loopback port, driven over /_sim/."""

    def __init__(self, sensor_points: int) -> None:
        self.sensor_points = sensor_points
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "simulator",
                "--port",
                "0",
                "--sensor-points",
                str(self.sensor_points),
                "--token-lifetime",
                str(TOKEN_LIFETIME),
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in self._process.stdout or ():
            if line.startswith("SmartSense simulator at "):
                self.url = line.split()[3]
                return
        raise RuntimeError("the simulator did not start")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(
            method, f"{self.url}/_sim{path}", json=body
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def advance(self, seconds: float) -> None:
        await self._call("POST", "/advance", {"seconds": seconds})

    async def request_counts(self) -> dict[str, int]:
        counts: dict[str, int] = await self._call("GET", "/requests")
        return counts

    async def reset_counts(self) -> None:
        await self._call("DELETE", "/requests")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# -- Home Assistant in-process, as pytest-homeassistant-custom-component runs it -


class _Resolver(aiohttp.ThreadedResolver):
    """The system resolver, closed the way Home Assistant closes its own."""

    async def real_close(self) -> None:
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant(config_dir: str) -> AsyncIterator[HomeAssistant]:
    """A Home Assistant like the plugin's ``hass`` fixture, custom integrations on."""
    # Like the plugin's mock_zeroconf_resolver fixture: a plain resolver (only
    # loopback addresses are used) instead of one that starts zeroconf.
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=_Resolver(),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the plugin's enable_custom_integrations fixture does.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            await translation.async_load_integrations(hass, {"homeassistant"})
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


def _entry(url: str) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title="SmartSense",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: url,
        },
    )


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "homeassistant.loader":
            return  # "We found a custom integration smartsense which has not been tested"
        self.messages.append(f"{record.name}: {record.getMessage()}"[:240])


@contextlib.contextmanager
def _counting_offered(offered: Counter[str]) -> Iterator[None]:
    """Count the entities the integration hands to Home Assistant, per platform."""
    original = entity_platform.EntityPlatform._async_schedule_add_entities_for_entry  # noqa: SLF001

    def schedule(
        platform: entity_platform.EntityPlatform,
        new_entities: list[Entity],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        entities = list(new_entities)
        if platform.platform_name == DOMAIN:
            offered[platform.domain] += len(entities)
        original(platform, entities, *args, **kwargs)

    with patch.object(
        entity_platform.EntityPlatform,
        "_async_schedule_add_entities_for_entry",
        schedule,
    ):
        yield


async def measure_setup(
    sim: SimulatorProcess, probe: LoopProbe, config_dir: str, ha_polls: int
) -> dict[str, Any]:
    """Set the integration up in Home Assistant, then poll it a few times."""
    marks: dict[str, float] = {}
    setup_entry = integration.async_setup_entry
    first_refresh = SmartSenseCoordinator.async_config_entry_first_refresh

    async def timed_setup_entry(
        hass: HomeAssistant, entry: SmartSenseConfigEntry
    ) -> bool:
        marks["setup_entry"] = time.perf_counter()
        return await setup_entry(hass, entry)

    async def timed_first_refresh(coordinator: SmartSenseCoordinator) -> None:
        marks["first_refresh"] = time.perf_counter()
        await first_refresh(coordinator)
        marks["first_refresh_done"] = time.perf_counter()

    result: dict[str, Any] = {}
    offered: Counter[str] = Counter()
    async with home_assistant(config_dir) as hass:
        entry = _entry(sim.url)
        entry.add_to_hass(hass)
        await sim.reset_counts()
        gc.collect()
        rss_before = _memory("VmRSS")
        _reset_peak_rss()
        probe.reset()
        cpu = time.process_time()
        start = time.perf_counter()
        with (
            patch.object(integration, "async_setup_entry", timed_setup_entry),
            patch.object(
                SmartSenseCoordinator,
                "async_config_entry_first_refresh",
                timed_first_refresh,
            ),
            _counting_offered(offered),
        ):
            ok = await _named(
                "bench: setup", hass.config_entries.async_setup(entry.entry_id)
            )
            await hass.async_block_till_done()
        all_states = time.perf_counter()
        setup_cpu = time.process_time() - cpu
        setup_blocks = probe.snapshot()
        if not ok or entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"setup failed: {entry.state}")

        coordinator: SmartSenseCoordinator = entry.runtime_data.coordinator
        entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        enabled = [entity for entity in entities if not entity.disabled_by]
        with_state = [e for e in enabled if hass.states.get(e.entity_id) is not None]
        if len(with_state) != len(enabled):
            raise RuntimeError("some enabled entities have no state")
        result["setup"] = {
            "seconds_to_all_states": round(all_states - marks["setup_entry"], 3),
            "first_refresh_seconds": round(
                marks["first_refresh_done"] - marks["first_refresh"], 3
            ),
            "entities_seconds": round(all_states - marks["first_refresh_done"], 3),
            "seconds_from_setup_call": round(all_states - start, 3),
            "cpu_seconds": round(setup_cpu, 3),
            "blocks": setup_blocks,
            "requests": await sim.request_counts(),
            "sensor_points": len(coordinator.data.points),
            "assets": len(coordinator.data.assets),
            "entities_offered": sum(offered.values()),
            "entities_registered": len(entities),
            "entities_enabled": len(enabled),
            "entities_with_state": len(with_state),
            "devices": len(
                dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
            ),
        }

        # Home Assistant writes its registries 10 s after a change: let that
        # happen now (it is Home Assistant's work, measured apart) rather than
        # in the middle of a poll below.
        probe.reset()
        await asyncio.sleep(REGISTRY_SAVE_WAIT)
        await hass.async_block_till_done()
        result["after_setup"] = {
            "seconds": REGISTRY_SAVE_WAIT,
            "blocks": probe.snapshot(),
        }

        result["ha_poll"] = await _poll_in_home_assistant(
            hass, sim, probe, coordinator, ha_polls
        )
        peak = _memory("VmHWM")
        result["rss"] = {
            "before_mib": round(rss_before / 2**20, 1),
            "peak_mib": round(peak / 2**20, 1),
            "growth_mib": round((peak - rss_before) / 2**20, 1),
            "growth_mib_per_1000_points": round(
                (peak - rss_before) / 2**20 / (len(coordinator.data.points) / 1000), 1
            ),
        }
        # What a full cyclic GC pass walks (after the peak RSS was read).
        result["gc_tracked_objects"] = len(gc.get_objects())
        await hass.config_entries.async_unload(entry.entry_id)
    return result


async def _poll_in_home_assistant(
    hass: HomeAssistant,
    sim: SimulatorProcess,
    probe: LoopProbe,
    coordinator: SmartSenseCoordinator,
    polls: int,
) -> dict[str, Any]:
    """Poll with every entity listening: the update plus the state writes."""
    walls: list[float] = []
    cpus: list[float] = []
    blocks: list[dict[str, Any]] = []
    for _ in range(polls):
        # New readings on every point, as 15 minutes later.
        await sim.advance(POLL_SECONDS)
        await sim.reset_counts()
        probe.reset()
        cpu = time.process_time()
        start = time.perf_counter()
        await _named("bench: poll", coordinator.async_refresh())
        await hass.async_block_till_done()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        blocks.append(probe.snapshot())
        if not coordinator.last_update_success:
            raise RuntimeError("a poll failed")
    return {
        "polls": polls,
        "wall_ms_median": _median_ms(walls),
        "cpu_ms_median": _median_ms(cpus),
        "blocks": max(blocks, key=lambda b: float(b["longest"]["ms"])),
        "requests_last_poll": await sim.request_counts(),
    }


async def measure_polls(
    sim: SimulatorProcess, probe: LoopProbe, config_dir: str, polls: int
) -> dict[str, Any]:
    """Drive the coordinator alone through a simulated day of 15-minute polls."""
    async with home_assistant(config_dir) as hass:
        entry = _entry(sim.url)
        entry.add_to_hass(hass)
        exchange = Exchange()
        clock = Clock()
        session = async_create_clientsession(hass, trace_configs=[_tracing(exchange)])
        client = SmartSenseClient(
            session, CLIENT_ID, CLIENT_SECRET, base_url=sim.url, clock=clock
        )
        # Built as async_setup_entry builds it, with no entity listening.
        coordinator = SmartSenseCoordinator(hass, entry, client)
        backfill = Backfill(hass, entry, client)
        await backfill.async_load()
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
            tokens = client.token_requests
            probe.reset()
            cpu = time.process_time()
            start = time.perf_counter()
            await _named("bench: update", coordinator.async_refresh())
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
            token_polls.extend([poll] * (client.token_requests - tokens))
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
            "wall_ms_median": _median_ms(walls),
            "cpu_ms_median": _median_ms(cpus),
            "json_loads_cpu_ms_median": _median_ms(decodes),
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


async def _worker(
    sensor_points: int, phase: str, polls: int, ha_polls: int
) -> dict[str, Any]:
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    probe = LoopProbe()
    sim = SimulatorProcess(sensor_points)
    sim.start()
    result: dict[str, Any] = {"sensor_points": sensor_points}
    try:
        with tempfile.TemporaryDirectory() as config_dir, probe.installed():
            if phase == "setup":
                result.update(await measure_setup(sim, probe, config_dir, ha_polls))
            else:
                result.update(await measure_polls(sim, probe, config_dir, polls))
    finally:
        await sim.close()
        sim.stop()
    result["warnings"] = warnings.messages[:10]
    return result


# -- the run and its report --------------------------------------------------------


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu_model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    memory = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory_gib": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "homeassistant": ha_const.__version__,
        "aiohttp": aiohttp.__version__,
    }


def _run_worker(
    size: int, phase: str, polls: int, ha_polls: int, *, uncapped: bool = False
) -> dict[str, Any]:
    """One phase for one size, in a fresh process: no run inherits another's heap."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            str(size),
            "--phase",
            phase,
            "--out",
            str(out),
            "--polls",
            str(polls),
            "--ha-polls",
            str(ha_polls),
        ]
        if uncapped:
            command.append("--uncapped")
        started = time.perf_counter()
        done = subprocess.run(  # noqa: S603
            command, cwd=ROOT, capture_output=True, text=True, check=False
        )
        if done.returncode:
            sys.stderr.write(done.stderr[-4000:])
            raise SystemExit(f"bench: the worker for {size} sensor points failed")
        result: dict[str, Any] = json.loads(out.read_text())
        result["worker_seconds"] = round(time.perf_counter() - started, 1)
        return result


def _label(run: dict[str, Any]) -> str:
    label = f"{run['sensor_points']:,}"
    return f"{label}, cap lifted" if run["uncapped"] else label


def _ms(block: dict[str, Any]) -> str:
    text = f"{block['ms']:,.0f}"
    return f"{text} (GC {block['gc_ms']:,.0f})" if block["gc_ms"] >= 1 else text


def _rows(runs: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    def each(show: Any) -> list[str]:
        cells = []
        for run in runs:
            try:
                cells.append(str(show(run)))
            except KeyError:
                cells.append("—")
        return cells

    return [
        ("Assets", each(lambda r: f"{r['setup']['assets']:,}")),
        (
            "GET /assets per poll (= ⌈assets / 500⌉?)",
            each(
                lambda r: (
                    f"{r['requests']['assets_requests_per_poll']:g} "
                    f"({'yes' if r['requests']['every_poll_as_expected'] else 'NO'})"
                )
            ),
        ),
        (
            "Requests per poll by path (mean over the day)",
            each(
                lambda r: ", ".join(
                    f"{path} {count:g}"
                    for path, count in sorted(r["requests"]["by_path_per_poll"].items())
                )
            ),
        ),
        (
            "Bytes received per poll",
            each(lambda r: f"{r['requests']['bytes_per_poll']:,}"),
        ),
        (
            "Token requests in 24 h / between renewals",
            each(
                lambda r: (
                    f"{r['tokens']['token_requests']} / "
                    f"{r['tokens']['early_token_requests']}"
                )
            ),
        ),
        (
            "Update wall ms (median)",
            each(lambda r: f"{r['update']['wall_ms_median']:,.1f}"),
        ),
        (
            "Update CPU ms (median)",
            each(lambda r: f"{r['update']['cpu_ms_median']:,.1f}"),
        ),
        (
            "json.loads CPU ms, same bodies (median)",
            each(lambda r: f"{r['update']['json_loads_cpu_ms_median']:,.1f}"),
        ),
        (
            "**Update / json.loads**",
            each(lambda r: f"**{r['update']['update_to_decode']:.2f}**"),
        ),
        (
            "Longest block in an update, ms",
            each(lambda r: _ms(r["update"]["blocks"]["longest"])),
        ),
        (
            "… without cyclic GC, ms",
            each(lambda r: _ms(r["update"]["blocks"]["longest_without_gc"])),
        ),
        (
            "Setup: s to all states (first refresh)",
            each(
                lambda r: (
                    f"{r['setup']['seconds_to_all_states']:.2f} "
                    f"({r['setup']['first_refresh_seconds']:.2f})"
                )
            ),
        ),
        (
            "Entities offered / registered / with state",
            each(
                lambda r: (
                    f"{r['setup']['entities_offered']:,} / "
                    f"{r['setup']['entities_registered']:,} / "
                    f"{r['setup']['entities_with_state']:,}"
                )
            ),
        ),
        (
            "Longest block in setup, ms",
            each(lambda r: _ms(r["setup"]["blocks"]["longest"])),
        ),
        (
            "… without cyclic GC, ms",
            each(lambda r: _ms(r["setup"]["blocks"]["longest_without_gc"])),
        ),
        (
            "Objects tracked by the cyclic GC after setup",
            each(lambda r: f"{r['gc_tracked_objects']:,}"),
        ),
        (
            "Cyclic GC in setup: total s (longest pause ms)",
            each(
                lambda r: (
                    f"{r['setup']['blocks']['gc_ms'] / 1000:.2f} "
                    f"({r['setup']['blocks']['gc_longest_pause_ms']:,.0f})"
                )
            ),
        ),
        (
            "Longest block, HA registry save after setup, ms",
            each(lambda r: _ms(r["after_setup"]["blocks"]["longest"])),
        ),
        (
            "Poll in HA incl. state writes: wall / CPU ms",
            each(
                lambda r: (
                    f"{r['ha_poll']['wall_ms_median']:,.0f} / "
                    f"{r['ha_poll']['cpu_ms_median']:,.0f}"
                )
            ),
        ),
        (
            "Longest block in a poll in HA, ms",
            each(lambda r: _ms(r["ha_poll"]["blocks"]["longest"])),
        ),
        (
            "… without cyclic GC, ms",
            each(lambda r: _ms(r["ha_poll"]["blocks"]["longest_without_gc"])),
        ),
        (
            "Peak RSS growth MiB (per 1,000 points)",
            each(
                lambda r: (
                    f"{r['rss']['growth_mib']:,.0f} "
                    + (
                        f"({r['rss']['growth_mib_per_1000_points']:,.1f})"
                        if r["sensor_points"] >= 1000
                        else "(—)"
                    )
                )
            ),
        ),
    ]


def table(runs: list[dict[str, Any]]) -> str:
    """The figures as a Markdown table, one column per run."""
    header = ["Sensor points", *(_label(run) for run in runs)]
    lines = [
        "| " + " | ".join(header) + " |",
        "| --- |" + " ---: |" * len(runs),
    ]
    lines += ["| " + " | ".join([name, *cells]) + " |" for name, cells in _rows(runs)]
    return "\n".join(lines)


def targets(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each target of issue #5 and whether this run meets it."""
    checks: list[dict[str, Any]] = []

    def check(name: str, ok: bool, figure: str) -> None:
        checks.append({"target": name, "met": ok, "figure": figure})

    polled = [run for run in runs if "update" in run]
    if polled:
        check(
            "requests per poll = ceil(assets / 500), every poll, every size",
            all(run["requests"]["every_poll_as_expected"] for run in polled),
            ", ".join(
                f"{run['requests']['assets_requests_per_poll']:g} for "
                f"{run['setup']['assets']:,} assets"
                for run in polled
            ),
        )
        check(
            "0 token requests between renewals",
            all(run["tokens"]["early_token_requests"] == 0 for run in polled),
            ", ".join(str(run["tokens"]["early_token_requests"]) for run in polled),
        )
        check(
            f"<= {MAX_TOKENS_PER_DAY} token requests per 24 h",
            all(
                run["tokens"]["token_requests"] <= MAX_TOKENS_PER_DAY for run in polled
            ),
            ", ".join(str(run["tokens"]["token_requests"]) for run in polled),
        )
    at_target = [run for run in runs if run["sensor_points"] == TARGET_SIZE]
    for run in at_target:
        suffix = f" ({_label(run)})"
        if "update" in run:
            ratio = run["update"]["update_to_decode"]
            check(
                f"update CPU <= {MAX_UPDATE_TO_DECODE:g}x json.loads{suffix}",
                ratio <= MAX_UPDATE_TO_DECODE,
                f"{ratio:.2f}x",
            )
        longest = max(
            run["setup"]["blocks"]["longest"]["ms"],
            run["ha_poll"]["blocks"]["longest"]["ms"],
            run["update"]["blocks"]["longest"]["ms"] if "update" in run else 0.0,
        )
        check(
            f"no event-loop block over {MAX_BLOCK_MS:g} ms in setup or a poll{suffix}",
            longest <= MAX_BLOCK_MS,
            f"{longest:,.0f} ms",
        )
        seconds = run["setup"]["seconds_to_all_states"]
        check(
            f"setup to all states in under {MAX_SETUP_SECONDS:g} s{suffix}",
            seconds < MAX_SETUP_SECONDS,
            f"{seconds:.2f} s for {run['setup']['entities_with_state']:,} states",
        )
    return checks


def _worker_main(args: argparse.Namespace) -> None:
    cap = (
        patch.object(entity_platform, "MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY", 10**9)
        if args.uncapped
        else contextlib.nullcontext()
    )
    with cap:
        result = asyncio.run(
            _worker(args.worker, args.phase, args.polls, args.ha_polls)
        )
    result["uncapped"] = args.uncapped
    Path(args.out).write_text(json.dumps(result, indent=2))


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("give at least one size of 1 or more")
    return sizes


def main() -> None:
    """Run every size, print the table and the targets, write the JSON."""
    parser = argparse.ArgumentParser(
        prog="scripts/bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        default=list(DEFAULT_SIZES),
        help="sensor points per account, comma-separated (default: 10,1000,10000)",
    )
    parser.add_argument("--json", type=Path, help="also write every figure here")
    parser.add_argument(
        "--polls",
        type=int,
        default=DAY_POLLS,
        help=f"polls of the coordinator alone, 15 min apart (default {DAY_POLLS})",
    )
    parser.add_argument(
        "--ha-polls",
        type=int,
        default=HA_POLLS,
        help=f"polls with every entity in Home Assistant (default {HA_POLLS})",
    )
    parser.add_argument(
        "--no-uncapped",
        action="store_true",
        help="skip the runs with Home Assistant's entity cap lifted",
    )
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--phase", choices=("setup", "update"), help=argparse.SUPPRESS)
    parser.add_argument("--uncapped", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.polls < 0 or args.ha_polls < 1:
        parser.error("--polls must be 0 or more, --ha-polls 1 or more")
    if args.worker is not None:
        _worker_main(args)
        return

    cap = entity_platform.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
    load = os.getloadavg()
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    for size in args.sizes:
        print(f"bench: {size:,} sensor points ...", file=sys.stderr, flush=True)
        run = _run_worker(size, "setup", args.polls, args.ha_polls)
        if args.polls:
            update = _run_worker(size, "update", args.polls, args.ha_polls)
            run["warnings"] += update.pop("warnings")
            run["worker_seconds"] += update.pop("worker_seconds")
            run.update(update)
        runs.append(run)
        if run["setup"]["entities_offered"] > run["setup"]["entities_registered"]:
            if args.no_uncapped:
                continue
            print(
                f"bench: {size:,} sensor points, Home Assistant's cap of {cap:,} "
                "enabled entities per entry lifted ...",
                file=sys.stderr,
                flush=True,
            )
            runs.append(_run_worker(size, "setup", 0, args.ha_polls, uncapped=True))
    report: dict[str, Any] = {
        "command": " ".join(["scripts/bench", *sys.argv[1:]]),
        "machine": machine(),
        # Other work on the machine lengthens wall times and event-loop blocks.
        "load_average": {"before": load, "after": os.getloadavg()},
        "seconds": round(time.perf_counter() - started, 1),
        "entity_cap_per_entry": cap,
        "targets": targets(runs),
        "runs": runs,
    }
    print(table(runs))
    print()
    for check in report["targets"]:
        mark = "met   " if check["met"] else "MISSED"
        print(f"{mark} {check['target']}: {check['figure']}")
    for run in runs:
        for message in run["warnings"]:
            print(f"warning ({_label(run)}): {message}")
    info = report["machine"]
    print(
        f"\n{info['date']}; {info['nproc']} x {info['cpu']}, {info['memory_gib']} GiB; "
        f"Python {info['python']}, Home Assistant {info['homeassistant']}; "
        f"{report['seconds']} s; load average {load[0]:.2f} before, "
        f"{report['load_average']['after'][0]:.2f} after"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"bench: figures written to {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
