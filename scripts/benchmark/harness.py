"""The simulator in a process of its own, and Home Assistant in this one."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator, Iterator
import contextlib
import logging
from pathlib import Path
import subprocess
import sys
from typing import Any
from unittest.mock import patch

import aiohttp
from homeassistant import loader
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_platform, frame, translation
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_test_home_assistant,
)

from custom_components.smartsense.const import DOMAIN

ROOT = Path(__file__).resolve().parents[2]
POLL_SECONDS = 15 * 60
TOKEN_LIFETIME = 3600
CLIENT_ID = "demo"
CLIENT_SECRET = "demo-secret"  # noqa: S105 (the simulator's demo account)


class SimulatorProcess:
    """``python -m simulator`` on a free loopback port, driven over /_sim/."""

    def __init__(self, sensor_points: int) -> None:
        """Prepare a simulator with ``sensor_points`` points; ``start`` runs it."""
        self.sensor_points = sensor_points
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        """Start the simulator and wait until it prints its URL."""
        self._process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "simulator",
                "--port",
                "0",
                "--sensor-points",
                str(self.sensor_points),
                "--token-lifetime",
                str(TOKEN_LIFETIME),
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for line in self._process.stdout or ():
            if line.startswith("SmartSense simulator at "):
                self.url = line.split()[3]
                return
        raise RuntimeError("the simulator did not start")

    def stop(self) -> None:
        """Terminate the simulator."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.request(
            method, f"{self.url}/_sim{path}", json=body
        ) as response:
            response.raise_for_status()
            return await response.json()

    async def advance(self, seconds: float) -> None:
        """Move the simulator's clock forward by ``seconds``."""
        await self._call("POST", "/advance", {"seconds": seconds})

    async def request_counts(self) -> dict[str, int]:
        """Requests served per route since the last reset."""
        counts: dict[str, int] = await self._call("GET", "/requests")
        return counts

    async def reset_counts(self) -> None:
        """Zero the simulator's request counts."""
        await self._call("DELETE", "/requests")

    async def close(self) -> None:
        """Close the session of the /_sim/ calls."""
        if self._session is not None:
            await self._session.close()
            self._session = None


class _Resolver(aiohttp.ThreadedResolver):
    """The system resolver, closed the way Home Assistant closes its own."""

    async def real_close(self) -> None:
        await self.close()


@contextlib.asynccontextmanager
async def home_assistant(config_dir: str) -> AsyncIterator[HomeAssistant]:
    """A Home Assistant like the plugin's ``hass`` fixture, custom integrations on."""
    # Like the plugin's mock_zeroconf_resolver fixture: a plain resolver (only
    # loopback addresses are used) instead of one that starts zeroconf.
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        return_value=_Resolver(),
    ):
        async with async_test_home_assistant(config_dir=config_dir) as hass:
            frame.async_setup(hass)
            # What the plugin's enable_custom_integrations fixture does.
            hass.data.pop(loader.DATA_CUSTOM_COMPONENTS)
            await translation.async_load_integrations(hass, {"homeassistant"})
            try:
                yield hass
            finally:
                await hass.async_stop(force=True)


def config_entry(url: str) -> MockConfigEntry:
    """A config entry of the simulator's demo account at ``url``."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="SmartSense",
        unique_id=CLIENT_ID,
        data={
            CONF_CLIENT_ID: CLIENT_ID,
            CONF_CLIENT_SECRET: CLIENT_SECRET,
            CONF_URL: url,
        },
    )


class Warnings(logging.Handler):
    """Collects what is logged at warning level or above while a size runs.

    The loader's notice about an untested custom integration is left out.
    """

    def __init__(self) -> None:
        """Collect nothing yet."""
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record's logger and message, cut to 240 characters."""
        if record.name == "homeassistant.loader":
            return  # "We found a custom integration smartsense which has not been tested"
        self.messages.append(f"{record.name}: {record.getMessage()}"[:240])


@contextlib.contextmanager
def counting_offered(offered: Counter[str]) -> Iterator[None]:
    """Count the entities the integration hands to Home Assistant, per platform."""
    original = entity_platform.EntityPlatform._async_schedule_add_entities_for_entry  # noqa: SLF001

    def schedule(
        platform: entity_platform.EntityPlatform,
        new_entities: list[Entity],
        *args: Any,
        **kwargs: Any,
    ) -> None:
        entities = list(new_entities)
        if platform.platform_name == DOMAIN:
            offered[platform.domain] += len(entities)
        original(platform, entities, *args, **kwargs)

    with patch.object(
        entity_platform.EntityPlatform,
        "_async_schedule_add_entities_for_entry",
        schedule,
    ):
        yield
