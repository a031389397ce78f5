"""Errors of the control plane, shared by the server (which maps them to statuses) and the
client (which raises them from responses).

    ControlPlaneError         any failed call; ``status``, ``detail``, ``request_id``
    ├── NotFound              404
    ├── Conflict              409 (e.g. an Idempotency-Key reused for another request)
    ├── Invalid               422; ``detail`` is a list of diagnostics or a message
    ├── BudgetExceeded        402; ``detail`` names the cap
    ├── Unauthorized          401
    └── Unavailable           the server could not be reached, or kept failing (5xx/429)
        └── Unreachable       no answer at all (nothing listens, the connection failed)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from agentsync.errors import AgentsyncError

T = TypeVar("T")


class ControlPlaneError(AgentsyncError):
    status = 500

    def __init__(self, detail: Any, *, status: int | None = None, request_id: str | None = None):
        self.detail = detail
        if status is not None:
            self.status = status
        self.request_id = request_id
        super().__init__(self._message())

    def without(self, secrets: Iterable[str]) -> ControlPlaneError:
        """This error with none of ``secrets`` in its detail (a server may echo them)."""
        from agentsync.client.redaction import redacted

        detail = redacted(self.detail, secrets)
        return type(self)(detail, status=self.status, request_id=self.request_id)

    @property
    def retryable(self) -> bool:
        """Whether the same call may succeed later: a server error, a rate limit, or no answer
        (the service's workers retry these and dead-letter the rest)."""
        return self.status >= 500 or self.status == 429

    def _message(self) -> str:
        if isinstance(self.detail, list):
            lines = [
                f"{d.get('path') or '-'}: {d.get('message')} [{d.get('rule')}]"
                if isinstance(d, dict)
                else str(d)
                for d in self.detail
            ]
            text = "invalid config:\n  " + "\n  ".join(lines)
        else:
            text = str(self.detail)
        suffix = f" (HTTP {self.status}, request {self.request_id})" if self.request_id else ""
        return text + suffix


class NotFound(ControlPlaneError):
    """No such config, run, thread or variable (or not this token's to see)."""

    status = 404


class Conflict(ControlPlaneError):
    """The request clashes with what is stored: a path another config holds, an
    Idempotency-Key reused for another request, a run of a deleted or disabled config."""

    status = 409


def problem_json(message: str, *, rule: str, path: str = "") -> dict[str, Any]:
    """One problem of a request (not of a place in a file), as a 422's ``detail`` lists it:
    at line 1, column 1, ``path`` naming the field."""
    return {
        "rule": rule,
        "severity": "error",
        "message": message,
        "line": 1,
        "column": 1,
        "path": path,
    }


class Invalid(ControlPlaneError):
    """The config or request fails validation; ``detail`` holds the diagnostics."""

    status = 422

    def diagnostics(self) -> list[dict[str, Any]]:
        """``detail`` as diagnostics: a list of them already, or one message, placed at 1:1."""
        if isinstance(self.detail, list):
            listed = [d for d in self.detail if isinstance(d, dict)]
            if listed:
                return listed
        message = str(self.detail) if not isinstance(self.detail, list) else str(self)
        return [problem_json(message, rule="invalid")]


class BudgetExceeded(ControlPlaneError):
    """A run would go past a spending limit."""

    status = 402


class Unauthorized(ControlPlaneError):
    """No token, or one the control plane does not accept."""

    status = 401


class Unavailable(ControlPlaneError):
    """The control plane could not be reached, or is not serving now (retryable)."""

    status = 503


class Unreachable(Unavailable):
    """No answer at all: nothing listens, or the connection failed (not a slow or oversized
    answer, nor an error status, which come from a control plane that was reached)."""


# The error for each status an answer can carry (503 is also raised for no answer at all).
BY_STATUS: dict[int, type[ControlPlaneError]] = {
    error.status: error for error in (Unauthorized, BudgetExceeded, NotFound, Conflict, Invalid)
}


def found(record: T | None, what: str) -> T:
    """``record``, or ``NotFound`` saying that ``what`` (e.g. ``run r_1``) is not found."""
    if record is None:
        raise NotFound(f"{what} not found")
    return record
