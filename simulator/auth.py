"""OAuth2 client-credentials tokens (Part A), expiring by the simulated clock."""

import base64
import binascii
import secrets


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """Client id and secret from an HTTP Basic Authorization header."""
    if header is None:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except binascii.Error, UnicodeDecodeError:
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


def bearer_token(header: str | None) -> str | None:
    """The token of an HTTP Bearer Authorization header."""
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class TokenStore:
    """The access tokens issued, each with its client and expiry."""

    def __init__(self) -> None:
        """Start with no token issued."""
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (client id, expiry)

    def issue(self, client_id: str, lifetime: int, now: float) -> str:
        """A new token for ``client_id``, valid for ``lifetime`` seconds from ``now``."""
        # Opaque and base64-like, "+" and "/" included, as SmartSense's are.
        token = base64.b64encode(secrets.token_bytes(30)).decode()
        self._tokens[token] = (client_id, now + lifetime)
        return token

    def client_for(self, token: str | None, now: float) -> str | None:
        """The client a token was issued to, or None if unknown or expired."""
        if token is None or token not in self._tokens:
            return None
        client_id, expires = self._tokens[token]
        return client_id if now < expires else None

    def revoke_all(self) -> None:
        """Invalidate every token issued."""
        self._tokens.clear()

    def revoke_client(self, client_id: str) -> None:
        """Invalidate the tokens of one client."""
        self._tokens = {t: v for t, v in self._tokens.items() if v[0] != client_id}
