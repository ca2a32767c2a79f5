"""The SmartSense integration: sensor readings from Digi's SmartSense cloud."""

from __future__ import annotations

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import DEFAULT_BASE_URL, SmartSenseClient
from .backfill import Backfill
from .coordinator import (
    SmartSenseConfigEntry,
    SmartSenseCoordinator,
    SmartSenseRuntimeData,
)

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
    await coordinator.async_config_entry_first_refresh()
    backfill = Backfill(hass, entry, client)
    await backfill.async_load()
    entry.async_on_unload(backfill.async_follow(coordinator))
    entry.runtime_data = SmartSenseRuntimeData(coordinator, backfill)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> bool:
    """Unload a config entry."""
    await entry.runtime_data.backfill.async_save()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
