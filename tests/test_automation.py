"""The README's example automations, saved as its steps save them, then run.

Each YAML block is read from the README and saved through the automation
editor's API, which is what "Edit in YAML" and "Save" do; the entity ID is
replaced with the test account's, as the README tells the user to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
import re

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from homeassistant.util import slugify, yaml as yaml_util
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from simulator import Simulator

from .conftest import advance, entity_id, point_of, push_then_poll

README = Path(__file__).resolve().parents[1] / "README.md"
# The entity the README's examples name, and what it is.
README_ENTITY = "sensor.store_12_walk_in_freezer_air_temperature"
README_NAMES = ("Store 12", "Walk-in Freezer", "Air Temperature")
QUIET_SLOT = "2026-11-28T03:05:00+00:00"


def readme_automation(heading: str) -> str:
    """The one YAML block of the README section under ``### heading``."""
    section = README.read_text(encoding="utf-8").split(f"\n### {heading}\n")[1]
    section = re.split(r"\n##+ ", section)[0]
    blocks: list[str] = re.findall(
        r"^```yaml\n(.*?)^```", section, re.MULTILINE | re.DOTALL
    )
    (block,) = blocks
    return block


type Paste = Callable[..., Awaitable[tuple[str, str]]]


def _sensor_id(area: str, device: str, name: str) -> str:
    """A sensor's entity ID as the README says it is made."""
    return f"sensor.{slugify(area)}_{slugify(device)}_{slugify(name)}"


def _freezer(hass: HomeAssistant, entry: MockConfigEntry) -> tuple[str, str]:
    """The test account's freezer temperature point and its entity.

    Its entity ID is made as the README says: area (the location), device and
    entity name.
    """
    assert _sensor_id(*README_NAMES) == README_ENTITY
    point_id = point_of(entry, "Freezer", "Temperature")
    freezer = entity_id(hass, "sensor", point_id, "value")
    data = entry.runtime_data.coordinator.data
    asset = data.assets[data.asset_of_point[point_id]]
    assert asset.location is not None
    assert freezer == _sensor_id(
        asset.location.name, asset.name, data.points[point_id].name
    )
    return point_id, freezer


@pytest.fixture
async def paste(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    config_entry: MockConfigEntry,
    tmp_path: Path,
) -> Paste:
    """Set up SmartSense, then paste a README example into the automation editor.

    Saving writes automations.yaml, which the default configuration.yaml
    includes, and reloads the automations. The example's entity ID becomes
    the test account's freezer. Returns its point and entity.
    """
    hass.config.config_dir = str(tmp_path)
    (tmp_path / "configuration.yaml").write_text(
        "automation: !include automations.yaml\n", encoding="utf-8"
    )
    (tmp_path / "automations.yaml").write_text("[]\n", encoding="utf-8")
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "automation", {})
    assert await async_setup_component(hass, "config", {})

    async def paste(heading: str, *, polling: bool = True) -> tuple[str, str]:
        config_entry.add_to_hass(hass)
        hass.config_entries.async_update_entry(
            config_entry, pref_disable_polling=not polling
        )
        assert await hass.config_entries.async_setup(config_entry.entry_id)
        await hass.async_block_till_done()
        point_id, freezer = _freezer(hass, config_entry)
        block = readme_automation(heading)
        assert README_ENTITY in block
        automation = yaml_util.parse_yaml(block.replace(README_ENTITY, freezer))
        assert isinstance(automation, dict), "an automation, not a list of them"
        client = await hass_client()
        resp = await client.post(
            "/api/config/automation/config/readme_example", json=automation
        )
        assert resp.status == 200, await resp.text()
        await hass.async_block_till_done()
        return point_id, freezer

    return paste


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_readme_freezer_automation_notifies_after_ten_minutes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    paste: Paste,
) -> None:
    """The README's "Freezer too warm": one notification, 10 min above 5 °F."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    calls = async_mock_service(hass, "notify", "mobile_app_my_phone")
    point_id, freezer_temperature = await paste("Write your own automation")
    assert hass.states.get("automation.freezer_too_warm").state == "on"

    await push_then_poll(hass, freezer, simulator, point_id, -4.0)
    await push_then_poll(hass, freezer, simulator, point_id, 12.5)
    await advance(hass, freezer, minutes=9)
    assert calls == []
    await advance(hass, freezer, minutes=2)
    name = hass.states.get(freezer_temperature).attributes["friendly_name"]
    assert [call.data for call in calls] == [
        {"title": "Freezer too warm", "message": f"{name} is at 12.5 °F."}
    ]


@pytest.mark.freeze_time(QUIET_SLOT)
async def test_readme_polling_automation_polls_every_30_minutes(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    paste: Paste,
) -> None:
    """The README's own schedule: polling off, one poll at :00 and :30."""
    await paste("Polling on your own schedule", polling=False)
    polls = simulator.request_counts["/assets"]

    await advance(hass, freezer, minutes=24)  # 03:29, past a polling interval
    assert simulator.request_counts["/assets"] == polls
    await advance(hass, freezer, minutes=1.5)  # 03:30:30
    assert simulator.request_counts["/assets"] == polls + 1
    await advance(hass, freezer, minutes=29)  # 03:59:30
    assert simulator.request_counts["/assets"] == polls + 1
    await advance(hass, freezer, minutes=1)  # 04:00:30
    assert simulator.request_counts["/assets"] == polls + 2
    await hass.services.async_call(
        "automation",
        "turn_off",
        {"entity_id": "automation.poll_smartsense_every_30_minutes"},
        blocking=True,
    )
