"""The simulator is tested on its own: loopback sockets, no Home Assistant."""

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture, which would start Home Assistant."""


@pytest.fixture(autouse=True)
def _loopback_sockets(socket_enabled: None) -> None:
    """Allow sockets; the HA test plugin still limits them to 127.0.0.1."""
