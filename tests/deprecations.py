"""Home Assistant's reports of deprecated or removed API used by our code.

Home Assistant warns before it breaks an integration: "Detected that custom
integration 'smartsense' ... This will stop working in Home Assistant
2026.12.0" (helpers.frame), or "The deprecated function X was called from
smartsense. It will be removed in HA Core ..." (helpers.deprecation). Either,
about our code, fails the test that caused it: ``deprecation_guard`` in the
unit suite, ``reports_in_log`` over ``home-assistant.log`` end to end.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
import logging
from pathlib import Path
import re
import sys
from types import FrameType

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Code of ours that can call into Home Assistant: the integration and the tests.
OUR_CODE = (str(ROOT / "custom_components" / "smartsense"), str(ROOT / "tests"))

_ABOUT_US = re.compile(
    r"Detected that custom integration 'smartsense'"
    r"|The deprecated \S+ \S+ was \w+ from smartsense\b"
)
# A deprecation report that names no integration: whose it is, the stack tells.
_UNATTRIBUTED = re.compile(r"The deprecated \S+ \S+ was \w+\.")
# One record of home-assistant.log: "2026-11-28 01:45:00.123 WARNING (Main..."
# (2026.11 adds the UTC offset: "01:45:00.123+00:00 WARNING").
_LOG_RECORD = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+(?:[+-]\d\d:\d\d)? [A-Z]+ ", re.MULTILINE
)


def is_report_about_us(logger: str, message: str) -> bool:
    """Whether a Home Assistant log record reports our use of deprecated API."""
    return logger.startswith("homeassistant") and bool(_ABOUT_US.search(message))


def reports_in_log(text: str) -> list[str]:
    """The records of a home-assistant.log that report our deprecated API use."""
    starts = [match.start() for match in _LOG_RECORD.finditer(text)] + [len(text)]
    records = (text[start:end] for start, end in pairwise(starts))
    return [
        record.strip()
        for record in records
        if (logger := re.search(r"\[([\w.]+)\]", record))
        and is_report_about_us(logger.group(1), record)
    ]


def _called_from_our_code() -> bool:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if filename.startswith(OUR_CODE) and filename != __file__:
            return True
        frame = frame.f_back
    return False


class DeprecationGuard(logging.Handler):
    """Keeps the deprecation reports about our code made during one test."""

    def __init__(self) -> None:
        """Listen from WARNING up: Home Assistant reports at that level."""
        super().__init__(logging.WARNING)
        self.reports: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep a report that names us, or that our own code's call caused."""
        message = record.getMessage()
        if is_report_about_us(record.name, message) or (
            record.name.startswith("homeassistant")
            and _UNATTRIBUTED.search(message)
            and _called_from_our_code()
        ):
            self.reports.append(f"{record.name}: {message}")


@pytest.fixture(autouse=True)
def deprecation_guard() -> Iterator[DeprecationGuard]:
    """Fail any test during which Home Assistant reports our deprecated API use."""
    guard = DeprecationGuard()
    root = logging.getLogger()
    root.addHandler(guard)
    try:
        yield guard
    finally:
        root.removeHandler(guard)
    fail_on_reports(guard.reports)


def fail_on_reports(reports: list[str]) -> None:
    """Fail the test if Home Assistant reported deprecated API use by our code."""
    if reports:
        pytest.fail(
            "Home Assistant reported deprecated API use by our code:\n"
            + "\n".join(reports),
            pytrace=False,
        )
