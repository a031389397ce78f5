"""Errors of the platform adapters.

PlatformError          base (an ``AgentsyncError``: the user can act on it)
├── InvalidInput       refused locally, before any request was sent (exit 2, like usage)
├── Unsupported        the platform has no such operation, e.g. cancelling an ambient agent (exit 2)
└── PlatformHTTPError  the platform answered with an error status (``status``, ``detail``), or
                       could not be reached (``status`` 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentsync.errors import AgentsyncError


class PlatformError(AgentsyncError):
    """Any failure of a platform call."""


class InvalidInput(PlatformError):
    """The request was refused locally; nothing was sent."""

    exit_code = 2


class Unsupported(PlatformError):
    """The platform's API has no such operation."""

    exit_code = 2


class PlatformHTTPError(PlatformError):
    def __init__(self, status: int, detail: Any, request_id: str | None = None) -> None:
        self.status = status
        self.detail = detail
        self.request_id = request_id
        suffix = f", request {request_id}" if request_id else ""
        where = f"HTTP {status}{suffix}" if status else "no answer"
        super().__init__(f"{_describe(detail)} ({where})")

    def without(self, secrets: Iterable[str]) -> PlatformHTTPError:
        """This error with none of ``secrets`` in its detail (a server may echo them)."""
        from agentsync.client.redaction import redacted

        return PlatformHTTPError(self.status, redacted(self.detail, secrets), self.request_id)


def _describe(detail: Any) -> str:
    """A validation error list (``[{"loc": [...], "msg": ...}]``) as ``where: why; ...``."""
    if isinstance(detail, list) and all(isinstance(d, dict) and "msg" in d for d in detail):
        parts = []
        for item in detail:
            where = ".".join(str(p) for p in item.get("loc") or () if p != "body")
            parts.append(f"{where}: {item['msg']}" if where else str(item["msg"]))
        return "; ".join(parts)
    return str(detail)
