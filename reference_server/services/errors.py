"""Why a use case refused: the errors every service raises, whoever called it.

A service that raises one of these has changed nothing. The entry points translate them,
each with one table: ``api/errors.py`` to an HTTP status and the JSON error body,
``realtime/socket.py`` to an ``error`` frame. Services never know which one called them.

Exception hierarchy::

    ServiceError (message, fields, code)
    ├── Unauthorized        the caller is not known (no or a bad credential)
    ├── Forbidden           the caller is known but may not do this
    ├── NotFound            no such thing — or not the caller's to see
    ├── Conflict            the thing's state does not allow it now
    │                       (``code`` says which: invalid_transition, at_capacity, …)
    ├── ValidationFailed    the input breaks a rule; ``fields`` maps each bad field to why
    │   └── InvalidChatflow a chatflow's settings (CF7), every bad field by its path
    ├── TooManyRequests     a rate limit; ``retry_after`` says in how many seconds to retry
    └── Withdrawn           the client went away before its request's turn (nobody to tell)

``code`` is a short machine-readable reason; left out, the entry point's table gives the
class's general code (``not_found``, ``conflict``, …).
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidChatflow",
    "NotFound",
    "ServiceError",
    "TooManyRequests",
    "Unauthorized",
    "ValidationFailed",
    "Withdrawn",
]


class ServiceError(Exception):
    """A use case refused; nothing was stored."""

    def __init__(
        self, message: str, *, fields: Mapping[str, str] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.code = code


class Unauthorized(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class ValidationFailed(ServiceError):
    pass


class InvalidChatflow(ValidationFailed):
    """The chatflow is not valid; ``fields`` maps each bad field's dotted path to why."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("the chatflow is not valid", fields=fields)


class TooManyRequests(ServiceError):
    """A rate limit was reached; try again after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Withdrawn(ServiceError):
    """The client went away while its request waited its turn; it was dropped."""
