"""Diagnostics: the entry, the coordinator's health, and the SHAPE of answers.

The shape of the last body the client read (field names and value types, never
values) shows how SmartSense's real answers differ from the modelled contract.
"""

from __future__ import annotations

from functools import reduce
import json
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.util import dt as dt_util

from .coordinator import REPORT_INTERVAL
from .locations import as_stored, is_selected

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

    from .runtime import SmartSenseConfigEntry

TO_REDACT = {CONF_CLIENT_ID, CONF_CLIENT_SECRET, "access_token"}


def shape(value: Any) -> Any:
    """Field names and value types of a JSON value, without any value.

    The items of a list are merged into one shape, so a listing of thousands of
    assets stays short; a field that only some items have says ``missing``.
    """
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reduce(_merge, map(shape, value))] if value else []
    return "null" if value is None else type(value).__name__


def body_shape(body: bytes) -> Any:
    """The shape of an answer's body, which may not be JSON at all."""
    try:
        return shape(json.loads(body))
    except ValueError, RecursionError:
        return "not JSON"


def _merge(first: Any, second: Any) -> Any:
    if isinstance(first, dict) and isinstance(second, dict):
        return {
            key: _merge(first.get(key, "missing"), second.get(key, "missing"))
            for key in sorted(first.keys() | second.keys())
        }
    if isinstance(first, list) and isinstance(second, list):
        # A list's shape holds at most one (merged) item shape.
        return [_merge(first[0], second[0])] if first and second else first or second
    if isinstance(first, str) and isinstance(second, str):
        return " | ".join(sorted(set(first.split(" | ")) | set(second.split(" | "))))
    # An object or a list in some items, a scalar (often null) in others.
    return {"one of": [first, second]}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartSenseConfigEntry
) -> dict[str, Any]:
    """Diagnostics of one config entry, with nothing secret in them."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    now = dt_util.utcnow()
    backfill = entry.runtime_data.backfill
    stored = backfill.as_dict()
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
        },
        "coordinator": {
            "last_update_success": coordinator.last_update_success,
            "last_success": coordinator.last_update_success_time,
            "last_error": repr(coordinator.last_exception)
            if coordinator.last_exception
            else None,
            "last_retry_after": coordinator.last_retry_after,
            "update_interval_seconds": REPORT_INTERVAL.total_seconds(),
        },
        # Location ids and asset counts only: names may say where a site is.
        "locations": {
            "selection": as_stored(coordinator.selection),
            "listed": {
                location: {
                    "assets": summary.assets,
                    "selected": is_selected(location, coordinator.selection),
                }
                for location, summary in sorted(coordinator.locations.items())
            },
        },
        "counts": {
            "assets": len(data.assets),
            "sensor_points": len(data.points),
            "stale_sensor_points": sum(
                data.is_stale(point_id, now) for point_id in data.points
            ),
        },
        "backfill": {
            "waiting_sensor_points": backfill.waiting,
            "gaps": stored["gaps"],
            "rechecks": stored["rechecks"],
            "accounted_sensor_points": len(backfill.accounted),
            "last_error": backfill.last_error,
        },
        "answer_shapes": {
            kind: body_shape(body)
            for kind, body in coordinator.client.last_answers.items()
        },
    }
