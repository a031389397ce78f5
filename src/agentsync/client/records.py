"""The wire records of the ``/v1`` API: runs, events, configs. One definition serves the server's
responses (and its OpenAPI), the store's rows and the client's parsing.

Money is in millicents (integers); times are RFC 3339 UTC strings with a ``Z``.
"""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

RunStatus = Literal[
    "scheduled", "creating_sandbox", "running", "completed", "error", "cancelled", "stopped"
]
RunSource = Literal["react", "manual", "api", "cli", "mention", "cron"]
EventType = Literal[
    "run.started",
    "message.delta",
    "tool.call",
    "tool.result",
    "run.waiting_for_input",  # the threads API dialect: see ``localserver.dialects.runner.Inputs``
    "run.completed",
    "run.failed",
    "run.cancelled",
]
FINAL_STATUSES: frozenset[str] = frozenset({"completed", "error", "cancelled", "stopped"})
FINAL_EVENTS: frozenset[str] = frozenset({"run.completed", "run.failed", "run.cancelled"})

_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str) -> str:
    """``agent_x9Kd3Fq2...``-style ids: a prefix and 16 random base62 characters."""
    return prefix + "_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def now() -> str:
    """The current time as the API writes it."""
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Run(_Record):
    """A run, as ``GET /v1/agents/runs/{id}`` returns it."""

    id: str
    customer_id: str
    created_at: str
    updated_at: str
    status: RunStatus
    status_reason: str | None = None
    source: RunSource
    agent_config_id: str | None = None
    cost_tokens: int = 0
    cost_sandbox_cpu: int = 0
    cost_sandbox_memory: int = 0
    cost_fee: int = 0
    tokens_total: int = 0
    metadata: dict[str, str] = Field(default_factory=dict)
    # Ours, beyond the platform's fields:
    prompt: str | None = None
    output: str | None = None
    structured_output: Any = None
    config_snapshot: dict[str, Any] = Field(default_factory=dict)

    @property
    def cost_millicents(self) -> int:
        return self.cost_tokens + self.cost_sandbox_cpu + self.cost_sandbox_memory + self.cost_fee


class RunEvent(_Record):
    """One entry of a run's ordered log."""

    seq: int
    type: EventType
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: str


class SyncError(_Record):
    """Why the last sync of a config's file failed; the last good config stays in force."""

    message: str
    commit: str | None = None
    diagnostics: list[dict[str, Any]] = Field(default_factory=list)
    created_at: str


class AgentConfigRecord(_Record):
    """A stored config, as ``GET /v1/agents/configs/{id}`` returns it."""

    id: str
    customer_id: str
    created_at: str
    updated_at: str
    deleted: bool = False
    last_job_run_id: str | None = None
    last_synced_commit_sha: str | None = None
    agent_config: dict[str, Any]
    # Ours: where it came from and what it is.
    repository: str | None = None
    path: str | None = None
    sha: str
    yaml: str | None = None
    enabled: bool = True
    requested_limits: dict[str, float | None] | None = None  # set when limits were clamped
    sync_error: SyncError | None = None  # the last sync error in full, with its diagnostics
    edited_by: dict[str, Any] | None = None  # the platform's last editor; none locally

    @computed_field  # type: ignore[prop-decorator]
    @property
    def last_sync_error(self) -> str | None:
        """The platform's field: the last sync error's message (details in ``sync_error``)."""
        return self.sync_error.message if self.sync_error else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def agent_config_source_details(self) -> dict[str, Any] | None:
        """The platform's field for where the config comes from (``HEAD``: the default branch)."""
        if self.path is None:
            return None
        return {"repo_id": None, "repository": self.repository, "path": self.path, "branch": "HEAD"}


DERIVED_CONFIG_FIELDS = frozenset({"last_sync_error", "agent_config_source_details"})


class VariableInfo(_Record):
    """A sandbox variable as the API shows it: never its value."""

    name: str
    created_at: str
    updated_at: str
