"""``scripts/develop``: start both, set up the owner, show what to do, stop on Ctrl-C."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import signal
import sys
import time
from types import FrameType

from . import HA_PORT, HOST, SIM_PORT, __doc__ as overview
from .ha_config import CONFIG_DIR, prepare_config, smartsense_configured
from .onboarding import OWNER_PASSWORD, OWNER_USERNAME, create_owner, wait_for_http
from .processes import Children, port_in_use, start_hass, start_simulator

START_TIMEOUT = 180.0  # seconds for Home Assistant to answer HTTP
RESTART_EXIT_CODE = 100  # hass exits with it when asked to restart


def _raise_interrupt(signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signum)


def banner(sim_lines: list[str], *, configured: bool) -> str:
    """The box that tells where everything is and what to enter in the form."""
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
    """Run until Ctrl-C (status 0) or until a child ends by itself (status 1)."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop",
        description=overview.split("\n\n", 1)[0] if overview else None,
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
