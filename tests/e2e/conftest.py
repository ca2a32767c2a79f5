"""End-to-end fixtures: a real simulator and a real Home Assistant, as processes.

These tests start no Home Assistant in the test process: they override the
suite-wide autouse fixture that would, and open loopback sockets only.
Skip them with `scripts/test -m "not e2e"`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import os
from pathlib import Path

import pytest

from scripts.develop import SIM_PORT

from .harness import HomeAssistantProcess, SimulatorProcess, build_config, free_port


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture, which would start Home Assistant."""


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets; the HA test plugin still limits them to 127.0.0.1."""


@pytest.fixture
async def simulator_process(tmp_path: Path) -> AsyncIterator[SimulatorProcess]:
    """`python -m simulator` (the demo account) on a free port.

    When the browser test refreshes the README's screenshots, the simulator
    takes the port scripts/develop gives it, so the form shows that URL.
    """
    port = SIM_PORT if os.environ.get("SMARTSENSE_SCREENSHOTS") else 0
    sim = await SimulatorProcess.start(tmp_path / "simulator.log", port)
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def home_assistant(
    tmp_path: Path, simulator_process: SimulatorProcess
) -> AsyncIterator[HomeAssistantProcess]:
    """A running `hass` with an owner, in a fresh configuration directory.

    It depends on the simulator so that the simulator outlives it.
    """
    port = free_port()
    config_dir = build_config(tmp_path / "config", port)
    ha = HomeAssistantProcess(config_dir, port, tmp_path / "hass.log")
    try:
        await ha.start()
        await ha.create_owner()
        await ha.wait_running()
        yield ha
    finally:
        await ha.close()
        # Shown by pytest only when the test fails.
        print(f"--- last lines of {ha.log_path} ---\n{ha.log_tail()}")  # noqa: T201
