"""Run the SmartSense simulator and a real Home Assistant with the integration.

`scripts/develop` runs this with the project's .venv. It

1. starts the simulator (`python -m simulator`, the demo account) on
   http://127.0.0.1:8765; extra arguments go to the simulator;
2. prepares `config/` on the first run: a `configuration.yaml` (bound to
   127.0.0.1, US units, debug logging for the integration), the integration
   linked in as `config/custom_components/smartsense`, and onboarding marked
   done except for the owner account, which it then creates through Home
   Assistant's own onboarding API (user `dev`, password `dev`);
3. starts Home Assistant (`hass -c config`) on http://127.0.0.1:8123 and
   prints the URL, the login and what to enter in the SmartSense form.

Ctrl-C stops both. A second run reuses `config/` as it is (the owner, any
SmartSense entry, your edits to configuration.yaml).

The end-to-end tests (tests/e2e/) build their Home Assistant configuration
with `configuration_yaml`, `install_integration` and `seed_onboarding` too.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import UTC, datetime
import json
from pathlib import Path
import shutil
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any
import urllib.error
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
INTEGRATION_DIR = ROOT / "custom_components" / "smartsense"
HOST = "127.0.0.1"
HA_PORT = 8123
SIM_PORT = 8765
OWNER_NAME = "Developer"
OWNER_USERNAME = "dev"
# A throwaway login: this Home Assistant listens on 127.0.0.1 only.
OWNER_PASSWORD = "dev"  # noqa: S105
# Every onboarding step but the owner account, which is made through the API.
ONBOARDING_DONE_AHEAD = ("core_config", "analytics", "integration")
START_TIMEOUT = 180.0  # seconds for Home Assistant to answer HTTP
STOP_TIMEOUT = 60.0
RESTART_EXIT_CODE = 100  # hass exits with it when asked to restart


def configuration_yaml(port: int, *, name: str = "SmartSense development") -> str:
    """A small configuration.yaml: no discovery, no cloud (see seed_http)."""
    return f"""\
# Home Assistant for SmartSense development, written by scripts/develop.
# Edit it freely: scripts/develop does not overwrite an existing file.
homeassistant:
  name: {name}
  unit_system: us_customary
  time_zone: America/New_York
  country: US
  currency: USD
  latitude: 40.7128
  longitude: -74.006
  elevation: 10

# The HTTP server (127.0.0.1:{port}) is set in .storage/http, where Home
# Assistant 2026.10 keeps it: an `http:` section here would be migrated there
# as an unconfirmed trial that reverts to 0.0.0.0 after five minutes.

# Not default_config: its discovery integrations would search the network.
frontend:
history:
logbook:

automation: !include automations.yaml

logger:
  default: warning
  logs:
    custom_components.smartsense: debug
    # ffmpeg, libturbojpeg and zlib-ng are not installed; nothing here needs them.
    aiohttp_fast_zlib: error
    haffmpeg: critical
    homeassistant.components.camera.img_util: critical
"""


def install_integration(config_dir: Path, *, copy: bool) -> Path:
    """Put the integration in config_dir/custom_components/smartsense.

    `copy=True` copies only custom_components/smartsense/, as HACS installs it;
    otherwise a symlink to the repository's folder, so edits apply on restart.
    """
    target = config_dir / "custom_components" / "smartsense"
    target.parent.mkdir(parents=True, exist_ok=True)
    if copy:
        shutil.copytree(
            INTEGRATION_DIR, target, ignore=shutil.ignore_patterns("__pycache__")
        )
    elif not target.exists() and not target.is_symlink():
        target.symlink_to(INTEGRATION_DIR, target_is_directory=True)
    return target


def seed_onboarding(config_dir: Path) -> None:
    """Mark every onboarding step but the owner account done (first run only).

    The skipped steps would set up location-detection and demo integrations
    (Met.no, Radio Browser ...) that need the internet.
    """
    path = config_dir / ".storage" / "onboarding"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    store = {
        "version": 4,
        "minor_version": 1,
        "key": "onboarding",
        "data": {"done": list(ONBOARDING_DONE_AHEAD)},
    }
    path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def seed_http(config_dir: Path, port: int) -> None:
    """Listen on 127.0.0.1:port only (first run only).

    Home Assistant 2026.10 keeps its HTTP settings in .storage/http; settings
    stored as `stable` are used as they are, with no confirmation dialog.
    """
    path = config_dir / ".storage" / "http"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    stable = {
        "server_host": [HOST],
        "server_port": port,
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "modern",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    store = {
        "version": 2,
        "minor_version": 2,
        "key": "http",
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    path.write_text(json.dumps(store, indent=2) + "\n", encoding="utf-8")


def prepare_config(config_dir: Path, port: int) -> None:
    """Create config_dir on the first run; leave an existing one as it is."""
    config_dir.mkdir(exist_ok=True)
    configuration = config_dir / "configuration.yaml"
    if not configuration.exists():
        configuration.write_text(configuration_yaml(port), encoding="utf-8")
    automations = config_dir / "automations.yaml"
    if not automations.exists():
        automations.write_text("[]\n", encoding="utf-8")
    link = config_dir / "custom_components" / "smartsense"
    if link.exists() and not link.is_symlink():
        print(f"scripts/develop: using the integration already in {link}")
    install_integration(config_dir, copy=False)
    seed_http(config_dir, port)
    seed_onboarding(config_dir)


# -- HTTP -----------------------------------------------------------------


def _request(url: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """(status, JSON or None); raises OSError when nothing answers."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as err:
        status, raw = err.code, err.read()
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def wait_for_http(url: str, process: subprocess.Popen[Any], timeout: float) -> None:
    """Wait until `url` answers at all, or fail if the process ends first."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise SystemExit(
                f"scripts/develop: Home Assistant exited (code {process.returncode})"
            )
        try:
            _request(url)
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"scripts/develop: no answer from {url} after {timeout:.0f} s"
                ) from None
            time.sleep(0.5)
        else:
            return


def create_owner(base_url: str, timeout: float = 120.0) -> bool:
    """Create the owner through the onboarding API; False if there is one."""
    status, steps = _request(f"{base_url}/api/onboarding")
    if status != 200 or any(step["step"] == "user" and step["done"] for step in steps):
        return False
    # The person of the owner is made only once `person` is set up.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, answer = _request(
            f"{base_url}/api/onboarding/integration/wait", {"domain": "person"}
        )
        if status == 200 and answer["integration_loaded"]:
            break
        time.sleep(0.5)
    status, answer = _request(
        f"{base_url}/api/onboarding/users",
        {
            "client_id": f"{base_url}/",
            "name": OWNER_NAME,
            "username": OWNER_USERNAME,
            "password": OWNER_PASSWORD,
            "language": "en",
        },
    )
    if status != 200:
        raise SystemExit(f"scripts/develop: creating the owner failed: {answer}")
    return True


# -- processes ------------------------------------------------------------


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((HOST, port)) == 0


def start_simulator(args: Sequence[str]) -> tuple[subprocess.Popen[str], list[str]]:
    """Start the simulator; returns it and the lines it printed on start."""
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "simulator", "--port", str(SIM_PORT), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # Ctrl-C reaches this script; it stops both
    )
    if process.stdout is None:  # pragma: no cover - stdout is a pipe
        raise RuntimeError("no pipe to the simulator")
    lines: list[str] = []
    while not lines or not lines[-1].startswith("Ctrl-C"):
        line = process.stdout.readline()
        if not line:
            raise SystemExit(
                f"scripts/develop: the simulator exited (code {process.wait()})"
            )
        lines.append(line.rstrip("\n"))
    return process, lines


def stop(process: subprocess.Popen[Any], sig: signal.Signals, name: str) -> None:
    """Stop a child with `sig`, then kill it if it takes too long."""
    if process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired, KeyboardInterrupt:
        print(f"scripts/develop: killing {name}")
        process.kill()
        process.wait()


def start_hass() -> subprocess.Popen[bytes]:
    """`hass -c config` from the venv, in a session of its own."""
    return subprocess.Popen(  # noqa: S603 - the venv's own hass
        [str(Path(sys.executable).with_name("hass")), "-c", str(CONFIG_DIR)],
        cwd=ROOT,
        start_new_session=True,  # Ctrl-C reaches this script; it stops both
    )


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signum)


def smartsense_configured(config_dir: Path) -> bool:
    """Whether config_dir already has a SmartSense entry (from an earlier run)."""
    try:
        store = json.loads(
            (config_dir / ".storage" / "core.config_entries").read_text("utf-8")
        )
    except OSError, ValueError:
        return False
    return any(
        entry.get("domain") == "smartsense"
        for entry in store.get("data", {}).get("entries", [])
    )


def banner(sim_lines: list[str], *, configured: bool) -> str:
    credentials = next((line for line in sim_lines if "client id" in line), "")
    sim_url = f"http://{HOST}:{SIM_PORT}"
    if configured:
        todo = """ SmartSense is set up already (from an earlier run): open
   Settings -> Devices & services -> SmartSense. Delete config/ to start over."""
    else:
        todo = f""" Add SmartSense: Settings -> Devices & services -> Add integration -> SmartSense.
   Client ID: demo   Client secret: demo-secret
   Advanced settings -> API URL: {sim_url}
   Then choose the locations to bring in."""
    return f"""
================================================================================
 SmartSense development environment
   Home Assistant  http://{HOST}:{HA_PORT}
                   log in as user {OWNER_USERNAME!r}, password {OWNER_PASSWORD!r}
   Simulator       {sim_url}  ({credentials})

{todo}
 Configuration and logs: {CONFIG_DIR} (kept for the next run).
 Ctrl-C stops Home Assistant and the simulator.
================================================================================
"""


class Children:
    """The simulator and Home Assistant, as far as they have been started."""

    def __init__(self) -> None:
        self.sim: subprocess.Popen[str] | None = None
        self.hass: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Home Assistant first (it may still be polling), then the simulator.

        A second Ctrl-C while they stop kills them instead (see stop).
        """
        if self.hass is not None:
            stop(self.hass, signal.SIGTERM, "Home Assistant")
        if self.sim is not None:
            stop(self.sim, signal.SIGINT, "the simulator")


def run(children: Children, sim_args: Sequence[str], *, first_run: bool) -> int:
    """Start both, set up the owner, then watch them until one ends."""
    base_url = f"http://{HOST}:{HA_PORT}"
    children.sim, sim_lines = start_simulator(sim_args)
    print(f"scripts/develop: {sim_lines[0]}")
    print(
        "scripts/develop: starting Home Assistant "
        f"({'new' if first_run else 'existing'} configuration in {CONFIG_DIR})",
        flush=True,
    )
    children.hass = start_hass()
    wait_for_http(f"{base_url}/auth/providers", children.hass, START_TIMEOUT)
    if create_owner(base_url):
        print(f"scripts/develop: created the owner account {OWNER_USERNAME!r}")
    configured = smartsense_configured(CONFIG_DIR)
    print(banner(sim_lines, configured=configured), flush=True)
    while children.sim.poll() is None:
        code = children.hass.poll()
        if code == RESTART_EXIT_CODE:
            # Settings -> System -> Restart: hass exits and asks to be started.
            print("scripts/develop: restarting Home Assistant", flush=True)
            children.hass = start_hass()
        elif code is not None:
            break
        time.sleep(0.5)
    for process, name in (
        (children.hass, "Home Assistant"),
        (children.sim, "the simulator"),
    ):
        if process.poll() is not None:
            print(
                f"scripts/develop: {name} exited (code {process.returncode})",
                file=sys.stderr,
            )
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=__doc__.split("\n\n", 1)[0] if __doc__ else None,
        epilog="Other arguments go to the simulator: python -m simulator --help."
        " A chain of stores: scripts/develop --locations 12 --sensor-points 150.",
    )
    _, sim_args = parser.parse_known_args(argv)
    for port, what in ((SIM_PORT, "the simulator"), (HA_PORT, "Home Assistant")):
        if port_in_use(port):
            print(
                f"scripts/develop: port {port} (for {what}) is in use; is "
                "another scripts/develop running?",
                file=sys.stderr,
            )
            return 1
    first_run = not CONFIG_DIR.exists()
    prepare_config(CONFIG_DIR, HA_PORT)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGHUP, _raise_interrupt)
    children = Children()
    try:
        # Returns only when a child ended by itself: that is a failure.
        status = run(children, sim_args, first_run=first_run)
    except KeyboardInterrupt:
        print("\nscripts/develop: stopping Home Assistant and the simulator")
        status = 0
    finally:
        children.stop()
    if status == 0:
        print("scripts/develop: stopped")
    return status


if __name__ == "__main__":
    sys.exit(main())
