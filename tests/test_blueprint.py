"""The "SmartSense sensor out of range" blueprint, as Home Assistant loads it.

Home Assistant's own blueprint schema validates the file; automations made
from it then watch the integration's entities, fed by the simulator, and the
tests check when they run: after the chosen duration out of range or
unavailable, never while the reading is in range.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
import re
import shutil
from typing import Any
from urllib.parse import parse_qs, urlsplit

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation.config import AUTOMATION_BLUEPRINT_SCHEMA
from homeassistant.components.blueprint.models import Blueprint
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util import yaml as yaml_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from simulator import Simulator

from .conftest import advance, entity_id, point_of, push_then_poll

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT_PATH = "smartsense/sensor_out_of_range.yaml"
BLUEPRINT = ROOT / "blueprints" / "automation" / BLUEPRINT_PATH
REPOSITORY = "smartsense-ha/smartsense-homeassistant"
# Five minutes past a report slot, as in test_sensor.py: pushed readings stay
# the newest until the poll after them.
AUTOMATION = "automation.freezer_alert"
QUIET_SLOT = "2026-11-28T03:05:00+00:00"
# Limits in °F around the simulated freezer (about -9 to +5 °F).
LIMITS = {"low": -30, "high": 10}
# The user's actions: a call the test records, with what the blueprint offers.
ACTIONS_INPUT = {
    "actions": [
        {
            "action": "test.alert",
            "data": {
                "why": "{{ trigger.id }}",
                "sensor": "{{ trigger.entity_id }}",
                "reading": "{{ reading }}",
                "unit": "{{ unit }}",
            },
        }
    ]
}


def _load() -> Blueprint:
    return Blueprint(
        yaml_util.load_yaml_dict(BLUEPRINT),
        path=BLUEPRINT_PATH,
        expected_domain="automation",
        schema=AUTOMATION_BLUEPRINT_SCHEMA,
    )


def test_blueprint_passes_home_assistants_schema() -> None:
    """Valid for this Home Assistant; only the sensors must be chosen."""
    blueprint = _load()
    assert blueprint.validate() is None  # min_version is met
    required = [
        name for name, spec in blueprint.inputs.items() if "default" not in spec
    ]
    assert required == ["sensors"]
    assert blueprint.metadata["source_url"] == (
        f"https://github.com/{REPOSITORY}/blob/main/{BLUEPRINT.relative_to(ROOT)}"
    )


def test_readme_import_link_points_at_the_blueprint() -> None:
    """The README's "import blueprint" link opens this file on the main branch."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(
        r"https://my\.home-assistant\.io/redirect/blueprint_import/\?[^)\s\"]+",
        readme,
    )
    assert links, "no import link in the README"
    for link in links:
        (url,) = parse_qs(urlsplit(link).query)["blueprint_url"]
        assert url == (
            f"https://raw.githubusercontent.com/{REPOSITORY}/main/"
            f"{BLUEPRINT.relative_to(ROOT)}"
        )


@dataclass(frozen=True)
class Watch:
    """An automation made from the blueprint, watching the freezer."""

    point_id: str
    sensor: str
    # The calls of the user's actions (test.alert), when the inputs have them.
    calls: list[ServiceCall]


type StartWatch = Callable[..., Awaitable[Watch]]


@pytest.fixture
async def watch(
    hass: HomeAssistant, config_entry: MockConfigEntry, tmp_path: Path
) -> AsyncIterator[StartWatch]:
    """Set up SmartSense (in °F), then make the automation, as the UI saves it."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    hass.config.config_dir = str(tmp_path)
    folder = tmp_path / "blueprints" / "automation" / "smartsense"
    folder.mkdir(parents=True)
    shutil.copy(BLUEPRINT, folder)
    assert await async_setup_component(hass, "persistent_notification", {})
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    point_id = point_of(config_entry, "Freezer", "Temperature")
    sensor = entity_id(hass, "sensor", point_id, "value")
    calls = async_mock_service(hass, "test", "alert")

    async def start(minutes: float, **inputs: Any) -> Watch:
        inputs = {"sensors": [sensor], "duration": {"minutes": minutes}, **inputs}
        assert await async_setup_component(
            hass,
            "automation",
            {
                "automation": {
                    "id": "freezer_alert",
                    "alias": "Freezer alert",
                    "use_blueprint": {"path": BLUEPRINT_PATH, "input": inputs},
                }
            },
        )
        await hass.async_block_till_done()
        assert hass.states.get(AUTOMATION).state == "on"
        return Watch(point_id, sensor, calls)

    yield start
    # Before the entry unloads: its entities turning unavailable would start
    # the automation's unavailability timer.
    await hass.services.async_call(
        "automation", "turn_off", {"entity_id": AUTOMATION}, blocking=True
    )


@pytest.mark.freeze_time(QUIET_SLOT)
@pytest.mark.parametrize(
    ("limit", "excursion"),
    [({"high": LIMITS["high"]}, 12.5), ({"low": LIMITS["low"]}, -31.5)],
    ids=["high", "low"],
)
async def test_excursion_runs_the_actions_after_the_duration(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    watch: StartWatch,
    limit: dict[str, float],
    excursion: float,
) -> None:
    """One limit left empty: the other alone alerts.

    It alerts once the reading has stayed beyond it for the duration; a
    reading in range never does.
    """
    w = await watch(10, **limit, **ACTIONS_INPUT)

    await push_then_poll(hass, freezer, simulator, w.point_id, -4.0)
    await advance(hass, freezer, minutes=11)
    assert w.calls == []  # in range for longer than the duration
    await advance(hass, freezer, minutes=4)  # the next poll: still in range
    assert w.calls == []

    await push_then_poll(hass, freezer, simulator, w.point_id, excursion)
    assert float(hass.states.get(w.sensor).state) == excursion
    await advance(hass, freezer, minutes=9)
    assert w.calls == []  # not yet for 10 minutes
    await advance(hass, freezer, minutes=2)
    assert [call.data for call in w.calls] == [
        {"why": "out_of_range", "sensor": w.sensor, "reading": excursion, "unit": "°F"}
    ]


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_failed_polls_run_the_actions_only_when_long_enough(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    watch: StartWatch,
) -> None:
    """SmartSense unreachable for three polls is an outage that alerts.

    Unreachable for one poll is shorter than the duration: no alert.
    """
    w = await watch(20, **LIMITS, **ACTIONS_INPUT)

    simulator.add_fault("/assets", status=503)
    await advance(hass, freezer)
    assert hass.states.get(w.sensor).state == STATE_UNAVAILABLE
    await advance(hass, freezer)  # the next poll succeeds
    assert hass.states.get(w.sensor).state != STATE_UNAVAILABLE
    await advance(hass, freezer, minutes=10)
    assert w.calls == []

    simulator.add_fault("/assets", status=503, count=3)
    await advance(hass, freezer, minutes=5)  # the next poll fails
    assert hass.states.get(w.sensor).state == STATE_UNAVAILABLE
    await advance(hass, freezer, minutes=19)
    assert w.calls == []
    await advance(hass, freezer, minutes=2)
    assert [(call.data["why"], call.data["sensor"]) for call in w.calls] == [
        ("unavailable", w.sensor)
    ]


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_silent_sensor_runs_the_actions(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    watch: StartWatch,
) -> None:
    """A sensor that stops reporting alerts after the duration.

    It turns unavailable (its reading grows too old) while SmartSense answers.
    """
    w = await watch(10, **LIMITS, **ACTIONS_INPUT)

    simulator.set_offline(w.point_id)
    polls = 0
    while hass.states.get(w.sensor).state != STATE_UNAVAILABLE:
        assert polls < 5, "the silent sensor never became unavailable"
        await advance(hass, freezer)
        polls += 1
    assert w.calls == []
    await advance(hass, freezer, minutes=11)
    assert [call.data["why"] for call in w.calls] == ["unavailable"]


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_default_action_notifies_in_home_assistant(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    watch: StartWatch,
) -> None:
    """Without actions of the user's, a notification names sensor and reading.

    The reading is in the unit Home Assistant shows.
    """
    w = await watch(10, **LIMITS)

    await push_then_poll(hass, freezer, simulator, w.point_id, 20.0)
    await advance(hass, freezer, minutes=11)

    client = await hass_ws_client(hass)
    await client.send_json_auto_id({"type": "persistent_notification/get"})
    notifications = (await client.receive_json())["result"]
    name = hass.states.get(w.sensor).attributes["friendly_name"]
    assert [(n["title"], n["message"]) for n in notifications] == [
        (name, f"{name} has been out of range for 0:10:00: 20.0 °F.")
    ]


@pytest.mark.freeze_time(QUIET_SLOT)
@pytest.mark.timeout(60)  # runs that never end would keep the test waiting
async def test_outage_runs_every_sensors_slow_actions_at_once(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    watch: StartWatch,
) -> None:
    """40 sensors unavailable together: 40 alerts, side by side, none dropped.

    Each alert's action takes a minute; all have run a minute after the
    duration, not one after the other (queued) and none dropped (beyond the
    mode's max).
    """
    rooms = {simulator.add_asset("Room") for _ in range(20)}
    await advance(hass, freezer)  # the poll that lists them
    sensors = sorted(
        entity_id(hass, "sensor", point_id, "value")
        for room in rooms
        for point_id in simulator.sensor_point_ids(asset_id=room)
    )
    actions = [
        {"delay": {"minutes": 1}},
        {"action": "test.alert", "data": {"sensor": "{{ trigger.entity_id }}"}},
    ]
    w = await watch(10, sensors=sensors, actions=actions)

    simulator.add_fault("/assets", status=503, count=3)
    await advance(hass, freezer)  # the next poll fails
    assert {hass.states.get(sensor).state for sensor in sensors} == {STATE_UNAVAILABLE}
    await advance(hass, freezer, minutes=9)
    # Not advance(): waiting for the runs to end would wait for ever, as the
    # clock stands still while their actions wait.
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    assert hass.states.get(AUTOMATION).attributes["current"] == len(sensors)
    assert w.calls == []
    freezer.tick(timedelta(minutes=1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert sorted(call.data["sensor"] for call in w.calls) == sensors
