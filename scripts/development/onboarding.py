"""Talking to the Home Assistant that scripts/develop starts: readiness, owner."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any
import urllib.error
import urllib.request

OWNER_NAME = "Developer"
OWNER_USERNAME = "dev"
# A throwaway login: this Home Assistant listens on 127.0.0.1 only.
OWNER_PASSWORD = "dev"  # noqa: S105


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
