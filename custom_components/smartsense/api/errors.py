"""Errors raised by the SmartSense client; none of them carries a secret."""


class SmartSenseError(Exception):
    """Base class of every error the client raises."""


class SmartSenseAuthError(SmartSenseError):
    """The token endpoint refused the client credentials."""


class SmartSenseAccessRefusedError(SmartSenseError):
    """Data refused (403, or 401 with a fresh token) for ``refused_for`` seconds."""

    def __init__(self, message: str, refused_for: float) -> None:
        """Carry the message and how long data has been refused."""
        super().__init__(message)
        self.refused_for = refused_for


class SmartSenseConnectionError(SmartSenseError):
    """SmartSense could not be reached, timed out, or answered 5xx."""


class SmartSenseRateLimitError(SmartSenseError):
    """SmartSense answered 429; ``retry_after`` is the wait in seconds, if given."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        """Carry the message and the wait SmartSense asked for."""
        super().__init__(message)
        self.retry_after = retry_after


class SmartSenseResponseError(SmartSenseError):
    """SmartSense answered something the client cannot use."""


class SmartSenseUnexpectedAnswerError(SmartSenseResponseError):
    """A data answer in a shape this version does not know; ``path`` is a template."""

    def __init__(self, method: str, path: str, status: int, report: str) -> None:
        """Carry the request, the HTTP status and the shape report."""
        super().__init__(f"{method} {path} answered {status}: {report}")
        self.method = method
        self.path = path
        self.status = status
        self.report = report
