"""The API URL: https anywhere, plain http only to loopback."""

from __future__ import annotations

from datetime import UTC, datetime

import aiohttp
import pytest

from custom_components.smartsense.api import SmartSenseClient
from custom_components.smartsense.api.rate_limit import parse_retry_after


@pytest.mark.parametrize(
    "url",
    [
        "https://api.smartsense.co",
        "https://example.test:8443/",
        "http://127.0.0.1:8765",
        "http://127.10.0.1",
        "http://localhost:8765",
        "http://[::1]:8765",
    ],
)
async def test_accepted_urls(session: aiohttp.ClientSession, url: str) -> None:
    """Accepted: https to any host, and http to loopback hosts."""
    SmartSenseClient(session, "id", "secret", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://api.smartsense.co",
        "http://192.168.1.10:8765",
        "http://localhost.example.com",
        "ftp://127.0.0.1",
        "api.smartsense.co",
        "https://",
        # Names that only look local, or that hide another host.
        "http://0.0.0.0:8765",
        "http://127.0.0.1.nip.io",
        "http://localhost.localdomain",
        "http://127.0.0.1@api.smartsense.co",
        "HTTP://API.SMARTSENSE.CO",
        "http://[fe80::1]",
        "http://2130706433",
    ],
)
async def test_refused_urls(session: aiohttp.ClientSession, url: str) -> None:
    """Plain http to any other host would send the secret in clear: refused."""
    with pytest.raises(ValueError, match="http") as err:
        SmartSenseClient(session, "id", "s3cret", base_url=url)
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("30", 30.0),
        (" 2.5 ", 2.5),
        ("-5", 0.0),
        ("Sat, 28 Nov 2026 03:00:30 GMT", 30.0),
        ("Sat, 28 Nov 2026 02:59:00 GMT", 0.0),
        ("soon", None),
        ("inf", None),
        (None, None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Retry-After is seconds or an HTTP date; anything else is ignored."""
    now = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == expected
