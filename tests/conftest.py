"""Fixtures shared by every test: a fresh simulator on loopback per test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
import logging
import os
from pathlib import Path
from typing import Any
from unittest.mock import PropertyMock, patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlowResult,
)
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.smartsense.config_flow import SECTION_ADVANCED
from custom_components.smartsense.const import DOMAIN
from custom_components.smartsense.locations import CONF_LOCATIONS
from custom_components.smartsense.removal import GRACE
from simulator import Account, SimConfig, Simulator

CHECK_ACCOUNT = Path(__file__).parent.parent / "scripts" / "check-account"
# How long SmartSense must stop listing something before it is removed.
GRACE_MINUTES = GRACE.total_seconds() / 60


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration from custom_components."""


@pytest.fixture
def sim_config() -> SimConfig:
    """The simulated SmartSense accounts; tests override it for other shapes."""
    return SimConfig(accounts=[Account(sensor_points=8)])


@pytest.fixture
async def simulator(
    socket_enabled: None, sim_config: SimConfig
) -> AsyncIterator[Simulator]:
    """A SmartSense simulator on 127.0.0.1 (the only address tests may reach)."""
    sim = Simulator(sim_config)
    await sim.start()
    yield sim
    await sim.stop()


@pytest.fixture
def config_entry(simulator: Simulator) -> MockConfigEntry:
    """A config entry of the demo account, pointed at the simulator."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SmartSense",
        # Fixed, so snapshots of ids derived from it stay the same.
        entry_id="01KSMARTSENSETESTENTRY0001",
        unique_id="demo",
        data={
            CONF_CLIENT_ID: "demo",
            CONF_CLIENT_SECRET: "demo-secret",
            CONF_URL: simulator.url,
        },
    )


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, config_entry: MockConfigEntry
) -> MockConfigEntry:
    """The config entry, set up."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.LOADED
    return config_entry


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float = 15
) -> None:
    """Let simulated time pass (Home Assistant's and the simulator's alike)."""
    freezer.tick(timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    # Coordinator refreshes run as background tasks: wait for them too.
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.fixture
def us_customary(hass: HomeAssistant) -> None:
    """A Home Assistant that shows °F."""
    hass.config.units = US_CUSTOMARY_SYSTEM


def reauth_flows(hass: HomeAssistant) -> list[object]:
    """The reauthentication flows in progress."""
    return [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["context"]["source"] == SOURCE_REAUTH
    ]


def integration_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The warnings the integration logged."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING
        and record.name.startswith("custom_components.smartsense")
    ]


def entity_id(hass: HomeAssistant, platform: str, point_id: str, key: str) -> str:
    """The entity id of one aspect (``key``) of a sensor point."""
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{point_id}:{key}"
    )
    assert found is not None, f"no {platform} {key} for {point_id}"
    return found


def point_of(entry: MockConfigEntry, asset_type: str, reading_type: str) -> str:
    """The id of the first sensor point of a kind, as the integration sees it."""
    data = entry.runtime_data.coordinator.data
    point_id: str = next(
        point.id
        for point in data.points.values()
        if point.reading_type == reading_type
        and data.assets[data.asset_of_point[point.id]].asset_type == asset_type
    )
    return point_id


async def enabled_under_limit(
    hass: HomeAssistant, entry: MockConfigEntry, limit: int
) -> set[str]:
    """Set up the entry (added to hass) under a lowered per-entry entity limit.

    Returns the unique ids of the entities that start enabled. The limit (10,000
    enabled entities per entry) is lowered rather than simulating 2,000 points.
    """
    with patch(
        "custom_components.smartsense.entity.MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY",
        limit,
    ):
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    entries = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    return {entity.unique_id for entity in entries if not entity.disabled}


@pytest.fixture
def entity_registry_enabled_by_default() -> Iterator[None]:
    """Create entities that are disabled by default enabled, to test them too."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


async def push_then_poll(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    point_id: str,
    value: float,
) -> None:
    """Deliver a reading just before the next poll, then let that poll run.

    Called right after a poll, so the pushed reading is newer than any reading
    the simulator generates before the poll sees it.
    """
    await advance(hass, freezer, minutes=14)
    simulator.push_reading(point_id, value)
    await advance(hass, freezer, minutes=1.5)


def asset_devices(hass: HomeAssistant, entry: ConfigEntry) -> set[str]:
    """The asset ids of the entry's devices (not the account's own device)."""
    return {
        asset_id
        for device in dr.async_entries_for_config_entry(
            dr.async_get(hass), entry.entry_id
        )
        for domain, asset_id in device.identifiers
        if domain == DOMAIN and asset_id != entry.entry_id
    }


@dataclass
class Integration:
    """A config entry bound to the simulator, and the clock that drives both."""

    hass: HomeAssistant
    freezer: FrozenDateTimeFactory
    simulator: Simulator
    entry: MockConfigEntry

    async def advance(self, minutes: float = 15) -> None:
        """Let simulated time pass, polls included."""
        await advance(self.hass, self.freezer, minutes)

    async def push_then_poll(self, point_id: str, value: float) -> None:
        """Deliver a reading just before the next poll, then let that poll run."""
        await push_then_poll(self.hass, self.freezer, self.simulator, point_id, value)

    def point_of(self, asset_type: str, reading_type: str) -> str:
        """The id of the first sensor point of a kind."""
        return point_of(self.entry, asset_type, reading_type)

    def entity_id(self, platform: str, point_id: str, key: str) -> str:
        """The entity id of one aspect (``key``) of a sensor point."""
        return entity_id(self.hass, platform, point_id, key)

    def state(self, platform: str, point_id: str, key: str) -> str:
        """The state shown for one aspect (``key``) of a sensor point."""
        state = self.hass.states.get(self.entity_id(platform, point_id, key))
        assert state is not None
        return state.state

    def devices(self) -> set[str]:
        """The asset ids of the entry's devices."""
        return asset_devices(self.hass, self.entry)


@pytest.fixture
def integration(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    simulator: Simulator,
    loaded_entry: MockConfigEntry,
) -> Integration:
    """The loaded entry, with the simulator and the clock."""
    return Integration(hass, freezer, simulator, loaded_entry)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots in Home Assistant's format, without volatile ids."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


def user_input(
    url: str, client_id: str = "demo", secret: str = "demo-secret"
) -> dict[str, Any]:
    """What the user form submits: the URL sits in the advanced section."""
    return {
        CONF_CLIENT_ID: client_id,
        CONF_CLIENT_SECRET: secret,
        SECTION_ADVANCED: {CONF_URL: url},
    }


async def through_locations(
    hass: HomeAssistant, result: ConfigFlowResult
) -> ConfigFlowResult:
    """Accept the locations step as shown (all ticked), when the account has one."""
    if result["type"] is FlowResultType.FORM and result["step_id"] == "locations":
        schema = result["data_schema"]
        assert schema is not None
        (field,) = schema.schema
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_LOCATIONS: field.default()}
        )
    return result


async def check_account(
    url: str, client_id: str = "demo", secret: str = "demo-secret"
) -> tuple[int, str]:
    """Run scripts/check-account against ``url``; its exit status and output."""
    env = {
        **os.environ,
        "SMARTSENSE_CLIENT_ID": client_id,
        "SMARTSENSE_CLIENT_SECRET": secret,
        "SMARTSENSE_URL": url,
    }
    process = await asyncio.create_subprocess_exec(
        str(CHECK_ACCOUNT),
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


# Reliability and security (#6): the --soak options, and the guard that fails
# any test whose log records show a secret (see tests/safety.py); the guard that
# fails any test during which Home Assistant reports our use of deprecated API.
from .deprecations import deprecation_guard  # noqa: E402, F401
from .safety import log_guard, pytest_addoption  # noqa: E402, F401

# Every unit test starts from a frozen time, --start-time unless it pins its own
# (see tests/clock.py).
pytest_plugins = ["tests.clock"]
