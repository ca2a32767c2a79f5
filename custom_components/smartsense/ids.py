"""Unique ids and device identifiers of SmartSense, built and read here only.

An entity of a sensor point is ``"{point id}:{key}"``, with SmartSense's own
stable id (never a name). The account's own entities use the config entry id
in place of a point id, with keys no point entity has. A device of an asset is
identified by ``(DOMAIN, asset id)``, the account's own (service) device by
``(DOMAIN, entry id)``.
"""

from __future__ import annotations

from collections.abc import Iterable

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN

# The key of the account's count of sensor points awaiting backfill.
BACKFILL_PENDING = "backfill_pending"
_ACCOUNT_KEYS = frozenset({BACKFILL_PENDING})


def unique_id(owner_id: str, key: str) -> str:
    """The unique id of one entity of a sensor point (or of the account)."""
    return f"{owner_id}:{key}"


def point_of(entity_unique_id: str) -> str | None:
    """The sensor point an entity belongs to; None for the account's own."""
    owner_id, _, key = entity_unique_id.rpartition(":")
    return None if key in _ACCOUNT_KEYS else owner_id


def device_identifier(owner_id: str) -> tuple[str, str]:
    """The identifier of an asset's device (or, with the entry id, the account's)."""
    return (DOMAIN, owner_id)


def asset_of(identifiers: Iterable[tuple[str, str]], entry_id: str) -> str | None:
    """The asset a device stands for; None for the account's own device."""
    for domain, identifier in identifiers:
        if domain == DOMAIN and identifier != entry_id:
            return identifier
    return None


def registered(hass: HomeAssistant, entry_id: str) -> tuple[set[str], set[str]]:
    """The assets with a device and the sensor points with entities, registered."""
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry_id)
    entities = er.async_entries_for_config_entry(er.async_get(hass), entry_id)
    return (
        {a for device in devices if (a := asset_of(device.identifiers, entry_id))},
        {p for entity in entities if (p := point_of(entity.unique_id))},
    )
