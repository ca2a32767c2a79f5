"""Part A of the SmartSense API: the OAuth2 client-credentials token answer."""

import logging
import sys
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from .errors import SmartSenseAuthError, SmartSenseResponseError

_LOGGER = logging.getLogger(__name__)

AUTH_PATH = "/auth/oauth"
TOKEN_FORM = {"grant_type": "client_credentials"}
# A token is renewed this long before SmartSense says it expires.
TOKEN_MARGIN = 60.0
# A longer lifetime is not believed: the token is renewed at least daily.
MAX_TOKEN_LIFETIME = 86400.0
# OAuth2 errors (RFC 6749 5.2) of a 400 from the token endpoint that refuse the
# client itself; any other 400 is a failed request, not refused credentials.
_CLIENT_REFUSED = frozenset({"invalid_client", "unauthorized_client"})


class _Token(Struct):
    # What may follow "Bearer " in a header (RFC 6750 b64token).
    access_token: Annotated[str, Meta(pattern=r"^[A-Za-z0-9\-._~+/]+=*\Z")]
    expires_in: Annotated[float, Meta(gt=0, le=sys.float_info.max)]


class _OAuthError(Struct):
    error: str | None = None


def read_token(status: int, body: bytes) -> tuple[str, float]:
    """The access token of a token answer (200, 400 or 401) and its usable seconds.

    Refused credentials raise ``SmartSenseAuthError``; any other 400, or an
    answer without a usable token, ``SmartSenseResponseError``.
    """
    if status == 400:
        try:
            error = msgspec.json.decode(body, type=_OAuthError).error
        except msgspec.DecodeError, RecursionError:
            error = None
        if error not in _CLIENT_REFUSED:
            raise SmartSenseResponseError(
                f"SmartSense answered 400 on {AUTH_PATH} without invalid_client"
            )
    if status != 200:
        raise SmartSenseAuthError("SmartSense refused the client credentials")
    try:
        answer = msgspec.json.decode(body, type=_Token)
    except msgspec.DecodeError, RecursionError:
        # The error's text is not shown: it could quote the token.
        raise SmartSenseResponseError(
            f"{AUTH_PATH} answered no usable access_token and expires_in"
        ) from None
    lifetime = min(answer.expires_in, MAX_TOKEN_LIFETIME)
    _LOGGER.debug("Got a SmartSense token valid for %s s", lifetime)
    # A lifetime too short for the margin is used for half its length.
    usable = lifetime - TOKEN_MARGIN if lifetime > 2 * TOKEN_MARGIN else lifetime / 2
    return answer.access_token, usable
