"""Real processes for the end-to-end tests: the simulator and Home Assistant.

Both run as child processes on 127.0.0.1 and are driven over HTTP, as a user's
browser or script would: nothing here imports the integration.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
import contextlib
import os
from pathlib import Path
import re
import signal
import socket
import sys
import time
from typing import Any

import aiohttp
from homeassistant.const import RESTART_EXIT_CODE

from scripts.development.ha_config import (
    configuration_yaml,
    has_marketplace,
    install_integration,
    seed_http,
    seed_marketplace,
    seed_onboarding,
)
from scripts.development.onboarding import OWNER_NAME, OWNER_PASSWORD, OWNER_USERNAME
from tests.deprecations import fail_on_reports, reports_in_log

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# On hass's PYTHONPATH: its sitecustomize refuses whatever is not loopback.
LOOPBACK_ONLY = Path(__file__).with_name("loopback_only")
START_TIMEOUT = 120.0  # seconds; Home Assistant starts in about 5 s here
STOP_TIMEOUT = 60.0
_SIM_BANNER = re.compile(r"SmartSense simulator at (http://\S+)")

# What the end-to-end configuration adds to the one scripts/develop writes: a
# counter for the user's automation to increment.
E2E_YAML = """
counter:
  freezer_alerts:
    name: Freezer alerts
"""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def build_config(
    config_dir: Path,
    port: int,
    hass: Path,
    *,
    integration: bool = True,
    marketplace: dict[str, Any] | None = None,
) -> Path:
    """A fresh configuration for `hass` with the integration as HACS installs it.

    With `integration=False`, without it: the test installs it. The Marketplace
    (2026.11 on) is disabled, with `marketplace` as its options.
    """
    config_dir.mkdir(parents=True)
    (config_dir / "configuration.yaml").write_text(
        configuration_yaml(port, name="SmartSense end-to-end") + E2E_YAML,
        encoding="utf-8",
    )
    (config_dir / "automations.yaml").write_text("[]\n", encoding="utf-8")
    if integration:
        install_integration(config_dir, copy=True)
    seed_http(config_dir, port)
    seed_onboarding(config_dir)
    if has_marketplace(hass):
        seed_marketplace(config_dir, marketplace)
    return config_dir


async def wait_for[T](
    probe: Callable[[], Awaitable[T | None]],
    what: str,
    seconds: float = 30.0,
    interval: float = 0.25,
) -> T:
    """Call `probe` until it returns something other than None."""
    deadline = time.monotonic() + seconds
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        await asyncio.sleep(interval)


async def _stop_process(
    process: asyncio.subprocess.Process, sig: signal.Signals, grace: float
) -> int:
    """Stop a child with `sig`; kill it if it does not exit in time."""
    if process.returncode is None:
        process.send_signal(sig)
        try:
            async with asyncio.timeout(grace):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()
            return -signal.SIGKILL
    assert process.returncode is not None
    return process.returncode


class SimulatorProcess:
    """`python -m simulator` on a free port, with its /_sim control surface."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        """Wrap a started simulator process that serves at `url`."""
        self.process = process
        self.url = url
        self._session = aiohttp.ClientSession()

    @classmethod
    async def start(cls, log_path: Path, port: int = 0) -> SimulatorProcess:
        """Start the simulator; returns once its banner names its URL."""
        with log_path.open("ab") as log:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "simulator",
                "--host",
                HOST,
                "--port",
                str(port),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=log,
            )
        assert process.stdout is not None
        try:
            async with asyncio.timeout(30):
                while line := await process.stdout.readline():
                    if match := _SIM_BANNER.search(line.decode()):
                        return cls(process, match.group(1))
        except BaseException:
            await _stop_process(process, signal.SIGKILL, 10)
            raise
        raise AssertionError(
            f"the simulator exited ({await process.wait()}); see {log_path}"
        )

    async def stop(self) -> int:
        """Stop the simulator (SIGINT); its exit code."""
        await self._session.close()
        code = await _stop_process(self.process, signal.SIGINT, 10)
        await self.process.communicate()  # drain and close the stdout pipe
        return code

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        async with self._session.request(method, self.url + path, json=body) as resp:
            assert resp.status == 200, f"{method} {path}: {resp.status}"
            return await resp.json()

    async def request_counts(self) -> dict[str, int]:
        """Requests per API route since the last reset."""
        counts: dict[str, int] = await self._call("GET", "/_sim/requests")
        return counts

    async def reset_counts(self) -> None:
        """Start the request counts from zero."""
        await self._call("DELETE", "/_sim/requests")

    async def add_fault(self, path: str, **fault: Any) -> None:
        """Answer requests under `path` with a fault (see simulator/faults.py)."""
        await self._call("POST", "/_sim/faults", {"path": path, **fault})

    async def rotate_secret(self, client_id: str, client_secret: str) -> None:
        """SmartSense issues a new secret: the old one and its tokens stop working."""
        await self._call(
            "POST",
            "/_sim/rotate_secret",
            {"client_id": client_id, "client_secret": client_secret},
        )

    async def add_asset(self, asset_type: str) -> str:
        """Add an asset with its type's usual sensor points; its id."""
        answer = await self._call("POST", "/_sim/assets", {"asset_type": asset_type})
        asset_id: str = answer["id"]
        return asset_id

    async def push_reading(self, point_id: str, value: float) -> None:
        """Deliver a reading of the sensor point now."""
        await self._call(
            "POST", f"/_sim/sensorpoints/{point_id}/reading", {"value": value}
        )

    async def token(self, client_id: str, client_secret: str) -> str:
        """An access token of our own (counted under /auth/oauth)."""
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        async with self._session.post(
            f"{self.url}/auth/oauth",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        ) as resp:
            assert resp.status == 200
            token: str = (await resp.json())["access_token"]
            return token

    async def assets(self, token: str) -> list[dict[str, Any]]:
        """Every asset with its sensor points, as the API serves them now."""
        assets: list[dict[str, Any]] = []
        page = 1
        while True:
            async with self._session.get(
                f"{self.url}/assets",
                params={"page": page, "pageSize": 500},
                headers={"Authorization": f"Bearer {token}"},
            ) as resp:
                assert resp.status == 200
                body = await resp.json()
            assets.extend(body["data"])
            if len(assets) >= body["totalCount"]:
                return assets
            page += 1


class HomeAssistantProcess:
    """`hass -c <config>` on 127.0.0.1, with an owner and an access token.

    `hass` is the executable of the Home Assistant under test. `log_path` gets
    its console output across restarts. It reaches nothing beyond loopback
    (loopback_only/sitecustomize.py refuses it). When hass stops (before the
    next start rolls it over), its home-assistant.log is searched for
    deprecation reports about our code (`deprecation_reports`), for
    integrations that failed to set up (`setup_failures`, such as a requirement
    missing with --skip-pip) and for what was refused (`beyond_loopback`).
    """

    def __init__(
        self,
        hass: Path,
        config_dir: Path,
        port: int,
        log_path: Path,
        *,
        command: Sequence[str] = (),
    ) -> None:
        """Prepare to run `hass` on `port`; nothing starts yet.

        `command` starts it instead of `hass` (a wrapper that takes hass's
        arguments); it must be of the same Home Assistant.
        """
        self.hass = hass
        self.command = list(command) or [str(hass)]
        self.config_dir = config_dir
        self.url = f"http://{HOST}:{port}"
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None
        self.token: str | None = None
        self.deprecation_reports: list[str] = []
        self.setup_failures: list[str] = []
        self.beyond_loopback: list[str] = []
        self._session = aiohttp.ClientSession()

    # -- the process ------------------------------------------------------

    async def start(self) -> None:
        """Start hass and wait until its HTTP server answers."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *self.command,
                "-c",
                str(self.config_dir),
                # Everything it needs is in its requirements file; never pip here.
                "--skip-pip",
                cwd=self.config_dir,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
                env={
                    **os.environ,
                    "PYTHONUNBUFFERED": "1",
                    "PYTHONPATH": str(LOOPBACK_ONLY),
                },
            )
        await wait_for(self._answers, "Home Assistant's HTTP server", START_TIMEOUT)

    async def _answers(self) -> bool | None:
        assert self.process is not None
        if self.process.returncode is not None:
            raise AssertionError(
                f"hass exited ({self.process.returncode}):\n{self.log_tail()}"
            )
        try:
            # Any answer will do: before onboarding this one is a 400.
            async with self._session.get(f"{self.url}/auth/providers"):
                return True
        except aiohttp.ClientError:
            return None

    async def stop(self) -> int:
        """Stop hass as a service manager would (SIGTERM); its exit code."""
        if self.process is None:
            return 0
        code = await _stop_process(self.process, signal.SIGTERM, STOP_TIMEOUT)
        self.process = None
        home_assistant_log = self.config_dir / "home-assistant.log"
        if home_assistant_log.exists():
            text = home_assistant_log.read_text(encoding="utf-8", errors="replace")
            self.deprecation_reports += reports_in_log(text)
            lines = text.splitlines()
            self.setup_failures += [
                line for line in lines if "Setup failed for" in line
            ]
            self.beyond_loopback += [
                line for line in lines if "[loopback_only]" in line
            ]
        return code

    async def restart(self) -> None:
        """Restart as a user does, and start hass again as a supervisor would.

        hass asks for it by exiting with RESTART_EXIT_CODE once it has stopped.
        """
        assert self.process is not None
        process = self.process
        # hass may stop before it has answered.
        with contextlib.suppress(aiohttp.ClientError):
            await self.call_service("homeassistant", "restart")
        async with asyncio.timeout(STOP_TIMEOUT):
            await process.wait()
        assert await self.stop() == RESTART_EXIT_CODE, self.log_tail()
        await self.start()
        await self.wait_running()

    async def close(self) -> None:
        """Stop hass and close the HTTP session."""
        await self.stop()
        await self._session.close()

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of hass's console output, for failure messages."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    # -- onboarding and auth ----------------------------------------------

    async def create_owner(self) -> None:
        """Create the owner through the onboarding API and get a token for it."""
        client_id = f"{self.url}/"

        async def person_loaded() -> bool | None:
            answer = await self._json(
                "POST", "/api/onboarding/integration/wait", {"domain": "person"}
            )
            return True if answer["integration_loaded"] else None

        await wait_for(person_loaded, "the person integration", START_TIMEOUT)
        answer = await self._json(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": client_id,
                "name": OWNER_NAME,
                "username": OWNER_USERNAME,
                "password": OWNER_PASSWORD,
                "language": "en",
            },
        )
        async with self._session.post(
            f"{self.url}/auth/token",
            data={
                "grant_type": "authorization_code",
                "code": answer["auth_code"],
                "client_id": client_id,
            },
        ) as resp:
            assert resp.status == 200, await resp.text()
            self.token = (await resp.json())["access_token"]

    async def wait_running(self) -> None:
        """Wait until Home Assistant has finished starting."""

        async def running() -> bool | None:
            try:
                config = await self.get("/api/config")
            except aiohttp.ClientError, AssertionError:
                return None
            return True if config["state"] == "RUNNING" else None

        await wait_for(running, "Home Assistant to run", START_TIMEOUT)

    # -- REST and WebSocket API -------------------------------------------

    async def _json(
        self, method: str, path: str, body: Any = None, *, status: int = 200
    ) -> Any:
        headers = (
            {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        )
        async with self._session.request(
            method, self.url + path, json=body, headers=headers
        ) as resp:
            text = await resp.text()
            assert resp.status == status, f"{method} {path}: {resp.status} {text}"
            return await resp.json() if text else None

    async def get(self, path: str) -> Any:
        """GET a REST API path as the owner; the JSON answer."""
        return await self._json("GET", path)

    async def post(self, path: str, body: Any = None) -> Any:
        """POST to a REST API path as the owner; the JSON answer."""
        return await self._json("POST", path, body)

    async def delete(self, path: str) -> Any:
        """DELETE a REST API path as the owner; the JSON answer."""
        return await self._json("DELETE", path)

    async def call_service(
        self, domain: str, service: str, data: dict[str, Any] | None = None
    ) -> None:
        """Call a service through the REST API."""
        await self.post(f"/api/services/{domain}/{service}", data or {})

    async def states(self) -> dict[str, dict[str, Any]]:
        """Every entity's state, by entity id."""
        return {state["entity_id"]: state for state in await self.get("/api/states")}

    async def state(self, entity_id: str) -> dict[str, Any]:
        """One entity's state."""
        state: dict[str, Any] = await self.get(f"/api/states/{entity_id}")
        return state

    async def ws(self, command: dict[str, Any]) -> Any:
        """Run one WebSocket API command and return its result."""
        async with self._session.ws_connect(f"{self.url}/api/websocket") as ws:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"type": "auth", "access_token": self.token})
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, **command})
            answer = await ws.receive_json()
        assert answer["success"], answer
        return answer["result"]

    async def smartsense_entries(self) -> list[dict[str, Any]]:
        """The SmartSense config entries."""
        entries: list[dict[str, Any]] = await self.get(
            "/api/config/config_entries/entry?domain=smartsense"
        )
        return entries

    async def asset_device_names(self, entry_id: str) -> set[str]:
        """The names of an entry's devices, but for its own service device."""
        devices = await self.ws({"type": "config/device_registry/list"})
        return {
            device["name"]
            for device in devices
            if entry_id in device["config_entries"]
            and device["entry_type"] != "service"
        }

    async def wait_entry_state(
        self, state: str, seconds: float = 30.0, interval: float = 0.25
    ) -> dict[str, Any]:
        """The one SmartSense entry, once it is in `state` ("loaded" ...)."""

        async def reached() -> dict[str, Any] | None:
            entries = await self.smartsense_entries()
            assert len(entries) == 1, entries
            return entries[0] if entries[0]["state"] == state else None

        return await wait_for(
            reached, f"the SmartSense entry to be {state}", seconds, interval
        )

    async def wait_entry_loaded(self) -> dict[str, Any]:
        """The one SmartSense entry, once it is loaded."""
        return await self.wait_entry_state("loaded")

    async def add_smartsense(
        self, client_id: str, client_secret: str, api_url: str
    ) -> dict[str, Any]:
        """Add SmartSense through the config flow's REST API; the created entry.

        Every location is taken, as the locations step offers by default.
        """
        form = await self.post(
            "/api/config/config_entries/flow",
            {"handler": "smartsense", "show_advanced_options": False},
        )
        assert form["type"] == "form"
        assert form["step_id"] == "user"
        assert [field["name"] for field in form["data_schema"]] == [
            "client_id",
            "client_secret",
            "advanced",
        ]
        result = await self.post(
            f"/api/config/config_entries/flow/{form['flow_id']}",
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "advanced": {"url": api_url},
            },
        )
        # The demo account spreads over several locations: all of them, as offered.
        assert result["type"] == "form", result
        assert result["step_id"] == "locations"
        (field,) = result["data_schema"]
        options = [option["value"] for option in field["selector"]["select"]["options"]]
        assert options[0] == "all"
        assert len(options) > 2
        assert sorted(field["default"]) == sorted(options)
        result = await self.post(
            f"/api/config/config_entries/flow/{form['flow_id']}",
            {"locations": field["default"]},
        )
        assert result["type"] == "create_entry", result
        assert result["title"] == "SmartSense"
        entry: dict[str, Any] = result["result"]
        return entry

    async def smartsense_flows(self) -> list[dict[str, Any]]:
        """SmartSense's config flows in progress (a reauthentication card ...)."""
        flows = await self.ws({"type": "config_entries/flow/progress"})
        return [flow for flow in flows if flow["handler"] == "smartsense"]


@contextlib.asynccontextmanager
async def running(ha: HomeAssistantProcess) -> AsyncIterator[HomeAssistantProcess]:
    """`ha` started, with an owner; stopped at the end.

    Then it fails if, in any of its lifetimes, Home Assistant reported our use
    of a deprecated API, failed to set up an integration or tried to reach
    beyond loopback (home-assistant.log).
    """
    try:
        await ha.start()
        await ha.create_owner()
        await ha.wait_running()
        yield ha
    finally:
        await ha.close()
        # Shown by pytest only when the test fails.
        print(f"--- last lines of {ha.log_path} ---\n{ha.log_tail()}")  # noqa: T201
    assert ha.setup_failures == [], "Home Assistant did not start cleanly"
    assert ha.beyond_loopback == [], "Home Assistant tried to reach beyond loopback"
    fail_on_reports(ha.deprecation_reports)
