"""Suite-wide safety nets (#6): the secret guard and the soak's options.

``conftest.py`` imports the ``log_guard`` fixture and the ``pytest_addoption``
hook from here. The guard records every log record of every test at DEBUG level
and, after the test, looks for the client secret, the HTTP Basic credentials
made from it, and every token a simulator issued during the test.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
import logging
import traceback
from unittest.mock import patch
from urllib.parse import quote

import aiohttp
import pytest

from simulator.auth import TokenStore

DEMO_CLIENT_ID = "demo"
DEMO_SECRET = "demo-secret"


class KnownSecrets:
    """The secret values of one test, each under a name that is safe to print."""

    def __init__(self) -> None:
        """Start with the demo account's secret and its Basic credentials."""
        self._names: dict[str, str] = {}
        self._secrets = 0
        self._tokens = 0
        self.add_credentials(DEMO_CLIENT_ID, DEMO_SECRET)

    def add(self, value: str, name: str) -> None:
        """Know one more secret value, also in its URL-encoded form."""
        if value:
            self._names.setdefault(value, name)
            self._names.setdefault(quote(value, safe=""), f"{name} (URL-encoded)")

    def add_credentials(self, client_id: str, secret: str) -> None:
        """Know a client secret and the Basic credentials a client sends for it."""
        self._secrets += 1
        self.add(secret, f"client secret #{self._secrets}")
        header = aiohttp.encode_basic_auth(client_id, secret)
        self.add(header.partition(" ")[2], f"Basic credentials #{self._secrets}")

    def add_token(self, token: str) -> None:
        """Know an access token that a simulator issued."""
        self._tokens += 1
        self.add(token, f"access token #{self._tokens}")

    @property
    def tokens(self) -> int:
        """How many tokens were issued so far."""
        return self._tokens

    def found_in(self, text: str) -> list[str]:
        """The names of the secrets that occur in ``text``."""
        return [name for value, name in self._names.items() if value in text]


class LogGuard(logging.Handler):
    """Keeps every record of one test, unformatted, and the secrets to look for."""

    def __init__(self, secrets: KnownSecrets) -> None:
        """Record from the lowest level."""
        super().__init__(logging.NOTSET)
        self.secrets = secrets
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record; it is read only after the test."""
        self.records.append(record)

    def leaks(self) -> list[str]:
        """One line per record that shows a secret: logger, level, what leaked."""
        return [
            f"{record.name} {record.levelname} {str(record.msg)[:80]!r}: "
            + ", ".join(names)
            for record in self.records
            if (names := self.secrets.found_in(record_text(record)))
        ]


def record_text(record: logging.LogRecord) -> str:
    """Everything a log record can show: message, arguments, exception, stack."""
    parts = [str(record.msg)]
    try:
        parts.append(record.getMessage())
    except Exception:  # noqa: BLE001 - a broken format still shows its arguments
        parts.append(repr(record.args))
    if record.exc_info and record.exc_info[1] is not None:
        parts.append(exception_text(record.exc_info[1]))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def exception_text(err: BaseException) -> str:
    """An exception as a log shows it, plus the repr of it and of its causes."""
    parts = traceback.format_exception(err)
    for link in exception_chain(err):
        parts.extend((repr(link), repr(link.args)))
    return "\n".join(parts)


def exception_chain(err: BaseException) -> Iterable[BaseException]:
    """The exception, then the causes and contexts a traceback shows, each once."""
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = (
            current.__cause__
            if current.__cause__ is not None or current.__suppress_context__
            else current.__context__
        )


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--soak``: run the fault soak at full size; ``--soak-seed``: its seed."""
    group = parser.getgroup("smartsense")
    group.addoption(
        "--soak",
        action="store_true",
        default=False,
        help="run the fault soak with at least 2,000 polls instead of ~200",
    )
    group.addoption(
        "--soak-seed",
        type=int,
        default=None,
        help="seed of the fault soak (default: the one in docs/reliability.md)",
    )


@pytest.fixture(autouse=True)
def log_guard() -> Iterator[LogGuard]:
    """Fail any test whose log records (DEBUG and up) show a secret.

    The secrets: the demo client secret, its Basic credentials, every token a
    simulator issues during the test, and any the test adds itself.
    """
    guard = LogGuard(KnownSecrets())
    issue = TokenStore.issue

    def issue_and_remember(
        store: TokenStore, client_id: str, lifetime: int, now: float
    ) -> str:
        token = issue(store, client_id, lifetime, now)
        guard.secrets.add_token(token)
        return token

    root = logging.getLogger()
    level = root.level
    root.addHandler(guard)
    root.setLevel(logging.DEBUG)
    try:
        with patch.object(TokenStore, "issue", issue_and_remember):
            yield guard
    finally:
        root.removeHandler(guard)
        root.setLevel(level)
    if found := guard.leaks():
        pytest.fail("secrets in log records:\n" + "\n".join(found), pytrace=False)
