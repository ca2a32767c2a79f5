"""One HTTP request to SmartSense: a safe base URL, a JSON body, typed errors."""

from __future__ import annotations

from collections.abc import Mapping
import ipaddress
from typing import Any

import aiohttp
from yarl import URL

from .errors import (
    SmartSenseConnectionError,
    SmartSenseRateLimitError,
    SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError,
)
from .rate_limit import RetryAfterGate, parse_retry_after


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url: str) -> URL:
    """The API URL; ``ValueError`` unless https, or plain http to a loopback host."""
    url = URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("the API URL must be an http(s) URL with a host")
    if url.scheme == "http" and not _is_loopback(url.host):
        raise ValueError("plain http is only allowed to a loopback host")
    return url


class Transport:
    """Sends requests to one SmartSense base URL through a shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: URL,
        timeout: aiohttp.ClientTimeout,
        gate: RetryAfterGate,
    ) -> None:
        """Send through ``session`` with ``timeout``; ``gate`` holds 429 waits."""
        self._session = session
        self._base_url = base_url
        self._timeout = timeout
        self._gate = gate

    async def call(
        self,
        method: str,
        path: str,
        kind: str,
        *,
        refused: tuple[int, ...],
        headers: Mapping[str, str],
        template: str | None = None,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Send one request; its status and body, or a typed error for any failure.

        The status is 200, or one in ``refused`` (credentials refused) for the
        caller to judge. No request is sent before a ``Retry-After`` SmartSense
        gave has passed (``kind`` names what is asked for; see
        ``RetryAfterGate``). A data request names its path ``template``: another
        client error, or an answer that is not JSON, then means the request is
        not what SmartSense serves (``SmartSenseUnexpectedAnswerError``).
        """
        self._gate.check(kind)
        try:
            async with self._session.request(
                method,
                self._base_url.with_path(path),
                timeout=self._timeout,
                headers={"Accept": "application/json", **headers},
                **kwargs,
            ) as response:
                if response.status not in refused:
                    _check(response, method, path, template)
                return response.status, await response.read()
        except SmartSenseRateLimitError as err:
            self._gate.hold(kind, err)
            raise
        except TimeoutError:
            raise SmartSenseConnectionError(f"{path} timed out") from None
        except aiohttp.ClientError as err:
            raise SmartSenseConnectionError(
                f"cannot reach SmartSense on {path} ({type(err).__name__})"
            ) from None


def _check(
    response: aiohttp.ClientResponse, method: str, path: str, template: str | None
) -> None:
    status = response.status
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise SmartSenseRateLimitError(
            f"SmartSense is rate limiting {path}", retry_after
        )
    if status >= 500:
        raise SmartSenseConnectionError(f"SmartSense answered {status} on {path}")
    kind = response.content_type
    if status == 200 and kind == "application/json":
        return
    if template is not None:
        got = f"status {status} ({kind})" if status != 200 else kind
        report = f"expected JSON with status 200; got {got}"
        raise SmartSenseUnexpectedAnswerError(method, template, status, report)
    if status != 200:
        raise SmartSenseResponseError(f"SmartSense answered {status} on {path}")
    raise SmartSenseResponseError(f"{path} did not answer JSON")
