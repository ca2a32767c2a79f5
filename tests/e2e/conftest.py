"""End-to-end fixtures: a real simulator and a real Home Assistant, as processes.

These tests start no Home Assistant in the test process: they override the
suite-wide autouse fixture that would, and open loopback sockets only.
Skip them with `scripts/test -m "not e2e"`. They run on the wall clock:
`--start-time` (tests/clock.py) does not freeze them, since the processes they
drive keep real time.

Every test that uses `home_assistant` runs once per Home Assistant under test:
the release the test plugin pins (.venv) and the newest one
(.venv-newest, requirements_newest.txt); scripts/setup builds both. Test ids
name the version (`[hass-2026.11.0]`), and the end of the run shows what each
`hass --version` said.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from importlib.metadata import distributions
import os
from pathlib import Path
import subprocess

import pytest

from scripts.development import SIM_PORT

from .harness import (
    ROOT,
    HomeAssistantProcess,
    SimulatorProcess,
    build_config,
    free_port,
    running,
)

HASS_VENVS = (ROOT / ".venv", ROOT / ".venv-newest")
_SUMMARY = pytest.StashKey[list[str]]()


def _installed_version(venv: Path) -> str | None:
    """The homeassistant version installed in `venv`, from its metadata."""
    site_packages = [str(path) for path in venv.glob("lib/python3*/site-packages")]
    found = list(distributions(name="homeassistant", path=site_packages))
    return found[0].version if found else None


def _hass_id(venv: Path) -> str:
    return f"hass-{_installed_version(venv) or f'missing-{venv.name}'}"


@pytest.fixture
def e2e_summary(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Add a line to what the end of the run shows (versions, timings)."""
    return request.config.stash.setdefault(_SUMMARY, []).append


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Show the lines the end-to-end tests added (versions, timings)."""
    if lines := config.stash.get(_SUMMARY, []):
        terminalreporter.section("end-to-end: Home Assistant under test")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session", params=HASS_VENVS, ids=_hass_id)
def hass_executable(request: pytest.FixtureRequest) -> Path:
    """The `hass` of one Home Assistant under test; says its `hass --version`."""
    venv: Path = request.param
    hass = venv / "bin" / "hass"
    if not hass.exists():
        pytest.fail(f"{hass} is missing: run scripts/setup", pytrace=False)
    version = subprocess.run(  # noqa: S603 - our own venv's hass
        [hass, "--version"], capture_output=True, text=True, check=True, timeout=120
    ).stdout.strip()
    assert version == _installed_version(venv), (version, venv)
    request.config.stash.setdefault(_SUMMARY, []).append(
        f"{hass.relative_to(ROOT)} --version: {version}"
    )
    return hass


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
    tmp_path: Path, simulator_process: SimulatorProcess, hass_executable: Path
) -> AsyncIterator[HomeAssistantProcess]:
    """A running `hass` with an owner, in a fresh configuration directory.

    It depends on the simulator so that the simulator outlives it; see
    `running` for what fails the test when it stops.
    """
    port = free_port()
    config_dir = build_config(tmp_path / "config", port, hass_executable)
    ha = HomeAssistantProcess(hass_executable, config_dir, port, tmp_path / "hass.log")
    async with running(ha):
        yield ha
