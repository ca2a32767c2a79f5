"""HTTP to SmartSense: a safe base URL, and the typed error of an unusable answer."""

from __future__ import annotations

import ipaddress

import aiohttp
from yarl import URL

from .errors import (
    SmartSenseConnectionError,
    SmartSenseResponseError,
    SmartSenseUnexpectedAnswerError,
)


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


def check_answer(
    response: aiohttp.ClientResponse, method: str, path: str, template: str | None
) -> None:
    """Raise the typed error of an answer that is not JSON with status 200.

    For a data request, named by its path ``template``, a client error or an
    answer that is not JSON means the request is not what SmartSense serves
    (``SmartSenseUnexpectedAnswerError``).
    """
    status = response.status
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
