"""The deprecation guard: Home Assistant's reports about our code fail a test."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import sun
from homeassistant.helpers.frame import ReportBehavior, report_usage
from homeassistant.loader import async_get_integration
import pytest

from custom_components.smartsense.const import DOMAIN

from .deprecations import DeprecationGuard, fail_on_reports, reports_in_log

CLEAN_LOG = """\
2026-12-05 09:00:00.001 INFO (MainThread) [homeassistant.setup] Setting up smartsense
2026-12-05 09:00:00.002 WARNING (MainThread) [homeassistant.loader] We found a custom integration smartsense which has not been tested by Home Assistant
2026-12-05 09:00:01.500 WARNING (MainThread) [custom_components.smartsense] SmartSense stopped listing 3 of 16 assets; nothing is removed
"""
REPORT = (
    "2026-12-05 09:00:02.000 WARNING (MainThread) [homeassistant.helpers.frame] "
    "Detected that custom integration 'smartsense' has an update listener and "
    "should use it for scheduling a reload. This will stop working in Home "
    "Assistant 2026.12.0, please create a bug report at https://example.invalid\n"
)


async def test_guard_catches_a_report_and_fails_the_test(
    hass: HomeAssistant, deprecation_guard: DeprecationGuard
) -> None:
    """A real report_usage about smartsense is caught, and it fails the test."""
    await async_get_integration(hass, DOMAIN)  # known, as once it is set up
    report_usage(
        "uses an API that is going away",
        breaks_in_ha_version="2099.1.0",
        core_behavior=ReportBehavior.LOG,
        integration_domain=DOMAIN,
    )
    reports = list(deprecation_guard.reports)
    deprecation_guard.reports.clear()  # this test's own report is the point
    assert len(reports) == 1
    assert "Detected that custom integration 'smartsense'" in reports[0]
    with pytest.raises(pytest.fail.Exception, match="deprecated API use"):
        fail_on_reports(reports)
    fail_on_reports([])  # nothing reported: the test passes


async def test_guard_catches_deprecated_api_called_by_our_tests(
    hass: HomeAssistant, deprecation_guard: DeprecationGuard
) -> None:
    """A deprecated Home Assistant API that our own code calls is caught too."""
    # Deprecated in 2026.10 and 2026.11 alike (until 2027.7): Home Assistant
    # reports it without naming an integration, as our tests are none.
    sun.get_astral_location(hass)
    reports = list(deprecation_guard.reports)
    deprecation_guard.reports.clear()
    assert len(reports) == 1
    assert "get_astral_location" in reports[0]


def test_reports_in_log() -> None:
    """The log check finds Home Assistant's report about us, and nothing else."""
    assert reports_in_log(CLEAN_LOG) == []
    found = reports_in_log(CLEAN_LOG + REPORT + CLEAN_LOG)
    assert len(found) == 1
    assert found[0].startswith("2026-12-05 09:00:02.000 WARNING")
    assert "update listener" in found[0]
    # Home Assistant 2026.11 writes the time with its UTC offset.
    newest = REPORT.replace("09:00:02.000 WARNING", "09:00:02.000+00:00 WARNING")
    assert len(reports_in_log(CLEAN_LOG + newest)) == 1
