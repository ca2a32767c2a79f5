"""The out-of-range blueprint in a real Home Assistant, as a user sets it up.

The blueprint file goes where importing it puts it; SmartSense is added
through the config flow API and an automation is made from the blueprint
through the automation editor's API. Then the simulator serves an in-range
reading, an excursion and an outage (SmartSense answering 503), and Home
Assistant's traces show what the automation ran for. Polls are asked for with
homeassistant.update_entity and the duration is two seconds, so this takes
seconds beyond Home Assistant's start. A second automation watches 40 sensors
through an outage, with an action that takes two seconds: every alert runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
import shutil
import time
from typing import Any

import pytest

from .harness import ROOT, HomeAssistantProcess, SimulatorProcess, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

BLUEPRINT_PATH = "smartsense/sensor_out_of_range.yaml"
AUTOMATION_ID = "freezer_out_of_range"
AUTOMATION = "automation.freezer_out_of_range"
COUNTER = "counter.freezer_alerts"  # configured by the harness
FOR = timedelta(seconds=2)
# The outage: this many watched sensors turn unavailable together, and the
# user's action for each takes this long (a phone notification, say).
WATCHED = 40
ACTION_TAKES = timedelta(seconds=2)
# What Home Assistant logs when an automation drops a run.
DROPPED = ("Already running", "Maximum number of runs exceeded")


async def _import_blueprint(ha: HomeAssistantProcess) -> None:
    """Put the blueprint where importing it puts it; Home Assistant lists it."""
    folder = ha.config_dir / "blueprints" / "automation" / "smartsense"
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "blueprints" / "automation" / BLUEPRINT_PATH, folder)
    blueprints = await ha.ws({"type": "blueprint/list", "domain": "automation"})
    assert blueprints[BLUEPRINT_PATH]["metadata"]["name"] == (
        "SmartSense sensor out of range"
    )


async def _save_automation(ha: HomeAssistantProcess, inputs: dict[str, Any]) -> None:
    """Save an automation from the blueprint, as the automation editor does."""
    await ha.post(
        f"/api/config/automation/config/{AUTOMATION_ID}",
        {
            "alias": "Freezer out of range",
            "use_blueprint": {"path": BLUEPRINT_PATH, "input": inputs},
        },
    )

    async def automation_on() -> bool | None:
        states = await ha.states()
        return True if states.get(AUTOMATION, {}).get("state") == "on" else None

    await wait_for(automation_on, f"{AUTOMATION} to be on")


def _logged_problems(ha: HomeAssistantProcess) -> list[str]:
    """Warnings and errors of automations, blueprints and templates."""
    return [
        line
        for line in ha.log_path.read_text(encoding="utf-8").splitlines()
        if (" WARNING " in line or " ERROR " in line)
        and any(part in line for part in ("automation", "blueprint", "template"))
    ]


async def _freezer(ha: HomeAssistantProcess, sim: SimulatorProcess) -> tuple[str, str]:
    """The simulated freezer's temperature point and its entity."""
    assets = await sim.assets(await sim.token("demo", "demo-secret"))
    point_id = next(
        point["id"]
        for asset in assets
        if asset["assetType"] == "Freezer"
        for point in asset["sensorPoints"]
        if point["readingType"] == "Temperature"
    )
    registry = await ha.ws({"type": "config/entity_registry/list"})
    entity_id = next(
        item["entity_id"]
        for item in registry
        if item["platform"] == "smartsense" and item["unique_id"] == f"{point_id}:value"
    )
    return point_id, entity_id


async def _nth_run(ha: HomeAssistantProcess, n: int, why: str) -> dict[str, Any]:
    """The automation's n-th run (from 1), once it has finished, from its traces.

    Fails if there are more.
    """

    async def finished() -> dict[str, Any] | None:
        traces: list[dict[str, Any]] = await ha.ws(
            {"type": "trace/list", "domain": "automation", "item_id": AUTOMATION_ID}
        )
        assert len(traces) <= n, traces
        runs = sorted(traces, key=lambda trace: trace["timestamp"]["start"])
        return runs[-1] if len(runs) == n and runs[-1]["state"] == "stopped" else None

    return await wait_for(finished, f"the automation to run for {why}")


async def test_blueprint_automation_alerts_on_excursion_and_outage(
    home_assistant: HomeAssistantProcess, simulator_process: SimulatorProcess
) -> None:
    """An automation from the blueprint runs for an excursion and for an outage.

    Each run comes after the duration; none while the reading is in range.
    """
    ha, sim = home_assistant, simulator_process
    await _import_blueprint(ha)
    await ha.add_smartsense("demo", "demo-secret", sim.url)
    await ha.wait_entry_loaded()
    point_id, freezer = await _freezer(ha, sim)
    assert (await ha.state(freezer))["attributes"]["unit_of_measurement"] == "°F"

    async def poll_shows(value: float | None) -> dict[str, Any]:
        """Ask for polls, as a dashboard would, until the freezer shows `value`.

        `value` None means unavailable. Returns the freezer's state then.
        """
        shows = "unavailable" if value is None else str(value)

        async def shown() -> dict[str, Any] | None:
            state = await ha.state(freezer)
            return state if state["state"] == shows else None

        await ha.call_service("homeassistant", "update_entity", {"entity_id": freezer})
        return await wait_for(shown, f"{freezer} to show {shows}")

    await _save_automation(
        ha,
        {
            "sensors": [freezer],
            "low": -30,
            "high": 10,
            "duration": {"seconds": FOR.seconds},
            "actions": [
                {"action": "counter.increment", "target": {"entity_id": COUNTER}}
            ],
        },
    )

    async def alerts() -> str:
        return str((await ha.state(COUNTER))["state"])

    # -- in range: nothing runs, however long --------------------------------
    await sim.push_reading(point_id, -4.0)
    await poll_shows(-4.0)
    await asyncio.sleep(3 * FOR.total_seconds())
    assert await alerts() == "0"

    # -- an excursion: runs once, after the duration -----------------------
    await sim.push_reading(point_id, 20.0)
    warm = await poll_shows(20.0)
    run = await _nth_run(ha, 1, "the excursion")
    assert run["trigger"] == f"numeric state of {freezer}"
    started = datetime.fromisoformat(run["timestamp"]["start"])
    assert started - datetime.fromisoformat(warm["last_changed"]) >= FOR
    assert await alerts() == "1"

    # -- back in range: nothing more ---------------------------------------
    await sim.push_reading(point_id, -5.0)
    await poll_shows(-5.0)
    await asyncio.sleep(3 * FOR.total_seconds())
    assert await alerts() == "1"

    # -- an outage: SmartSense answers 503, the freezer turns unavailable ---
    await sim.add_fault("/assets", status=503, count=100)
    down = await poll_shows(None)
    run = await _nth_run(ha, 2, "the outage")
    assert run["trigger"] == f"state of {freezer}"
    started = datetime.fromisoformat(run["timestamp"]["start"])
    assert started - datetime.fromisoformat(down["last_changed"]) >= FOR
    assert await alerts() == "2"

    # The automation, its templates and the blueprint logged no problem.
    assert _logged_problems(ha) == []


async def test_blueprint_alerts_for_every_sensor_of_an_outage(
    home_assistant: HomeAssistantProcess,
    simulator_process: SimulatorProcess,
    hass_executable: Path,
    e2e_summary: Callable[[str], None],
) -> None:
    """40 sensors turn unavailable at once: all 40 alerts run, none dropped.

    Each alert's action takes 2 s; they run side by side, not one after the
    other (which would take 80 s), and the log reports no dropped run.
    """
    ha, sim = home_assistant, simulator_process
    await _import_blueprint(ha)
    # 20 rooms beside the demo account's assets: a temperature and a humidity
    # point each, the 40 sensors the automation watches.
    rooms = {await sim.add_asset("Room") for _ in range(WATCHED // 2)}
    await ha.add_smartsense("demo", "demo-secret", sim.url)
    await ha.wait_entry_loaded()
    points = {
        f"{point['id']}:value"
        for asset in await sim.assets(await sim.token("demo", "demo-secret"))
        if asset["id"] in rooms
        for point in asset["sensorPoints"]
    }
    registry = await ha.ws({"type": "config/entity_registry/list"})
    sensors = sorted(
        item["entity_id"]
        for item in registry
        if item["platform"] == "smartsense" and item["unique_id"] in points
    )
    assert len(sensors) == WATCHED
    await _save_automation(
        ha,
        {
            "sensors": sensors,
            "duration": {"seconds": FOR.seconds},
            "actions": [
                {"delay": {"seconds": ACTION_TAKES.seconds}},
                {
                    "action": "persistent_notification.create",
                    "data": {
                        "notification_id": "{{ trigger.entity_id }}",
                        "message": "{{ trigger.id }}",
                    },
                },
                {"action": "counter.increment", "target": {"entity_id": COUNTER}},
            ],
        },
    )

    # SmartSense answers 503: one poll turns every sensor unavailable.
    await sim.add_fault("/assets", status=503, count=100)
    await ha.call_service("homeassistant", "update_entity", {"entity_id": sensors[0]})
    down = time.monotonic()
    states = await ha.states()
    assert {states[sensor]["state"] for sensor in sensors} == {"unavailable"}

    async def alerts() -> int:
        return int((await ha.state(COUNTER))["state"])

    async def all_ran() -> int | None:
        return count if (count := await alerts()) == WATCHED else None

    try:
        # One after the other, they would take WATCHED * ACTION_TAKES (80 s).
        await wait_for(all_ran, f"{WATCHED} alerts", seconds=30)
    finally:
        e2e_summary(
            f"{hass_executable.parent.parent.name}: blueprint outage: "
            f"{await alerts()} of {WATCHED} alerts ran "
            f"({time.monotonic() - down:.1f} s after the sensors turned unavailable)"
        )
    await asyncio.sleep(2 * (FOR + ACTION_TAKES).total_seconds())
    assert await alerts() == WATCHED  # and no more
    notifications = await ha.ws({"type": "persistent_notification/get"})
    assert sorted(
        (item["notification_id"], item["message"]) for item in notifications
    ) == [(sensor, "unavailable") for sensor in sensors]
    log = (ha.config_dir / "home-assistant.log").read_text(encoding="utf-8")
    assert [line for line in log.splitlines() if any(d in line for d in DROPPED)] == []
    assert _logged_problems(ha) == []
