"""Setup and polls of the integration in Home Assistant, every entity listening."""

from __future__ import annotations

import asyncio
from collections import Counter
import gc
import time
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

import custom_components.smartsense as integration
from custom_components.smartsense.coordinator import SmartSenseCoordinator
from custom_components.smartsense.runtime import SmartSenseConfigEntry

from .census import census, tracked_ids
from .harness import (
    POLL_SECONDS,
    SimulatorProcess,
    config_entry,
    counting_offered,
    home_assistant,
)
from .probe import LoopProbe, median_ms, memory, named, reset_peak_rss

# Home Assistant saves its registries this long after a change (SAVE_DELAY).
REGISTRY_SAVE_WAIT = 11.0


async def measure_setup(
    sim: SimulatorProcess,
    probe: LoopProbe,
    config_dir: str,
    ha_polls: int,
    *,
    with_census: bool = False,
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
        entry = config_entry(sim.url)
        entry.add_to_hass(hass)
        await sim.reset_counts()
        before = tracked_ids() if with_census else set()
        gc.collect()
        # End this callback here, so that the collection above (the benchmark's
        # own) is not counted as a block of the setup below.
        await asyncio.sleep(0)
        rss_before = memory("VmRSS")
        reset_peak_rss()
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
            counting_offered(offered),
        ):
            ok = await named(
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
        peak = memory("VmHWM")
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
        if with_census:
            result["census"] = census(hass, entry, before)
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
        await named("bench: poll", coordinator.async_refresh())
        await hass.async_block_till_done()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
        blocks.append(probe.snapshot())
        if not coordinator.last_update_success:
            raise RuntimeError("a poll failed")
    return {
        "polls": polls,
        "wall_ms_median": median_ms(walls),
        "cpu_ms_median": median_ms(cpus),
        "blocks": max(blocks, key=lambda b: float(b["longest"]["ms"])),
        "longest_cpu": max(
            (b["longest_cpu"] for b in blocks), key=lambda block: float(block["ms"])
        ),
        "requests_last_poll": await sim.request_counts(),
    }
