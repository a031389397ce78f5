"""One shape for a run on any platform (``NormalizedRun``) and for an event of its live log
(``Event``), and each platform's native statuses mapped onto the normalized ones.

Every table maps *every* native status of its platform (a test checks the enums: ``EllipsisStatus``
below, the others in :mod:`agentsync.platform_statuses`); a status a platform adds later is
refused loudly by ``normalize`` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from agentsync.platform_statuses import AmbientState, DeploymentStatus, ThreadStatus

Status = Literal[
    "queued",
    "starting",
    "running",
    "waiting_for_input",
    "succeeded",
    "failed",
    "cancelled",
    "timed_out",
]
Platform = Literal["ellipsis", "deployments", "threads", "ambient"]
FINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "timed_out"})

EllipsisStatus = Literal[
    "scheduled", "creating_sandbox", "running", "completed", "error", "cancelled", "stopped"
]

NATIVE_STATUSES: Mapping[Platform, tuple[str, ...]] = {
    "ellipsis": get_args(EllipsisStatus),
    "deployments": get_args(DeploymentStatus),
    "threads": get_args(ThreadStatus),
    "ambient": get_args(AmbientState),
}

STATUS_TABLES: Mapping[Platform, Mapping[str, Status]] = {
    "ellipsis": {
        "scheduled": "queued",
        "creating_sandbox": "starting",
        "running": "running",
        "completed": "succeeded",
        "error": "failed",
        "cancelled": "cancelled",
        "stopped": "failed",  # stopped by limits.run: over budget, not timed out
    },
    "deployments": {
        "queued": "queued",
        "starting": "starting",
        "installing": "starting",
        "running": "running",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
        "timed_out": "timed_out",
    },
    "threads": {
        "running": "running",
        "completed": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
        "waiting_for_input": "waiting_for_input",
    },
    "ambient": {
        "QUEUED": "queued",
        "PENDING": "starting",
        "CLAIMED": "starting",
        "INPROGRESS": "running",
        "SUCCEEDED": "succeeded",
        "FAILED": "failed",
    },
}


def normalize(platform: Platform, native_status: str) -> Status:
    """``native_status`` of ``platform`` as a normalized status; ``ValueError`` if unknown."""
    try:
        return STATUS_TABLES[platform][native_status]
    except KeyError:
        raise ValueError(f"unknown {platform} run status {native_status!r}") from None


class NormalizedRun(BaseModel):
    """A run as every adapter returns it. Times are RFC 3339 strings as the platform sent them;
    ``links`` holds related ids and URLs (thread, deployment, trace, session...); ``native``
    the platform's other fields, as sent (usage details, mode, process id, retention...).
    A cost that is no finite number is refused: JSON output could not hold it (an answer
    holding one is refused before, when it is read: :mod:`agentsync.http.json_body`)."""

    model_config = ConfigDict(frozen=True, allow_inf_nan=False)

    id: str
    platform: Platform
    status: Status
    native_status: str
    created_at: str | None = None
    started_at: str | None = None
    completed_at: str | None = None
    cost_usd: float | None = None
    tokens: int | None = None
    output: Any = None
    failure_reason: str | None = None
    exit_code: int | None = None
    links: dict[str, Any] = Field(default_factory=dict)
    native: dict[str, Any] = Field(default_factory=dict)

    @property
    def final(self) -> bool:
        return self.status in FINAL


class Event(BaseModel):
    """One entry of a run's live log, from a platform that streams (``seq`` orders and resumes)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    type: str
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: str | None = None


def present(data: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The fields of ``data`` among ``names`` that are there and not None."""
    return {name: data[name] for name in names if data.get(name) is not None}
