"""Diagnostics: useful for a bug report, with nothing secret in them."""

from __future__ import annotations

import json

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from simulator import Simulator

from .conftest import advance


@pytest.mark.freeze_time("2026-11-28T02:50:00+00:00")
async def test_diagnostics(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
    snapshot: SnapshotAssertion,
) -> None:
    """Health and counts; credentials and tokens redacted."""
    simulator.add_fault("/assets", status=429, retry_after="1200")
    await advance(hass, freezer)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_entry
    )
    # The simulator's port changes from run to run.
    assert diagnostics == snapshot(exclude=props("url"))
    assert diagnostics["entry"]["data"]["url"] == simulator.url

    assert diagnostics["coordinator"]["last_update_success"] is False
    assert diagnostics["coordinator"]["last_retry_after"] == 1200
    assert diagnostics["counts"]["sensor_points"] == len(simulator.sensor_point_ids())
    assert diagnostics["unexpected_answers"] == []

    text = json.dumps(diagnostics)
    assert "demo-secret" not in text
    assert '"demo"' not in text
    token = loaded_entry.runtime_data.coordinator.client._token
    assert token
    assert token not in text


async def test_answers_in_another_shape(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    loaded_entry: MockConfigEntry,
    simulator: Simulator,
) -> None:
    """How SmartSense's answers differed: field names and JSON types, no value."""
    simulator.answer_as("epoch_ms")
    await advance(hass, freezer)
    diagnostics = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_entry
    )
    assert diagnostics["unexpected_answers"] == [
        "GET /assets answered 200: in `data[].sensorPoints[].lastReading`, "
        "expected `timestamp` (string); got `timestamp` (number)"
    ]
    text = json.dumps(diagnostics)
    for asset in loaded_entry.runtime_data.coordinator.data.assets.values():
        assert asset.id not in text
        assert asset.name not in text
