"""SmartSense answers in a shape this version does not know: log, form, repair.

A shape report names fields, JSON types and list lengths only (see api.shapes).
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.util.hass_dict import HassKey

from .api import SmartSenseUnexpectedAnswerError
from .const import DOMAIN, LOGGER

# The shape reports logged while Home Assistant runs: each is logged once.
LOGGED_REPORTS: HassKey[set[str]] = HassKey(f"{DOMAIN}_unexpected_answers")


def report(hass: HomeAssistant, err: SmartSenseUnexpectedAnswerError) -> dict[str, str]:
    """The texts a form or repair issue shows; logged at WARNING the first time."""
    texts = {
        "request": f"{err.method} {err.path}",
        "status": str(err.status),
        "report": err.report,
        "issue_url": "https://github.com/smartsense-ha/smartsense-homeassistant/issues",
    }
    logged = hass.data.setdefault(LOGGED_REPORTS, set())
    if str(err) not in logged:
        logged.add(str(err))
        LOGGER.warning(
            "SmartSense answered %(request)s with status %(status)s, in a shape "
            "this version does not know: %(report)s. Please report it at %(issue_url)s",
            texts,
        )
    return texts


def answers_changed_issue_id(entry_id: str, endpoint: str) -> str:
    """The id of the repair issue saying an endpoint's answers changed shape."""
    return f"answers_changed_{endpoint}_{entry_id}"


@callback
def async_answers_changed(
    hass: HomeAssistant,
    entry: ConfigEntry[Any],
    endpoint: str,
    err: SmartSenseUnexpectedAnswerError,
) -> None:
    """Log the report and raise (or update) the entry's repair issue."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        answers_changed_issue_id(entry.entry_id, endpoint),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="answers_changed",
        translation_placeholders=report(hass, err),
    )
