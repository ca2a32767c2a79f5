"""The SmartSense API client: tokens, data requests, paging. Only aiohttp (and msgspec)."""

import asyncio
from collections.abc import Callable, Mapping
from datetime import datetime
import ipaddress
import logging
import time
from typing import Any

import aiohttp
from yarl import URL

from . import contract
from .contract import Asset, AssetPage, Reading
from .decode import decode_asset_page, decode_readings
from .errors import (
    SmartSenseAccessRefusedError,
    SmartSenseConnectionError,
    SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError,
)
from .listing import read_listing
from .rate_limit import RetryAfterGate
from .token import AUTH_PATH, TOKEN_FORM, read_token

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.smartsense.co"
DEFAULT_TIMEOUT = 30.0


class SmartSenseClient:
    """Read-only access to one SmartSense account; ``clock`` gives monotonic seconds.

    Its bearer token (client-credentials grant) is kept until shortly before it
    expires; concurrent callers share one renewal.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        request_timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], float] | None = None,
    ) -> None:
        """Bind the client to a session and credentials; refuse unsafe URLs."""
        url = URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError("the API URL must be an http(s) URL with a host")
        if url.scheme == "http" and not _is_loopback(url.host):
            raise ValueError("plain http is only allowed to a loopback host")
        self._base_url = url
        self._basic_auth = aiohttp.encode_basic_auth(client_id, client_secret)
        self._clock = clock or time.monotonic
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._gate = RetryAfterGate(self._clock)
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._token_lock = asyncio.Lock()
        # When data was first refused since the last success (monotonic), or None.
        self._refused_since: float | None = None

    async def async_get_asset_page(
        self, page: int = 1, page_size: int = contract.MAX_PAGE_SIZE
    ) -> AssetPage:
        """Read one page of the asset listing."""
        query = contract.assets_query(page, page_size)
        return decode_asset_page(await self._get(contract.ASSETS_PATH, query))

    async def async_get_assets(self) -> list[Asset]:
        """Read every asset, with its sensor points, across all pages.

        Raises ``SmartSenseListingError`` (with the assets read) when the
        listing's paging contradicts itself.
        """
        return await read_listing(self.async_get_asset_page)

    async def async_get_readings(
        self, sensor_point_id: str, start: datetime, end: datetime
    ) -> list[Reading]:
        """Readings taken in [start, end), ascending; long windows are split."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if start > end:
            raise ValueError("start is after end")
        readings: list[Reading] = []
        while start < end:
            stop = min(start + contract.MAX_READINGS_WINDOW, end)
            query = contract.readings_query(start, stop)
            body = await self._get(contract.READINGS_PATH, query, id=sensor_point_id)
            readings.extend(decode_readings(body))
            start = stop
        return readings

    async def _valid_token(self) -> str:
        async with self._token_lock:
            if self._token is None or self._clock() >= self._token_valid_until:
                _LOGGER.debug("Requesting a SmartSense access token")
                status, body = await self._call(
                    "POST", AUTH_PATH, AUTH_PATH, self._basic_auth, data=TOKEN_FORM
                )
                self._token, usable = read_token(status, body)
                self._token_valid_until = self._clock() + usable
            return self._token

    async def _get(self, template: str, params: Mapping[str, str], **ids: str) -> bytes:
        path = template.format(**ids)
        for renewed in (False, True):
            token = await self._valid_token()
            status, body = await self._call(
                "GET", template, path, f"Bearer {token}", params=params
            )
            if status != 401 or renewed:
                break
            # Only the token that was refused is dropped: concurrent callers
            # that all got 401 for it then share one renewal.
            if self._token == token:
                self._token = None
            _LOGGER.debug("Token refused on %s; renewing once", path)
        if status != 200:
            # Credentials that still get tokens are not refused: SmartSense
            # refuses this client its data (for now). The fresh token is kept,
            # so that a lasting refusal costs one token per call, not two.
            now = self._clock()
            if self._refused_since is None:
                self._refused_since = now
            raise SmartSenseAccessRefusedError(
                f"SmartSense refused access to {path}", now - self._refused_since
            )
        self._refused_since = None
        return body

    async def _call(
        self, method: str, template: str, path: str, authorization: str, **kwargs: Any
    ) -> tuple[int, bytes]:
        # Returns a JSON 200 or a refusal for the caller to judge (OAuth2's 400
        # or 401 on the token, 401 or 403 on data); anything else raises. A data
        # request answered a 4xx or not JSON is not what SmartSense serves.
        refused = (400, 401) if template == AUTH_PATH else (401, 403)
        self._gate.check(template)
        try:
            async with self._session.request(
                method,
                self._base_url.with_path(path),
                timeout=self._timeout,
                headers={"Accept": "application/json", "Authorization": authorization},
                **kwargs,
            ) as response:
                status, content_type = response.status, response.content_type
                if status == 429:
                    retry_after = response.headers.get("Retry-After")
                    raise self._gate.hold(template, path, retry_after)
                json = status == 200 and content_type == "application/json"
                if json or status in refused:
                    return status, await response.read()
        except TimeoutError:
            raise SmartSenseConnectionError(f"{path} timed out") from None
        except aiohttp.ClientError as err:
            raise SmartSenseConnectionError(
                f"cannot reach SmartSense on {path} ({type(err).__name__})"
            ) from None
        if status >= 500:
            raise SmartSenseConnectionError(f"SmartSense answered {status} on {path}")
        got = f"status {status} ({content_type})" if status != 200 else content_type
        if template == AUTH_PATH:
            raise SmartSenseResponseError(f"{path} answered {got}")
        report = f"expected JSON with status 200; got {got}"
        raise SmartSenseUnexpectedAnswerError(method, template, status, report)


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
