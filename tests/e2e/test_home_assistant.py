"""Set up SmartSense in a real Home Assistant through its HTTP API, as a user would.

One scenario, in order: the config flow with the demo credentials and the
simulator's URL; an entity per sensor point carrying the simulator's values
and units; a YAML automation with a numeric_state trigger that fires on a
freezer excursion; a restart that brings the entry back with no new flow and
one new token.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from homeassistant.util.unit_conversion import (
    PressureConverter,
    TemperatureConverter,
)
import pytest

from .harness import HomeAssistantProcess, SimulatorProcess, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CLIENT_ID = "demo"
CLIENT_SECRET = "demo-secret"
OAUTH = "/auth/oauth"
# SmartSense unit -> Home Assistant unit, where they are the same unit.
UNITS = {"F": "°F", "C": "°C", "%": "%", "Pa": "Pa"}
CONVERTERS = {
    "°F": TemperatureConverter,
    "°C": TemperatureConverter,
    "Pa": PressureConverter,
}
# A reading older than this is shown as unavailable (three report intervals).
STALE_AFTER = timedelta(minutes=45)


def _points(assets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {point["id"]: point for asset in assets for point in asset["sensorPoints"]}


def _mismatch(point: dict[str, Any], state: dict[str, Any]) -> str | None:
    """Why Home Assistant's state does not show the point's reading (None if it does)."""
    reading = point["lastReading"]
    shown = state["state"]
    if reading is None:
        return None if shown == "unknown" else f"{shown!r} instead of unknown"
    taken = datetime.fromisoformat(reading["timestamp"])
    if shown == "unavailable" and datetime.now(UTC) - taken > STALE_AFTER:
        return None  # too old to be shown as current: by design
    value = reading["value"]
    if point["readingType"] == "DoorOpen":
        expected = "on" if value else "off"
        return None if shown == expected else f"{shown!r} instead of {expected!r}"
    unit = state["attributes"].get("unit_of_measurement")
    native_unit = UNITS.get(point["unit"])
    if unit != native_unit:
        # Home Assistant shows the reading in the user's units (Pa -> psi here).
        assert native_unit in CONVERTERS, f"{point['unit']} shown as {unit}"
        value = CONVERTERS[native_unit].convert(value, native_unit, unit)
        tolerance = abs(value) * 0.01 + 0.01
    else:
        tolerance = 1e-6
    try:
        return None if abs(float(shown) - value) <= tolerance else f"{shown} {unit}"
    except ValueError:
        return f"{shown!r} instead of {value}"


async def _compare_with_simulator(
    ha: HomeAssistantProcess,
    sim: SimulatorProcess,
    sim_token: str,
    entity_of_point: dict[str, str],
    refresh_entity: str,
) -> None:
    """Every point's entity shows the simulator's current reading and unit.

    A new reading can land between the two reads, so a difference leads to a
    refresh and one more comparison.
    """
    problems: dict[str, str] = {}
    for _ in range(3):
        points = _points(await sim.assets(sim_token))
        states = await ha.states()
        problems = {}
        for point_id, point in points.items():
            entity_id = entity_of_point[point_id]
            if (problem := _mismatch(point, states[entity_id])) is not None:
                problems[entity_id] = f"{problem} (simulator: {point['lastReading']})"
        if not problems:
            return
        await ha.call_service(
            "homeassistant", "update_entity", {"entity_id": refresh_entity}
        )
    raise AssertionError(f"entities differ from the simulator: {problems}")


async def test_config_flow_entities_automation_and_restart(
    home_assistant: HomeAssistantProcess, simulator_process: SimulatorProcess
) -> None:
    """A user's whole first day with the integration, against real processes."""
    ha, sim = home_assistant, simulator_process
    # A token of our own to read what the simulator serves; then forget it.
    sim_token = await sim.token(CLIENT_ID, CLIENT_SECRET)
    await sim.reset_counts()

    # -- the config flow, through Home Assistant's HTTP API ----------------
    form = await ha.post(
        "/api/config/config_entries/flow",
        {"handler": "smartsense", "show_advanced_options": False},
    )
    assert form["type"] == "form"
    assert form["step_id"] == "user"
    assert [field["name"] for field in form["data_schema"]] == [
        "client_id",
        "client_secret",
        "advanced",
    ]
    result = await ha.post(
        f"/api/config/config_entries/flow/{form['flow_id']}",
        {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "advanced": {"url": sim.url},
        },
    )
    # The demo account spreads over several locations: all of them, as offered.
    assert result["type"] == "form", result
    assert result["step_id"] == "locations"
    (field,) = result["data_schema"]
    options = [option["value"] for option in field["selector"]["select"]["options"]]
    assert options[0] == "all"
    assert len(options) > 2
    assert sorted(field["default"]) == sorted(options)
    result = await ha.post(
        f"/api/config/config_entries/flow/{form['flow_id']}",
        {"locations": field["default"]},
    )
    assert result["type"] == "create_entry", result
    assert result["title"] == "SmartSense"
    entry = await ha.wait_entry_loaded()
    assert entry["entry_id"] == result["result"]["entry_id"]
    # One token checked the credentials; the entry's client asked for its own.
    assert (await sim.request_counts())[OAUTH] == 2

    # -- one entity per sensor point, with the simulator's values ----------
    assets = await sim.assets(sim_token)
    points = _points(assets)
    registry = await ha.ws({"type": "config/entity_registry/list"})
    ours = [item for item in registry if item["platform"] == "smartsense"]
    entity_of_point = {
        item["unique_id"].removesuffix(":value"): item["entity_id"]
        for item in ours
        if item["unique_id"].endswith(":value")
    }
    assert entity_of_point.keys() == points.keys()
    for point_id, entity_id in entity_of_point.items():
        door = points[point_id]["readingType"] == "DoorOpen"
        assert entity_id.startswith("binary_sensor." if door else "sensor.")
    # A device per asset (beside the entry's own service device).
    assert await ha.asset_device_names(entry["entry_id"]) == {
        asset["name"] for asset in assets
    }

    freezer_point = next(
        point
        for asset in assets
        if asset["assetType"] == "Freezer"
        for point in asset["sensorPoints"]
        if point["readingType"] == "Temperature"
    )
    freezer = entity_of_point[freezer_point["id"]]
    await _compare_with_simulator(ha, sim, sim_token, entity_of_point, freezer)
    freezer_state = await ha.state(freezer)
    assert freezer_state["attributes"]["unit_of_measurement"] == "°F"
    assert freezer_state["attributes"]["device_class"] == "temperature"
    assert float(freezer_state["state"]) < 5, "the freezer starts out cold"

    # -- a YAML automation fires on a freezer excursion --------------------
    (ha.config_dir / "automations.yaml").write_text(
        f"""\
- id: freezer_too_warm
  alias: Freezer too warm
  triggers:
    - trigger: numeric_state
      entity_id: {freezer}
      above: 5
  actions:
    - action: counter.increment
      target:
        entity_id: counter.freezer_alerts
""",
        encoding="utf-8",
    )
    await ha.call_service("automation", "reload")
    automation = await ha.state("automation.freezer_too_warm")
    assert automation["state"] == "on"
    assert automation["attributes"]["last_triggered"] is None

    await sim.push_reading(freezer_point["id"], 20.0)
    # The next poll is minutes away: ask for a refresh as a dashboard would.
    await ha.call_service("homeassistant", "update_entity", {"entity_id": freezer})

    async def alerted() -> dict[str, Any] | None:
        counter = await ha.state("counter.freezer_alerts")
        return counter if counter["state"] == "1" else None

    await wait_for(alerted, "the automation to increment the counter")
    assert float((await ha.state(freezer))["state"]) == 20.0
    automation = await ha.state("automation.freezer_too_warm")
    assert automation["attributes"]["last_triggered"] is not None
    # Polls reuse the entry's token.
    assert (await sim.request_counts())[OAUTH] == 2

    # -- a restart brings the entry back, with one new token --------------
    assert await ha.stop() == 0, ha.log_tail()
    await ha.start()
    await ha.wait_running()
    entry_after = await ha.wait_entry_loaded()
    assert entry_after["entry_id"] == entry["entry_id"]
    # No flow in progress: neither a new setup nor a re-authentication.
    assert await ha.ws({"type": "config_entries/flow/progress"}) == []
    states = await ha.states()
    assert set(entity_of_point.values()) <= states.keys()
    assert states[freezer]["state"] not in ("unavailable", "unknown")
    await ha.call_service("homeassistant", "update_entity", {"entity_id": freezer})
    await _compare_with_simulator(ha, sim, sim_token, entity_of_point, freezer)
    # The new process asked for one token, and reuses it.
    assert (await sim.request_counts())[OAUTH] == 3
    assert (await ha.state("counter.freezer_alerts"))["state"] == "1"
    # Nothing of ours went wrong in either lifetime.
    errors = [
        line
        for line in ha.log_path.read_text(encoding="utf-8").splitlines()
        if (" ERROR " in line or " CRITICAL " in line) and "smartsense" in line
    ]
    assert errors == []
