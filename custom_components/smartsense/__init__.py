"""The SmartSense integration: sensor readings from Digi's SmartSense cloud."""

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.hass_dict import HassKey

from .api import DEFAULT_BASE_URL, SmartSenseClient
from .backfill import Backfill, backfill_store
from .const import DOMAIN
from .coordinator import SmartSenseCoordinator
from .runtime import SmartSenseConfigEntry, SmartSenseRuntimeData

PLATFORMS: list[Platform] = [Platform.BINARY_SENSOR, Platform.SENSOR]

# Each entry's client and the entry data it was made with, kept in memory while
# Home Assistant runs, so that a setup retry or a reload neither asks SmartSense
# before its Retry-After has passed nor requests a token while the client holds
# a valid one. runtime_data cannot hold it: a failed setup never assigns it,
# and Home Assistant deletes it at every unload.
_CLIENTS: HassKey[dict[str, tuple[Mapping[str, Any], SmartSenseClient]]] = HassKey(
    f"{DOMAIN}_clients"
)


async def async_setup_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> bool:
    """Set up SmartSense from a config entry."""
    clients = hass.data.setdefault(_CLIENTS, {})
    kept = clients.get(entry.entry_id)
    if kept is None or kept[0] != entry.data:
        client = SmartSenseClient(
            async_get_clientsession(hass),
            entry.data[CONF_CLIENT_ID],
            entry.data[CONF_CLIENT_SECRET],
            base_url=entry.data.get(CONF_URL, DEFAULT_BASE_URL),
        )
        kept = clients[entry.entry_id] = (entry.data, client)
    coordinator = SmartSenseCoordinator(hass, entry, kept[1])
    backfill = Backfill(coordinator)
    await backfill.async_load()
    await coordinator.async_config_entry_first_refresh()
    runtime = entry.runtime_data = SmartSenseRuntimeData(coordinator, backfill)
    # The first poll: the removal weighs it against the registries; the
    # backfill only accounts for it, as the recorder first compiles the hours
    # it missed while Home Assistant was stopped.
    runtime.removal.async_polled()
    backfill.async_track(coordinator.data)
    # What reacts to every later poll, in this order (the entities' state
    # writes come after: their listeners are added with them).
    for subscriber in (
        runtime.removal.async_polled,
        backfill.async_polled,
        runtime.async_add_new_points,
    ):
        entry.async_on_unload(coordinator.async_add_listener(subscriber))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> bool:
    """Unload a config entry."""
    await entry.runtime_data.backfill.async_save()
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmartSenseConfigEntry) -> None:
    """Forget a removed entry: its client, stored state and repair issues.

    Devices and entities go with the entry (Home Assistant removes them).
    """
    hass.data.get(_CLIENTS, {}).pop(entry.entry_id, None)
    await backfill_store(hass, entry.entry_id).async_remove()
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.endswith(entry.entry_id):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmartSenseConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user remove an asset's device that SmartSense no longer lists."""
    asset_id = next(i for domain, i in device.identifiers if domain == DOMAIN)
    runtime = entry.runtime_data
    if asset_id == entry.entry_id or asset_id in runtime.coordinator.data.assets:
        return False
    runtime.removal.async_forget_device(device)
    return True
