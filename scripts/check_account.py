"""Check a SmartSense account against the modelled contract (scripts/check-account).

Requests a token, then calls each modelled endpoint once: page 1 of the asset
listing, and one readings window of one sensor point. Prints, endpoint by
endpoint, the status, whether the answer matches, and what differed (field
names and JSON types only). Nothing secret, no value, id or name is printed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
import os
from pathlib import Path
import sys
import types

import aiohttp

# The integration's own __init__.py imports Home Assistant: an empty package
# stands in for it, so that only the client package (stdlib, aiohttp and
# msgspec) is loaded.
_PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "smartsense"
sys.path.insert(0, str(_PACKAGE.parent.parent))
sys.modules["custom_components.smartsense"] = types.ModuleType(
    "custom_components.smartsense"
)
sys.modules["custom_components.smartsense"].__path__ = [str(_PACKAGE)]

from custom_components.smartsense.api import (  # noqa: E402
    DEFAULT_BASE_URL,
    AssetPage,
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseClient,
    SmartSenseConnectionError,
    SmartSenseError,
    SmartSenseRateLimitError,
    SmartSenseUnexpectedAnswerError,
)
from custom_components.smartsense.api.contract import (  # noqa: E402
    ASSETS_PATH,
    READINGS_PATH,
)

MATCHES, DIFFERS, UNCHECKED = 0, 1, 2
ISSUES_URL = "https://github.com/smartsense-ha/smartsense-homeassistant/issues"
_WHY: dict[type[SmartSenseError], str] = {
    SmartSenseAuthError: "SmartSense refused the client ID or secret",
    SmartSenseAccessRefusedError: "SmartSense refuses this client the data",
    SmartSenseConnectionError: "SmartSense could not be reached",
    SmartSenseRateLimitError: "SmartSense is limiting requests; try again later",
}


async def _verdict(path: str, request: Awaitable[object]) -> int:
    """Send one request; print and return whether its answer matches."""
    try:
        await request
    except SmartSenseUnexpectedAnswerError as err:
        print(f"{err.method} {err.path}: status {err.status}, differs: {err.report}")
        return DIFFERS
    except SmartSenseError as err:
        why = _WHY.get(type(err), "the answer was broken")
        print(f"GET {path}: could not check: {why}")
        return UNCHECKED
    print(f"GET {path}: status 200, matches")
    return MATCHES


async def _check(client: SmartSenseClient) -> int:
    """Check each endpoint once; the exit status."""
    pages: list[AssetPage] = []

    async def listing() -> None:
        pages.append(await client.async_get_asset_page(page=1))

    status = await _verdict(ASSETS_PATH, listing())
    points = [
        point.id for page in pages for a in page.assets for point in a.sensor_points
    ]
    if not points:
        if status != UNCHECKED:
            why = "the listing differs" if status else "no sensor point is listed"
            print(f"GET {READINGS_PATH}: not checked, {why}")
        return status or UNCHECKED
    end = datetime.now(UTC)
    readings = client.async_get_readings(points[0], end - timedelta(days=1), end)
    return max(status, await _verdict(READINGS_PATH, readings))


async def main() -> int:
    """Check the account the environment names; the exit status."""
    client_id = os.environ.get("SMARTSENSE_CLIENT_ID")
    secret = os.environ.get("SMARTSENSE_CLIENT_SECRET")
    if not client_id or not secret:
        print("Set SMARTSENSE_CLIENT_ID and SMARTSENSE_CLIENT_SECRET.")
        return UNCHECKED
    url = os.environ.get("SMARTSENSE_URL") or DEFAULT_BASE_URL
    async with aiohttp.ClientSession() as session:
        try:
            client = SmartSenseClient(session, client_id, secret, base_url=url)
        except ValueError as err:
            print(f"SMARTSENSE_URL is refused: {err}")
            return UNCHECKED
        print(f"Checking the SmartSense API at {url} against this version's contract")
        status = await _check(client)
    if status == DIFFERS:
        print(f"Some answers differ: please open an issue at {ISSUES_URL}")
        print("and paste this output (it holds no value, id, name or secret).")
    elif status == MATCHES:
        print("Every answer matches: the integration can read this account.")
    return status


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
