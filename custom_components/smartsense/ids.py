"""Unique ids and device identifiers, from SmartSense's stable ids (never names).

An entity of a sensor point is ``"{point id}:{key}"``; the account's own
entities and (service) device use the config entry id in place of a point id.
"""

from __future__ import annotations

from .const import DOMAIN

# The key of the account's count of sensor points awaiting backfill.
BACKFILL_PENDING = "backfill_pending"


def device_identifier(owner_id: str) -> tuple[str, str]:
    """The identifier of an asset's device (or, with the entry id, the account's)."""
    return (DOMAIN, owner_id)


def owner_of(unique_id: str) -> str:
    """The sensor point an entity belongs to (the entry id for the account's)."""
    return unique_id.rpartition(":")[0]
