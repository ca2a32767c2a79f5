"""Part A of the SmartSense API: the OAuth2 client-credentials token answer."""

from __future__ import annotations

import json
import logging
import math
import re

import aiohttp

from .errors import SmartSenseAuthError, SmartSenseResponseError

_LOGGER = logging.getLogger(__name__)

AUTH_PATH = "/auth/oauth"
TOKEN_FORM = {"grant_type": "client_credentials"}
# A token is renewed this long before SmartSense says it expires.
TOKEN_MARGIN = 60.0
# A longer lifetime is not believed: the token is renewed at least daily.
MAX_TOKEN_LIFETIME = 86400.0
# What may follow "Bearer " in a header (RFC 6750 b64token).
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# OAuth2 errors (RFC 6749 5.2) of a 400 from the token endpoint that refuse the
# client itself; any other 400 is a failed request, not refused credentials.
_CLIENT_REFUSED = frozenset({"invalid_client", "unauthorized_client"})


def refusal_error(
    status: int, oauth_error: str | None
) -> SmartSenseAuthError | SmartSenseResponseError:
    """The error for a token request answered 400 or 401.

    A 401, or a 400 whose OAuth2 error refuses the client, refuses the
    credentials; any other 400 is a request SmartSense could not use.
    """
    if status == 400 and oauth_error not in _CLIENT_REFUSED:
        return SmartSenseResponseError(
            f"SmartSense answered 400 on {AUTH_PATH} without invalid_client"
        )
    return SmartSenseAuthError("SmartSense refused the client credentials")


def decode_token(body: bytes) -> tuple[str, float]:
    """The access token of a token answer and how many seconds to use it.

    The token is used until ``TOKEN_MARGIN`` before it expires; a lifetime
    shorter than twice the margin is used for half its length.

    Raises:
        SmartSenseResponseError: the answer holds no usable token or lifetime.
    """
    try:
        payload = json.loads(body)
    except ValueError, RecursionError:
        raise SmartSenseResponseError(f"{AUTH_PATH} answered malformed JSON") from None
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
    _LOGGER.debug("Got a SmartSense token valid for %s s", lifetime)
    usable = lifetime - TOKEN_MARGIN if lifetime > 2 * TOKEN_MARGIN else lifetime / 2
    return token, usable


async def oauth_error(response: aiohttp.ClientResponse) -> str | None:
    """The OAuth2 ``error`` code of a 400's JSON body, if it has one."""
    if response.status != 400:
        return None
    try:
        payload = json.loads(await response.read())
    except ValueError, RecursionError:
        return None
    error = payload.get("error") if isinstance(payload, dict) else None
    return error if isinstance(error, str) else None
