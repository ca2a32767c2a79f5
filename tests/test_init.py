"""Setting up, polling and unloading an entry against the simulator."""

from __future__ import annotations

from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import Simulator

from .conftest import Integration, advance, integration_warnings, reauth_flows

FREEZER = "sensor.store_8_walk_in_freezer_air_temperature"
AUTH = "/auth/oauth"


def _loaded(entry: MockConfigEntry) -> bool:
    # A function, so that mypy does not hold an earlier state check against it.
    return entry.state is ConfigEntryState.LOADED


async def test_setup_and_unload(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Setting up costs one token and one listing; unloading removes the states."""
    assert simulator.request_counts[AUTH] == 1
    assert simulator.request_counts["/assets"] == 1
    assert hass.states.get(FREEZER) is not None
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE


@pytest.mark.parametrize(
    ("fault", "state"),
    [
        ({"status": 503, "body": "maintenance"}, ConfigEntryState.SETUP_RETRY),
        ({"kind": "disconnect", "count": 2}, ConfigEntryState.SETUP_RETRY),
        ({"kind": "malformed_json"}, ConfigEntryState.SETUP_RETRY),
        ({"status": 429, "retry_after": "60"}, ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_setup_not_ready(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    fault: dict[str, str | int],
    state: ConfigEntryState,
) -> None:
    """An outage at start-up makes Home Assistant retry the setup later."""
    simulator.add_fault("/assets", **fault)  # type: ignore[arg-type]
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is state
    assert not reauth_flows(hass)


async def test_setup_auth_failed_starts_reauth(
    hass: HomeAssistant, config_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """Refused credentials at start-up ask the user to re-authenticate."""
    simulator.rotate_secret("demo", "rotated")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_ERROR
    assert len(reauth_flows(hass)) == 1


async def test_rotated_secret_while_running_starts_reauth(
    hass: HomeAssistant, integration: Integration, simulator: Simulator
) -> None:
    """When the secret is rotated, the next poll asks for reauthentication."""
    simulator.rotate_secret("demo", "rotated")
    await integration.advance()
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    assert len(reauth_flows(hass)) == 1


async def test_one_token_per_lifetime(
    integration: Integration, simulator: Simulator
) -> None:
    """Three hours of polling with hour-long tokens: a renewal each hour."""
    for _ in range(12):
        await integration.advance()
    assert simulator.request_counts["/assets"] == 13
    # Tokens at 0 min, then at 60, 120 and 180 (each 60 s before expiry).
    assert simulator.request_counts[AUTH] == 4


async def test_outage_makes_entities_unavailable_until_it_clears(
    hass: HomeAssistant, integration: Integration, simulator: Simulator
) -> None:
    """A failed poll shows unavailable, not an old value; the next good one heals."""
    simulator.add_fault("/assets", status=500, body="oops")
    await integration.advance()
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    await integration.advance()
    state = hass.states.get(FREEZER)
    assert state.state != STATE_UNAVAILABLE
    assert not reauth_flows(hass)


@pytest.mark.parametrize(
    ("retry_after", "warnings"),
    [
        ("3600", []),
        # A year is capped at an hour, with one warning.
        (
            "31536000",
            [
                "SmartSense asked to wait 31536000 seconds before the next request;"
                " waiting 3600 seconds instead (logged once)"
            ],
        ),
    ],
)
async def test_rate_limit_defers_the_next_poll(
    hass: HomeAssistant,
    integration: Integration,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    retry_after: str,
    warnings: list[str],
) -> None:
    """After a 429 with Retry-After, nothing is asked of SmartSense until then.

    Not even a manual update asks; a poll goes out after an hour at most.
    """
    assert await async_setup_component(hass, "homeassistant", {})
    simulator.add_fault("/assets", status=429, retry_after=retry_after)
    await integration.advance()
    assert simulator.request_counts["/assets"] == 2
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    for _ in range(3):
        await integration.advance()
    await hass.services.async_call(
        "homeassistant", "update_entity", {"entity_id": FREEZER}, blocking=True
    )
    assert simulator.request_counts["/assets"] == 2
    await integration.advance(minutes=16)
    assert simulator.request_counts["/assets"] == 3
    assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE
    assert integration_warnings(caplog) == warnings


async def test_rate_limit_without_retry_after_waits_one_interval(
    integration: Integration, simulator: Simulator
) -> None:
    """A bare 429 never makes the integration poll faster than planned."""
    simulator.add_fault("/assets", status=429, retry_after="5")
    await integration.advance()
    await integration.advance(minutes=1)
    assert simulator.request_counts["/assets"] == 2
    await integration.advance(minutes=14)
    assert simulator.request_counts["/assets"] == 3


async def test_no_backfill_without_the_recorder(
    integration: Integration, simulator: Simulator
) -> None:
    """Without the recorder there are no statistics to fill: nothing is fetched."""
    point_id = simulator.sensor_point_ids()[0]
    simulator.set_offline(point_id)
    for _ in range(3):
        await integration.advance()
    simulator.set_offline(point_id, offline=False)
    for _ in range(6):
        await integration.advance()
    backfill = integration.entry.runtime_data.backfill
    assert backfill.waiting == 0
    assert simulator.request_counts["/sensorpoints/{id}/readings"] == 0


@pytest.mark.parametrize(
    ("retry_after", "reason"),
    [
        ("60", "asks it again in 60 seconds at the earliest"),
        (None, "gave no time to wait"),
    ],
)
async def test_setup_rate_limited_retries_when_smartsense_asks(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    retry_after: str | None,
    reason: str,
) -> None:
    """A 429 at start-up asks setup-retry to wait SmartSense's wait, not 15 min.

    Home Assistant 2026.11 and later retry the setup after the wait given;
    2026.10 uses its own back-off. Either way the entry loads within about a
    minute once SmartSense answers again.
    """
    simulator.add_fault("/assets", status=429, retry_after=retry_after)
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert config_entry.state is ConfigEntryState.SETUP_RETRY
    assert config_entry.reason is not None
    assert reason in config_entry.reason
    await advance(hass, freezer, minutes=1.5)
    assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE
    assert _loaded(config_entry)


async def test_removing_the_entry_leaves_nothing_behind(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    integration: Integration,
    simulator: Simulator,
) -> None:
    """Its devices, entities, stored backfill state and repair issues all go."""
    entry_id = integration.entry.entry_id
    simulator.answer_as("items_paging")
    await integration.advance()  # a listing in a shape we do not know: an issue
    await integration.advance(1)  # the backfill's state is written
    # .storage holds the backfill's state, and only that, of the entry.
    assert [key for key in hass_storage if key.startswith(DOMAIN)] == [
        f"{DOMAIN}.{entry_id}.backfill"
    ]
    issues = ir.async_get(hass).issues
    assert [issue for domain, issue in issues if domain == DOMAIN] == [
        f"answers_changed_assets_{entry_id}"
    ]
    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)

    await hass.config_entries.async_remove(entry_id)
    await hass.async_block_till_done()
    assert [key for key in hass_storage if key.startswith(DOMAIN)] == []
    assert [issue for domain, issue in issues if domain == DOMAIN] == []
    assert dr.async_entries_for_config_entry(dr.async_get(hass), entry_id) == []
    assert er.async_entries_for_config_entry(er.async_get(hass), entry_id) == []
