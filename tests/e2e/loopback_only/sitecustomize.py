"""Refuse, and log, whatever a Home Assistant under test tries beyond loopback.

The end-to-end harness puts this folder on the PYTHONPATH of every hass it
starts, so Python runs this module at startup (site.py imports sitecustomize;
this one hides the system's, which only installs Debian's apport hook).
A name looked up (socket.getaddrinfo, or aiodns, which Home Assistant's HTTP
client resolves names with), a TCP connection or a datagram sent to any host
but 127.0.0.1, ::1 or localhost fails with OSError, as offline, and the
logger `loopback_only` says so in home-assistant.log, where the harness fails
the test on it. A UDP socket connected without sending passes: that is how
Home Assistant's network integration finds its own address (towards 8.8.8.8
and 224.0.0.251), and nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Callable
import errno
import ipaddress
import logging
import socket
import sys
from typing import Any

import aiodns

_LOGGER = logging.getLogger("loopback_only")
_INET = (socket.AF_INET, socket.AF_INET6)
_TCP = {(family, socket.SOCK_STREAM) for family in _INET}


def _refuse_unless_loopback(what: str, host: Any) -> None:
    """Raise, and log, unless `host` (a name or an address) is this machine."""
    if isinstance(host, bytes):
        host = host.decode()
    if host in (None, "", "localhost"):
        return
    try:
        if ipaddress.ip_address(str(host).partition("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    _LOGGER.error("Refused %s %s: not loopback", what, host)
    raise OSError(errno.ENETUNREACH, f"the end-to-end test refused {what} {host}")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo":
        _refuse_unless_loopback("looking up", args[0])
    elif event == "socket.sendto" and args[0].family in _INET:
        _refuse_unless_loopback("sending to", args[1][0])
    elif event == "socket.connect" and (args[0].family, args[0].type) in _TCP:
        _refuse_unless_loopback("connecting to", args[1][0])


def _guarded[**P, R](lookup: Callable[P, R]) -> Callable[P, R]:
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        _refuse_unless_loopback("looking up", args[1])  # (resolver, host, ...)
        return lookup(*args, **kwargs)

    return guarded


sys.addaudithook(_audit)
for _name in ("getaddrinfo", "gethostbyname", "query"):
    setattr(aiodns.DNSResolver, _name, _guarded(getattr(aiodns.DNSResolver, _name)))
