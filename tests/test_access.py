"""Refused credentials ask for reauthentication; refused data is an outage."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.smartsense.const import DOMAIN
from simulator import Simulator

from .conftest import advance, reauth_flows

FREEZER = "sensor.store_8_walk_in_freezer_air_temperature"
AUTH = "/auth/oauth"
ISSUE = "access_refused_01KSMARTSENSETESTENTRY0001"


async def test_burst_of_data_401s_is_an_outage(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A poll whose data is refused with a fresh token fails like any outage.

    No reauthentication: the entities are unavailable for that poll, polling
    goes on as planned and the next poll brings them back.
    """
    simulator.add_fault("/assets", status=401, count=2)
    await advance(hass, freezer)
    assert simulator.request_counts["/assets"] == 3
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert not reauth_flows(hass)
    assert loaded_entry.runtime_data.coordinator.last_exception.translation_key == (
        "access_refused"
    )
    await advance(hass, freezer)
    assert simulator.request_counts["/assets"] == 4
    assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE
    assert not reauth_flows(hass)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


async def test_data_refused_for_a_day_raises_a_repair_issue(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """After a day of refused data, a repair issue says so; a good poll clears it.

    The day counts from the first refused poll; polling never stops.
    """
    issues = ir.async_get(hass)
    simulator.refuse_data()
    await advance(hass, freezer)  # the first refused poll
    polls = simulator.request_counts["/assets"]
    for _ in range(4 * 24 - 1):
        await advance(hass, freezer)
    # 23 h 45 min after the first refusal, with a poll every 15 minutes.
    assert simulator.request_counts["/assets"] == polls + 2 * (4 * 24 - 1)
    assert issues.async_get_issue(DOMAIN, ISSUE) is None
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    await advance(hass, freezer)
    issue = issues.async_get_issue(DOMAIN, ISSUE)
    assert issue is not None
    assert issue.translation_key == "access_refused"
    assert not issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    assert not reauth_flows(hass)

    simulator.refuse_data(refused=False)
    await advance(hass, freezer)
    assert issues.async_get_issue(DOMAIN, ISSUE) is None
    assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE


async def test_a_good_poll_restarts_the_day(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """Refusals with a good poll between them never add up to a day."""
    issues = ir.async_get(hass)
    for _ in range(2):
        simulator.refuse_data()
        await advance(hass, freezer)  # the first refused poll
        await advance(hass, freezer, minutes=23 * 60)
        assert issues.async_get_issue(DOMAIN, ISSUE) is None
        simulator.refuse_data(refused=False)
        await advance(hass, freezer)
    simulator.refuse_data()
    await advance(hass, freezer)
    await advance(hass, freezer, minutes=24 * 60)
    assert issues.async_get_issue(DOMAIN, ISSUE) is not None


async def test_removing_the_entry_removes_the_issue(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """The repair issue does not outlive its entry."""
    simulator.refuse_data()
    await advance(hass, freezer)
    await advance(hass, freezer, minutes=24 * 60)
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is not None
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert ir.async_get(hass).async_get_issue(DOMAIN, ISSUE) is None


@pytest.mark.parametrize(
    ("status", "body", "reauth"),
    [
        (401, "401: invalid client credentials", True),
        (400, '{"error": "invalid_client"}', True),
        (400, '{"error": "invalid_request"}', False),
        (403, "403: forbidden", False),
    ],
)
async def test_only_refused_credentials_start_reauth(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    status: int,
    body: str,
    reauth: bool,
) -> None:
    """The token endpoint's 401 or invalid_client asks the user; nothing else."""
    simulator.revoke_tokens()
    simulator.add_fault(AUTH, status=status, body=body)
    await advance(hass, freezer)
    assert hass.states.get(FREEZER).state == STATE_UNAVAILABLE
    assert len(reauth_flows(hass)) == reauth
    if not reauth:
        await advance(hass, freezer)
        assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE
