"""The SmartSense integration: sensor readings from Digi's SmartSense cloud."""

from __future__ import annotations

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .api import DEFAULT_BASE_URL, SmartSenseClient
from .backfill import Backfill
from .const import SIGNAL_REMOVED
from .coordinator import (
    SmartSenseConfigEntry,
    SmartSenseCoordinator,
    SmartSenseRuntimeData,
)
from .ids import asset_of

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> bool:
    """Set up SmartSense from a config entry."""
    client = SmartSenseClient(
        async_get_clientsession(hass),
        entry.data[CONF_CLIENT_ID],
        entry.data[CONF_CLIENT_SECRET],
        base_url=entry.data.get(CONF_URL, DEFAULT_BASE_URL),
    )
    coordinator = SmartSenseCoordinator(hass, entry, client)
    backfill = Backfill(hass, entry, client)
    await backfill.async_load()
    # Before the first poll, which may remove what SmartSense stopped listing.
    entry.async_on_unload(
        async_dispatcher_connect(
            hass, SIGNAL_REMOVED.format(entry.entry_id), backfill.async_forget
        )
    )
    await coordinator.async_config_entry_first_refresh()
    entry.async_on_unload(backfill.async_follow(coordinator))
    entry.runtime_data = SmartSenseRuntimeData(coordinator, backfill)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> bool:
    """Unload a config entry."""
    await entry.runtime_data.backfill.async_save()
    await entry.runtime_data.coordinator.removal.async_save()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmartSenseConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove an asset's device that SmartSense no longer lists."""
    coordinator = entry.runtime_data.coordinator
    asset_id = asset_of(device.identifiers, entry.entry_id)
    if asset_id is None or asset_id in coordinator.data.assets:
        return False
    coordinator.removal.async_forget_device(asset_id, device)
    return True
