"""The format of unique ids and device identifiers, built and read in one place.

An entity of a sensor point has the unique id ``"{point_id}:{key}"``; an entity
of the account itself (on its service device) has ``"{entry_id}:{key}"``. A
device of an asset has the identifier ``(DOMAIN, asset_id)``; the service
device ``(DOMAIN, entry_id)``. SmartSense ids are opaque and may hold a colon:
the key never does, so an id is read up to the last colon.
"""

from __future__ import annotations

from collections.abc import Iterable

from .const import DOMAIN

_SEPARATOR = ":"


def unique_id(point_id: str, key: str) -> str:
    """Unique id of one entity (``key``) of a sensor point."""
    return f"{point_id}{_SEPARATOR}{key}"


def service_unique_id(entry_id: str, key: str) -> str:
    """Unique id of one entity of the account's own (service) device."""
    return f"{entry_id}{_SEPARATOR}{key}"


def point_of(entity_unique_id: str, entry_id: str) -> str | None:
    """The sensor point an entity belongs to; None for the account's own."""
    owner, separator, _key = entity_unique_id.rpartition(_SEPARATOR)
    return owner if separator and owner != entry_id else None


def asset_identifier(asset_id: str) -> tuple[str, str]:
    """Device identifier of an asset."""
    return (DOMAIN, asset_id)


def service_identifier(entry_id: str) -> tuple[str, str]:
    """Device identifier of the account's own (service) device."""
    return (DOMAIN, entry_id)


def asset_of(identifiers: Iterable[tuple[str, str]], entry_id: str) -> str | None:
    """The asset a device stands for; None for the service device or another's."""
    for domain, identifier in identifiers:
        if domain == DOMAIN and identifier != entry_id:
            return identifier
    return None
