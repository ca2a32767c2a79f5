"""One odd listing never deletes devices (issue 11, item 2).

Also: devices the user removes.
"""

from __future__ import annotations

import json

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.smartsense.const import DOMAIN
from simulator import DELETE, Account, SimConfig, Simulator
from simulator.api import LYING_PAGE_SIZE

from .conftest import GRACE_MINUTES, Integration, integration_warnings


@pytest.fixture
def sim_config() -> SimConfig:
    """An account of 16 assets, as in the issue."""
    return SimConfig(accounts=[Account(sensor_points=26)])


def _entities(hass: HomeAssistant, entry: MockConfigEntry) -> set[str]:
    return {
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
    }


def _unavailable(integration: Integration) -> int:
    hass = integration.hass
    return sum(
        (state := hass.states.get(entity)) is not None
        and state.state == STATE_UNAVAILABLE
        for entity in _entities(hass, integration.entry)
    )


@pytest.mark.parametrize(
    ("kind", "listed"), [("empty_listing", 0), ("shrunken_listing", 1)]
)
async def test_sudden_drop_removes_nothing(
    integration: Integration,
    simulator: Simulator,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    listed: int,
) -> None:
    """An empty listing, or 1 of 16: kept, unavailable, one warning."""
    hass, entry = integration.hass, integration.entry
    assert len(simulator.asset_ids()) == 16
    devices, entities = integration.devices(), _entities(hass, entry)
    simulator.add_fault("/assets", kind=kind, count=2)
    await integration.advance()
    await integration.advance()
    assert integration.devices() == devices
    assert _entities(hass, entry) == entities
    assert entry.runtime_data.coordinator.last_update_success
    assert _unavailable(integration) > 0
    (warning,) = integration_warnings(caplog)
    assert f"stopped listing {16 - listed} of 16 assets" in warning

    # The assets return: every value is back.
    await integration.advance()
    assert _unavailable(integration) == 0
    assert _entities(hass, entry) == entities


async def test_each_run_of_suspect_listings_is_logged_once(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Two empty listings in a row log one warning; a later run logs again."""
    for _ in range(2):
        simulator.add_fault("/assets", kind="empty_listing", count=2)
        for _ in range(3):  # two empty listings, then a full one
            await integration.advance()
    assert len(integration_warnings(caplog)) == 2
    assert _unavailable(integration) == 0


async def test_empty_listing_at_start_up_removes_nothing(
    integration: Integration, simulator: Simulator
) -> None:
    """After a restart, "known" comes from the registries.

    An empty listing removes nothing there either.
    """
    hass, entry = integration.hass, integration.entry
    devices, entities = integration.devices(), _entities(hass, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    simulator.add_fault("/assets", kind="empty_listing")
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert integration.devices() == devices
    assert _entities(hass, entry) == entities


async def test_lying_total_count_reads_every_asset(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A totalCount equal to the first page's size: all read, nothing removed."""
    entities = _entities(integration.hass, integration.entry)
    pages = 16 // LYING_PAGE_SIZE + 1
    simulator.add_fault("/assets", kind="lying_total", count=pages)
    await integration.advance()
    assert _entities(integration.hass, integration.entry) == entities
    assert _unavailable(integration) == 0
    (warning,) = integration_warnings(caplog)
    assert "contradicts itself" in warning
    assert "runs past totalCount 7" in warning


async def test_repeated_page_removes_nothing(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Paging that repeats a page ends the walk; what it left out is kept."""
    hass, entry = integration.hass, integration.entry
    devices, entities = integration.devices(), _entities(hass, entry)
    first_seven = [
        {"id": asset_id, "name": asset_id, "sensorPoints": []}
        for asset_id in simulator.asset_ids()[:7]
    ]
    for page in (1, 2):
        simulator.add_fault(
            "/assets",
            status=200,
            body=json.dumps(
                {"data": first_seven, "page": page, "pageSize": 7, "totalCount": 16}
            ),
        )
    await integration.advance()
    assert integration.devices() == devices
    assert _entities(hass, entry) == entities
    (warning,) = integration_warnings(caplog)
    assert "page 2 repeats assets" in warning
    await integration.advance()
    assert _unavailable(integration) == 0


async def test_asset_missing_for_one_poll_keeps_its_device(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """One asset left out once: unavailable for a poll, never gone."""
    hass, entry = integration.hass, integration.entry
    devices, entities = integration.devices(), _entities(hass, entry)
    simulator.add_fault("/assets", kind="missing_asset")
    await integration.advance()
    assert integration.devices() == devices
    assert _entities(hass, entry) == entities
    assert _unavailable(integration) > 0
    # One of sixteen is an ordinary change: no warning.
    assert integration_warnings(caplog) == []
    await integration.advance()
    assert _unavailable(integration) == 0
    assert _entities(hass, entry) == entities
    await integration.advance(GRACE_MINUTES)
    assert integration.devices() == devices


async def test_confirmed_drop_is_removed_after_the_grace_period(
    integration: Integration, simulator: Simulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A drop that later listings confirm goes after the grace period."""
    kept, *gone = simulator.asset_ids()
    for asset_id in gone:
        simulator.remove_asset(asset_id)
    await integration.advance()  # sudden: no clock
    await integration.advance()  # confirmed: the clock starts
    await integration.advance(GRACE_MINUTES - 15)
    assert integration.devices() == {kept, *gone}
    await integration.advance()
    assert integration.devices() == {kept}
    assert len(integration_warnings(caplog)) == 1


async def _remove_device(
    hass: HomeAssistant, ws: WebSocketGenerator, device_id: str
) -> bool:
    client = await ws(hass)
    await client.send_json_auto_id(
        {"type": "config/device_registry/remove", "device_id": device_id}
    )
    response = await client.receive_json()
    return bool(response["success"])


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_user_removes_a_device_smartsense_no_longer_lists(
    integration: Integration,
    hass_ws_client: WebSocketGenerator,
    simulator: Simulator,
) -> None:
    """Allowed only for an unlisted asset; never for the account's own device."""
    hass, entry_id = integration.hass, integration.entry.entry_id
    assert await async_setup_component(hass, "config", {})
    registry = dr.async_get(hass)
    listed, unlisted = simulator.asset_ids()[:2]
    points = simulator.sensor_point_ids(asset_id=unlisted)

    def device_id(identifier: str) -> str:
        device = registry.async_get_device_by_identifier((DOMAIN, identifier), entry_id)
        assert device is not None
        return device.id

    service = device_id(entry_id)
    assert not await _remove_device(hass, hass_ws_client, service)
    assert not await _remove_device(hass, hass_ws_client, device_id(listed))
    simulator.patch_asset(unlisted, id=DELETE)
    await integration.advance()
    unlisted_device = device_id(unlisted)
    assert await _remove_device(hass, hass_ws_client, unlisted_device)
    assert registry.async_get(unlisted_device) is None
    assert not {
        entity.unique_id.rpartition(":")[0]
        for entity in er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    } & set(points)
    assert registry.async_get(service) is not None
    assert registry.async_get(device_id(listed)) is not None

    # Should SmartSense list it again, it comes back with its entities.
    simulator.patch_asset(unlisted, id=unlisted)
    await integration.advance()
    device_id(unlisted)
    for point_id in points:
        state = integration.state(Platform.SENSOR, point_id, "last_reading")
        assert state != STATE_UNAVAILABLE
