"""Fixtures of the client tests: a client bound to the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from custom_components.smartsense.api import SmartSenseClient
from simulator import Simulator


@dataclass
class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    now: float = 1000.0

    def __call__(self) -> float:
        """The seconds now, as time.monotonic would give them."""
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    """The client's clock."""
    return FakeClock()


@pytest.fixture
async def session(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp session, as Home Assistant would share one."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def client(
    session: aiohttp.ClientSession, simulator: Simulator, clock: FakeClock
) -> SmartSenseClient:
    """A client with the demo account's credentials."""
    return SmartSenseClient(
        session, "demo", "demo-secret", base_url=simulator.url, clock=clock
    )
