"""Errors of the platform adapters.

PlatformError          base (an ``AgentsyncError``: the user can act on it)
├── InvalidInput       refused locally, before any request was sent
├── Unsupported        the platform has no such operation (e.g. cancelling on seed 004)
└── PlatformHTTPError  the platform answered with an error status; ``status``, ``detail``
"""

from __future__ import annotations

from typing import Any

from agentsync.errors import AgentsyncError


class PlatformError(AgentsyncError):
    """Any failure of a platform call."""


class InvalidInput(PlatformError):
    """The request was refused locally; nothing was sent."""


class Unsupported(PlatformError):
    """The platform's API has no such operation."""


class PlatformHTTPError(PlatformError):
    def __init__(self, status: int, detail: Any, request_id: str | None = None) -> None:
        self.status = status
        self.detail = detail
        self.request_id = request_id
        suffix = f", request {request_id}" if request_id else ""
        super().__init__(f"{detail} (HTTP {status}{suffix})")
