"""The client, with its Retry-After wait and its token, outlives a setup."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_CLIENT_SECRET, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator import Simulator

from .conftest import advance

FREEZER = "sensor.store_8_walk_in_freezer_air_temperature"
AUTH = "/auth/oauth"


def _state(entry: MockConfigEntry) -> ConfigEntryState:
    """The entry's state, read afresh (not narrowed by an earlier assert)."""
    return entry.state


async def test_setup_retries_keep_the_wait_and_the_token(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Setup retries and reloads ask nothing of SmartSense before Retry-After.

    They also reuse the token they already have.
    """
    simulator.add_fault("/assets", status=429, retry_after="600")
    config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert _state(config_entry) is ConfigEntryState.SETUP_RETRY
    # Besides Home Assistant's own retries (2026.10 backs off from 5 s,
    # 2026.11 waits the Retry-After), a reload every minute sets up again.
    for _ in range(9):
        await advance(hass, freezer, minutes=1)
        assert await hass.config_entries.async_reload(config_entry.entry_id) is False
        assert _state(config_entry) is ConfigEntryState.SETUP_RETRY
    assert simulator.request_counts == {AUTH: 1, "/assets": 1}
    not_ready = [r for r in caplog.records if "not ready yet" in r.getMessage()]
    assert len(not_ready) >= 10
    for _ in range(2):
        await advance(hass, freezer, minutes=1)
    assert _state(config_entry) is ConfigEntryState.LOADED
    assert simulator.request_counts == {AUTH: 1, "/assets": 2}
    assert hass.states.get(FREEZER).state != STATE_UNAVAILABLE


async def test_reload_keeps_the_token_until_the_secret_changes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """A reload reuses the valid token; new credentials get a new client."""
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.request_counts[AUTH] == 1
    simulator.rotate_secret("demo", "rotated-secret")
    hass.config_entries.async_update_entry(
        loaded_entry, data={**loaded_entry.data, CONF_CLIENT_SECRET: "rotated-secret"}
    )
    assert await hass.config_entries.async_reload(loaded_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_entry.state is ConfigEntryState.LOADED
    assert simulator.request_counts[AUTH] == 2


async def test_removed_entry_forgets_its_client(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, simulator: Simulator
) -> None:
    """An entry added again after its removal starts with a new token."""
    assert await hass.config_entries.async_remove(loaded_entry.entry_id)
    await hass.async_block_till_done()
    entry = MockConfigEntry(
        domain=loaded_entry.domain,
        entry_id=loaded_entry.entry_id,
        unique_id=loaded_entry.unique_id,
        data=loaded_entry.data,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert simulator.request_counts[AUTH] == 2
