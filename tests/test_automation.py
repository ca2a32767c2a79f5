"""An automation a user would write: alert when the freezer warms up."""

from __future__ import annotations

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from homeassistant.util.unit_system import US_CUSTOMARY_SYSTEM
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from simulator import Simulator

from .conftest import entity_id, point_of, push_then_poll

AUTOMATION_DOMAIN = "automation"


@pytest.mark.freeze_time("2026-11-28T03:05:00+00:00")
async def test_freezer_excursion_fires_numeric_state_automation(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """A freezer reading above 5 °F triggers the user's automation once."""
    hass.config.units = US_CUSTOMARY_SYSTEM
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    point_id = point_of(config_entry, "Freezer", "Temperature")
    freezer_temperature = entity_id(hass, "sensor", point_id, "value")
    calls: list[ServiceCall] = async_mock_service(hass, "test", "freezer_alert")
    assert await async_setup_component(
        hass,
        AUTOMATION_DOMAIN,
        {
            AUTOMATION_DOMAIN: {
                "alias": "Freezer too warm",
                "triggers": {
                    "trigger": "numeric_state",
                    "entity_id": freezer_temperature,
                    "above": 5,
                },
                "actions": {
                    "action": "test.freezer_alert",
                    "data": {"temperature": "{{ trigger.to_state.state }}"},
                },
            }
        },
    )
    await hass.async_block_till_done()

    await push_then_poll(hass, freezer, simulator, point_id, -4.0)
    assert calls == []
    await push_then_poll(hass, freezer, simulator, point_id, 12.5)
    assert len(calls) == 1
    assert float(calls[0].data["temperature"]) == 12.5
