"""Set up SmartSense in a real Home Assistant through its HTTP API, as a user would.

One scenario, in order: the config flow with the demo credentials and the
simulator's URL; an entity per sensor point carrying the simulator's values
and units; a YAML automation with a numeric_state trigger that fires on a
freezer excursion; SmartSense rotating the secret, answered through the
re-authentication card's flow; a reconfigure with the next secret; a restart
that brings the entry back with no new flow and one new token; deleting the
entry, which leaves none of its files in `.storage`. The
`home_assistant` fixture fails the test on any deprecation report about our
code in home-assistant.log.
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
ROTATED_SECRET = "rotated-secret"
RECONFIGURED_SECRET = "reconfigured-secret"
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


def _fill(form: dict[str, Any], **values: str) -> dict[str, str]:
    """A form's answer: `values` for the fields it has; it must ask the secret."""
    fields = [field["name"] for field in form["data_schema"]]
    assert "client_secret" in fields, fields
    return {name: values[name] for name in fields}


async def _wait_reloaded_and_current(
    ha: HomeAssistantProcess,
    sim: SimulatorProcess,
    sim_token: str,
    entity_of_point: dict[str, str],
    freezer: str,
) -> None:
    """After a flow that reloads the entry: loaded, no flow left, values current.

    The simulator revoked every token with the old secret, so current values
    prove that the reloaded entry uses the secret just entered.
    """
    await ha.wait_entry_loaded()

    async def available() -> bool | None:
        return None if (await ha.state(freezer))["state"] == "unavailable" else True

    await wait_for(available, f"{freezer} to be available again")
    assert await ha.smartsense_flows() == []
    await _compare_with_simulator(ha, sim, sim_token, entity_of_point, freezer)


async def test_config_flow_entities_automation_reauth_reconfigure_restart(
    home_assistant: HomeAssistantProcess, simulator_process: SimulatorProcess
) -> None:
    """A user's whole first day with the integration, against real processes."""
    ha, sim = home_assistant, simulator_process
    # A token of our own to read what the simulator serves (a new one after
    # each rotation of the secret); then forget it.
    sim_token = await sim.token(CLIENT_ID, CLIENT_SECRET)
    await sim.reset_counts()

    # -- the config flow, through Home Assistant's HTTP API ----------------
    created = await ha.add_smartsense(CLIENT_ID, CLIENT_SECRET, sim.url)
    entry = await ha.wait_entry_loaded()
    assert entry["entry_id"] == created["entry_id"]
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

    # -- SmartSense rotates the secret: the re-authentication card ---------
    await sim.rotate_secret(CLIENT_ID, ROTATED_SECRET)
    sim_token = await sim.token(CLIENT_ID, ROTATED_SECRET)
    # The next poll finds its token revoked and the stored secret refused.
    await ha.call_service("homeassistant", "update_entity", {"entity_id": freezer})

    async def reauth_flow() -> dict[str, Any] | None:
        flows = await ha.smartsense_flows()
        return flows[0] if flows else None

    flow = await wait_for(reauth_flow, "the re-authentication flow")
    assert flow["context"]["source"] == "reauth"
    assert flow["context"]["entry_id"] == entry["entry_id"]
    # The card opens the flow's form, which asks for the new secret.
    form = await ha.get(f"/api/config/config_entries/flow/{flow['flow_id']}")
    assert form["step_id"] == "reauth_confirm"
    result = await ha.post(
        f"/api/config/config_entries/flow/{flow['flow_id']}",
        _fill(form, client_id=CLIENT_ID, client_secret=ROTATED_SECRET),
    )
    assert result["type"] == "abort", result
    assert result["reason"] == "reauth_successful"
    await _wait_reloaded_and_current(ha, sim, sim_token, entity_of_point, freezer)

    # -- reconfigure: the user enters the next secret themselves -----------
    await sim.rotate_secret(CLIENT_ID, RECONFIGURED_SECRET)
    sim_token = await sim.token(CLIENT_ID, RECONFIGURED_SECRET)
    form = await ha.post(
        "/api/config/config_entries/flow",
        {"handler": "smartsense", "entry_id": entry["entry_id"]},
    )
    assert form["step_id"] == "reconfigure"
    result = await ha.post(
        f"/api/config/config_entries/flow/{form['flow_id']}",
        _fill(
            form, client_id=CLIENT_ID, client_secret=RECONFIGURED_SECRET, url=sim.url
        ),
    )
    assert result["type"] == "abort", result
    assert result["reason"] == "reconfigure_successful"
    await _wait_reloaded_and_current(ha, sim, sim_token, entity_of_point, freezer)

    # -- a restart brings the entry back, with one new token --------------
    # (Each reload above made the freezer unavailable for a moment, and its
    # return above 5 fired the automation again: Home Assistant's rule.)
    alerts = (await ha.state("counter.freezer_alerts"))["state"]
    await sim.reset_counts()
    assert await ha.stop() == 0, ha.log_tail()
    await ha.start()
    await ha.wait_running()
    entry_after = await ha.wait_entry_loaded()
    assert entry_after["entry_id"] == entry["entry_id"]
    # No flow in progress: neither a new setup nor a re-authentication.
    assert await ha.smartsense_flows() == []
    states = await ha.states()
    assert set(entity_of_point.values()) <= states.keys()
    assert states[freezer]["state"] not in ("unavailable", "unknown")
    await ha.call_service("homeassistant", "update_entity", {"entity_id": freezer})
    await _compare_with_simulator(ha, sim, sim_token, entity_of_point, freezer)
    # The new process asked for one token (with the reconfigured secret),
    # and reuses it.
    assert (await sim.request_counts())[OAUTH] == 1
    # The counter kept its value, and the restart fired nothing.
    assert (await ha.state("counter.freezer_alerts"))["state"] == alerts
    # Nothing of ours went wrong in either lifetime, beyond the one refusal
    # that asked for re-authentication.
    errors = [
        line
        for line in ha.log_path.read_text(encoding="utf-8").splitlines()
        if (" ERROR " in line or " CRITICAL " in line)
        and "smartsense" in line
        and "Authentication failed while fetching smartsense data" not in line
    ]
    assert errors == []

    # -- deleting the entry leaves nothing of it in .storage ---------------
    storage = ha.config_dir / ".storage"
    prefix = f"smartsense.{entry['entry_id']}."

    def stored() -> list[str]:
        return sorted(path.name for path in storage.glob("smartsense.*"))

    assert stored() == [f"{prefix}backfill"]
    await ha.delete(f"/api/config/config_entries/entry/{entry['entry_id']}")
    assert await ha.smartsense_entries() == []
    assert stored() == []
