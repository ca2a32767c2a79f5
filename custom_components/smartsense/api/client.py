"""The SmartSense API client: tokens, requests, paging. Only aiohttp (and msgspec)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
import ipaddress
import json
import logging
import math
import re
import time
from typing import Any

import aiohttp
from yarl import URL

from . import contract
from .contract import Asset, AssetPage, Reading
from .errors import (
    SmartSenseAccessRefusedError,
    SmartSenseAuthError,
    SmartSenseConnectionError,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.smartsense.co"
DEFAULT_TIMEOUT = 30.0
AUTH_PATH = "/auth/oauth"
# A token is renewed this long before SmartSense says it expires.
TOKEN_MARGIN = 60.0
# A longer lifetime is not believed: the token is renewed at least daily.
MAX_TOKEN_LIFETIME = 86400.0
# What may follow "Bearer " in a header (RFC 6750 b64token).
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_ALL = "all"
READINGS = "readings"
# A longer Retry-After is not believed: no wait outlasts an hour, a few polls.
MAX_RETRY_AFTER = 3600.0
# OAuth2 errors (RFC 6749 5.2) of a 400 from the token endpoint that refuse the
# client itself; any other 400 is a failed request, not refused credentials.
_CLIENT_REFUSED = frozenset({"invalid_client", "unauthorized_client"})
# Walks restarted because the listing changed under the client, before giving up.
LISTING_RESTARTS = 2


def _monotonic() -> float:
    # Looked up at each call, so that a patched clock (tests) is honoured.
    return time.monotonic()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str) -> URL:
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("the API URL must be an http(s) URL with a host")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ValueError("plain http is only allowed to a loopback host")
    return url


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except TypeError, ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(seconds, 0.0)


class SmartSenseClient:
    """Read-only access to one SmartSense account.

    The client obtains a bearer token with the client-credentials grant, keeps
    it until shortly before it expires, and shares one renewal between
    concurrent callers. ``clock`` gives monotonic seconds (default
    ``time.monotonic``).
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
        self._session = session
        self._basic_auth = aiohttp.encode_basic_auth(client_id, client_secret)
        self._base_url = _check_base_url(base_url)
        self._timeout = aiohttp.ClientTimeout(total=request_timeout)
        self._clock = clock or _monotonic
        self._token: str | None = None
        self._token_valid_until = 0.0
        self._token_lock = asyncio.Lock()
        # Monotonic time before which no request may go out, after a 429:
        # for every path, or (a 429 on readings) for readings only.
        self._not_before: dict[str, float] = {}
        self._retry_after_capped = False
        # Monotonic time of the first refused data request since the last
        # successful one, or None.
        self._refused_since: float | None = None
        # The body of the last data answer per kind, decoded or not: diagnostics
        # show its shape, the one way to compare SmartSense's real answers with
        # the modelled contract. A reference to bytes already read costs nothing.
        self.last_answers: dict[str, bytes] = {}

    async def async_get_asset_page(
        self, page: int = 1, page_size: int = contract.MAX_PAGE_SIZE
    ) -> AssetPage:
        """Read one page of the asset listing."""
        body = await self._get(
            contract.ASSETS_PATH, contract.assets_query(page, page_size), "assets"
        )
        return contract.decode_asset_page(body)

    async def async_get_assets(self) -> list[Asset]:
        """Read every asset, with its sensor points, across all pages."""
        for _ in range(LISTING_RESTARTS):
            try:
                return await self._walk_assets()
            except _ListingChanged:
                _LOGGER.debug("Asset listing changed while paging; reading it again")
        try:
            return await self._walk_assets()
        except _ListingChanged:
            raise SmartSenseResponseError(
                "the asset listing kept changing while it was read"
            ) from None

    async def _walk_assets(self) -> list[Asset]:
        """Read the listing page by page; judge whether its paging holds together.

        A ``totalCount`` that changes between pages, or pages that run out
        before it, mean the listing changed while it was read: ``_ListingChanged``
        (the caller reads it again). A page shorter than its ``pageSize`` does
        not end the walk by itself (a server may cap the page size silently).
        These contradict themselves and raise ``SmartSenseListingError`` with
        every asset read, none twice: an answer for another page than the one
        asked for, a page that repeats assets already read, and pages that run
        past ``totalCount``. When the assets read reach ``totalCount`` on a
        full page, the next page is read too, to catch a ``totalCount`` that
        counted only the first page; after that contradiction the walk goes on
        while pages are full, so that every asset is read all the same.
        """
        assets: list[Asset] = []
        seen: set[str] = set()
        received = 0
        total: int | None = None
        contradiction: str | None = None
        page_number = 1
        while True:
            page = await self.async_get_asset_page(page_number)
            if page.page != page_number:
                contradiction = f"asked for page {page_number}, got page {page.page}"
            elif any(asset.id in seen for asset in page.assets):
                contradiction = f"page {page_number} repeats assets"
            elif contradiction is None:
                if total is not None and page.total_count != total:
                    raise _ListingChanged
                total = page.total_count
                if page.received == 0 and received < total:
                    raise _ListingChanged
            new = [asset for asset in page.assets if asset.id not in seen]
            seen.update(asset.id for asset in new)
            assets.extend(new)
            received += page.received
            if page.page != page_number or len(new) < len(page.assets):
                break
            if total is not None and received > total and contradiction is None:
                contradiction = f"page {page_number} runs past totalCount {total}"
            full = page.received >= page.page_size > 0
            if page.received == 0 or (
                not full and (contradiction is not None or received >= (total or 0))
            ):
                break
            page_number += 1
        if contradiction is not None:
            raise SmartSenseListingError(contradiction, assets)
        return assets

    async def async_get_readings(
        self, sensor_point_id: str, start: datetime, end: datetime
    ) -> list[Reading]:
        """Readings taken in [start, end), ascending; long windows are split."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        if start > end:
            raise ValueError("start is after end")
        window = timedelta(days=contract.MAX_READINGS_WINDOW_DAYS)
        path = contract.readings_path(sensor_point_id)
        readings: list[Reading] = []
        while start < end:
            stop = min(start + window, end)
            body = await self._get(path, contract.readings_query(start, stop), READINGS)
            readings.extend(contract.decode_readings(body))
            start = stop
        return readings

    async def _valid_token(self) -> str:
        async with self._token_lock:
            if self._token is None or self._clock() >= self._token_valid_until:
                self._token = await self._request_token()
            return self._token

    def _drop_token(self, token: str) -> None:
        # Only the token that was refused is dropped: concurrent callers that
        # all got 401 for it then share one renewal.
        if self._token == token:
            self._token = None

    async def _request_token(self) -> str:
        _LOGGER.debug("Requesting a SmartSense access token")
        try:
            body = await self._call(
                "POST",
                AUTH_PATH,
                "token",
                headers={"Authorization": self._basic_auth},
                data={"grant_type": "client_credentials"},
                refused=(400, 401),
            )
        except _Refused as err:
            if err.status == 400 and err.error not in _CLIENT_REFUSED:
                raise SmartSenseResponseError(
                    f"SmartSense answered 400 on {AUTH_PATH} without invalid_client"
                ) from None
            raise SmartSenseAuthError(
                "SmartSense refused the client credentials"
            ) from None
        payload = _json(body, AUTH_PATH)
        if not isinstance(payload, dict):
            raise SmartSenseResponseError("token answer is not a JSON object")
        token = payload.get("access_token")
        if not isinstance(token, str) or not _TOKEN.fullmatch(token):
            raise SmartSenseResponseError("token answer has no usable access_token")
        lifetime = payload.get("expires_in")
        if (
            not isinstance(lifetime, int | float)
            or isinstance(lifetime, bool)
            or not 0 < lifetime < math.inf
        ):
            raise SmartSenseResponseError("token answer has no valid expires_in")
        lifetime = min(lifetime, MAX_TOKEN_LIFETIME)
        # A lifetime shorter than twice the margin is used for half its length.
        usable = (
            lifetime - TOKEN_MARGIN if lifetime > 2 * TOKEN_MARGIN else lifetime / 2
        )
        self._token_valid_until = self._clock() + usable
        _LOGGER.debug("Got a SmartSense token valid for %s s", lifetime)
        return token

    async def _get(self, path: str, params: Mapping[str, str], kind: str) -> bytes:
        token = await self._valid_token()
        try:
            try:
                body = await self._bearer_get(path, params, token, kind)
            except _Refused as err:
                if err.status != 401:
                    raise
                self._drop_token(token)
                _LOGGER.debug("Token refused on %s; renewing once", path)
                token = await self._valid_token()
                body = await self._bearer_get(path, params, token, kind)
        except _Refused:
            # Credentials that still get tokens are not refused: SmartSense
            # refuses this client its data (for now). The fresh token is kept,
            # so that a lasting refusal costs one token per call, not two.
            raise self._access_refused(path) from None
        self._refused_since = None
        self.last_answers[kind] = body
        return body

    def _access_refused(self, path: str) -> SmartSenseAccessRefusedError:
        now = self._clock()
        if self._refused_since is None:
            self._refused_since = now
        return SmartSenseAccessRefusedError(
            f"SmartSense refused access to {path}", now - self._refused_since
        )

    async def _bearer_get(
        self, path: str, params: Mapping[str, str], token: str, kind: str
    ) -> bytes:
        return await self._call(
            "GET",
            path,
            kind,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            refused=(401, 403),
        )

    async def _call(
        self,
        method: str,
        path: str,
        kind: str,
        *,
        refused: tuple[int, ...],
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> bytes:
        """Send one request and read its JSON body; map every failure to an error.

        Raises ``_Refused`` for a status in ``refused``, for the caller to judge.
        No request is sent before a ``Retry-After`` SmartSense gave has passed.
        A 429 on readings (history, never urgent) pauses only readings, so that
        the asset listing keeps live values current.
        """
        now = self._clock()
        wait = (
            max(self._not_before.get(_ALL, 0.0), self._not_before.get(kind, 0.0)) - now
        )
        if wait > 0:
            raise SmartSenseRateLimitError(
                "waiting for SmartSense's Retry-After to pass", wait
            )
        try:
            async with self._session.request(
                method,
                self._base_url.with_path(path),
                timeout=self._timeout,
                headers={"Accept": "application/json", **(headers or {})},
                **kwargs,
            ) as response:
                if response.status in refused:
                    raise _Refused(response.status, await _oauth_error(response))
                return await self._body(response, path)
        except SmartSenseRateLimitError as err:
            if err.retry_after:
                err.retry_after = self._cap_retry_after(err.retry_after)
                scope = kind if kind == READINGS else _ALL
                self._not_before[scope] = self._clock() + err.retry_after
            raise
        except TimeoutError:
            raise SmartSenseConnectionError(f"{path} timed out") from None
        except aiohttp.ClientError as err:
            raise SmartSenseConnectionError(
                f"cannot reach SmartSense on {path} ({type(err).__name__})"
            ) from None

    def _cap_retry_after(self, seconds: float) -> float:
        if seconds <= MAX_RETRY_AFTER:
            return seconds
        if not self._retry_after_capped:
            self._retry_after_capped = True
            _LOGGER.warning(
                "SmartSense asked to wait %.0f seconds before the next request;"
                " waiting %.0f seconds instead (logged once)",
                seconds,
                MAX_RETRY_AFTER,
            )
        return MAX_RETRY_AFTER

    @staticmethod
    async def _body(response: aiohttp.ClientResponse, path: str) -> bytes:
        status = response.status
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise SmartSenseRateLimitError(
                f"SmartSense is rate limiting {path}", retry_after
            )
        if status >= 500:
            raise SmartSenseConnectionError(f"SmartSense answered {status} on {path}")
        if status != 200:
            raise SmartSenseResponseError(f"SmartSense answered {status} on {path}")
        if response.content_type != "application/json":
            raise SmartSenseResponseError(f"{path} did not answer JSON")
        return await response.read()


def _json(body: bytes, path: str) -> Any:
    try:
        return json.loads(body)
    except ValueError, RecursionError:
        raise SmartSenseResponseError(f"{path} answered malformed JSON") from None


async def _oauth_error(response: aiohttp.ClientResponse) -> str | None:
    """The OAuth2 ``error`` code of a refusal's JSON body, if it has one."""
    if response.status != 400:
        return None
    try:
        payload = json.loads(await response.read())
    except ValueError, RecursionError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, str) else None


class SmartSenseListingError(SmartSenseResponseError):
    """The asset listing's paging contradicted itself.

    ``assets`` holds every asset read before (and including) the contradiction:
    usable as current values, but maybe not all the assets SmartSense has.
    """

    def __init__(self, message: str, assets: list[Asset]) -> None:
        super().__init__(message)
        self.assets = assets


class _Refused(Exception):
    """The server refused the request's credentials; the caller decides."""

    def __init__(self, status: int, error: str | None) -> None:
        super().__init__(status)
        self.status = status
        self.error = error


class _ListingChanged(Exception):
    """The asset listing changed between two pages of one walk."""
