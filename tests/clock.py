"""The frozen start time of every unit test (#21): the suite holds at any hour.

A test that pins no time of its own with ``@pytest.mark.freeze_time(...)`` gets
that marker with ``--start-time`` (default ``DEFAULT_START``), so pytest-freezer's
``freezer`` fixture freezes it there whether or not the test asks for
``freezer``. ``scripts/test`` runs the unit suite again at other start times,
across a 15-minute report interval and across midnight UTC. End-to-end tests
drive real Home Assistant processes on the wall clock and are left unfrozen.
"""

from __future__ import annotations

from datetime import datetime

import pytest

# Five past a report slot: what a test sees depends on the minute within the
# 15-minute report interval and on which readings the simulator delivers late.
DEFAULT_START = "2026-11-28T10:05:00+00:00"


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--start-time``: where the clock of every unpinned unit test starts."""
    parser.getgroup("smartsense").addoption(
        "--start-time",
        type=datetime.fromisoformat,
        default=datetime.fromisoformat(DEFAULT_START),
        help=(
            "ISO 8601 time (with UTC offset) at which every test without its own "
            f"freeze_time marker starts; default {DEFAULT_START}"
        ),
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Pin the unpinned unit tests to the start time (before pytest-freezer looks)."""
    start: datetime = config.getoption("start_time")
    for item in items:
        if item.get_closest_marker("freeze_time") or item.get_closest_marker("e2e"):
            continue
        # A test that does not move the clock itself waits on real timeouts:
        # its clock starts at the start time and runs.
        ticking = "freezer" not in getattr(item, "fixturenames", ())
        item.add_marker(pytest.mark.freeze_time(start, tick=ticking))
