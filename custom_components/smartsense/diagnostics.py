"""Diagnostics: an entry's health, counts and unexpected answers, nothing secret."""

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import REPORT_INTERVAL
from .locations import as_stored, is_selected, selection_of, summarize
from .runtime import SmartSenseConfigEntry
from .unexpected import LOGGED_REPORTS

TO_REDACT = {CONF_CLIENT_ID, CONF_CLIENT_SECRET, "access_token"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartSenseConfigEntry
) -> dict[str, Any]:
    """Diagnostics of one config entry, with nothing secret in them."""
    coordinator = entry.runtime_data.coordinator
    data = coordinator.data
    now = dt_util.utcnow()
    selection = selection_of(entry.options)
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
            "selection": as_stored(selection),
            "listed": {
                location: {
                    "assets": summary.assets,
                    "selected": is_selected(location, selection),
                }
                for location, summary in sorted(summarize(data.listed).items())
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
        # Since Home Assistant started, not only this entry's: none has a value.
        "unexpected_answers": sorted(hass.data.get(LOGGED_REPORTS, ())),
    }
