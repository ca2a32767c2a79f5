"""Starting and stopping the simulator and Home Assistant as child processes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
import signal
import socket
import subprocess
import sys
from typing import Any

from . import HOST, ROOT, SIM_PORT
from .ha_config import CONFIG_DIR

STOP_TIMEOUT = 60.0


def port_in_use(port: int) -> bool:
    """Whether something already listens on ``port`` of the loopback host."""
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


class Children:
    """The simulator and Home Assistant, as far as they have been started."""

    def __init__(self) -> None:
        """Start with neither started."""
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
