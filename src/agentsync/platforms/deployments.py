"""Agent deployments (their API reference): ``POST /v1/agent-deployments/{deployment_id}/runs``.

Every create carries an ``Idempotency-Key`` (given, or a fresh UUID), the same on every retry,
so a retried create never starts a second run. ``envs`` are write-only: they go in the request
body and nowhere else (not in a ``repr``, a log record or an error message).

The API reference documents only the create; ``get``, ``list`` and ``cancel`` use the local control
plane's additions (``GET .../runs``, ``GET .../runs/{run_id}``, ``POST .../{run_id}/cancel``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from agentsync.client.calls import segment
from agentsync.config.variables import name_problem
from agentsync.platforms.base import Http, an_object, next_cursor, reading
from agentsync.platforms.base import page_size as page_size_for
from agentsync.platforms.errors import InvalidInput, PlatformHTTPError
from agentsync.platforms.model import NormalizedRun, Platform, normalize, present

MAX_PAGE = 1000  # the local control plane's bound: the API reference has no list
MAX_RETENTION = 2**63 - 1  # integer<int64>
FILTERS: tuple[str, ...] = ()


def _check(
    input: Any,
    envs: Any,
    retain_on_failure: Any,
    retention_seconds: Any,
    version_id: Any,
    idempotency_key: Any,
) -> None:
    if version_id is not None and (not isinstance(version_id, str) or not version_id):
        raise InvalidInput("version_id must be a non-empty string or omitted")
    if idempotency_key is not None and (
        not isinstance(idempotency_key, str) or not idempotency_key.strip()
    ):
        raise InvalidInput("the Idempotency-Key must be a non-empty string or omitted")
    if input is not None and not isinstance(input, Mapping):
        raise InvalidInput(f"input must be an object, not {type(input).__name__}")
    if retain_on_failure is not None and not isinstance(retain_on_failure, bool):
        raise InvalidInput("retain_on_failure must be true, false or omitted")
    if retention_seconds is not None and (
        isinstance(retention_seconds, bool)
        or not isinstance(retention_seconds, int)
        or not 1 <= retention_seconds <= MAX_RETENTION
    ):
        raise InvalidInput(
            f"retention_seconds must be an integer >= 1 (at most 2^63-1), got {retention_seconds!r}"
        )
    if envs is None:
        return
    if not isinstance(envs, Mapping):
        raise InvalidInput("envs must be an object of names to string values")
    for name, value in envs.items():  # messages name the variable, never its value
        if not isinstance(name, str):
            raise InvalidInput(f"envs: {name!r} is not an environment variable name")
        problem = name_problem(name)
        if problem is not None:
            raise InvalidInput(f"envs: {problem}")
        if not isinstance(value, str):
            raise InvalidInput(f"envs: the value of {name} must be a string")
        if "\0" in value:
            raise InvalidInput(f"envs: the value of {name} holds a NUL character")


@reading("deployments", "an agent run")
def to_normalized(data: Mapping[str, Any]) -> NormalizedRun:
    """A run as the API reference's response shows it; a ``PlatformError`` for anything else."""
    data = an_object(data)
    return NormalizedRun(
        id=data["id"],
        platform="deployments",
        status=normalize("deployments", data["status"]),
        native_status=data["status"],
        created_at=data.get("created_at"),
        started_at=data.get("started_at"),
        completed_at=data.get("completed_at"),
        output=data.get("output_manifest") or None,
        failure_reason=data.get("failure_reason"),
        exit_code=data.get("exit_code"),
        links=present(data, ("deployment_id", "version_id", "sandbox_id", "idempotency_key")),
        native=present(
            data,
            ("mode", "process_id", "retain_on_failure", "retention_seconds", "input", "updated_at"),
        ),
    )


class DeploymentsAdapter:
    """Runs of one agent deployment."""

    platform: Platform = "deployments"

    def __init__(self, http: Http, deployment_id: str) -> None:
        if not deployment_id:
            raise InvalidInput("a deployment id is required")
        self.http = http
        self.deployment_id = deployment_id

    @property
    def _runs(self) -> str:
        return f"/v1/agent-deployments/{segment(self.deployment_id)}/runs"

    def start(
        self,
        input: Mapping[str, Any] | None = None,
        *,
        version_id: str | None = None,
        envs: Mapping[str, str] | None = None,
        retain_on_failure: bool | None = None,
        retention_seconds: int | None = None,
        idempotency_key: str | None = None,
    ) -> NormalizedRun:
        _check(input, envs, retain_on_failure, retention_seconds, version_id, idempotency_key)
        body: dict[str, Any] = {"input": dict(input or {})}
        for name, value in (
            ("version_id", version_id),
            ("envs", dict(envs) if envs is not None else None),
            ("retain_on_failure", retain_on_failure),
            ("retention_seconds", retention_seconds),
        ):
            if value is not None:
                body[name] = value
        key = idempotency_key or str(uuid.uuid4())
        try:
            data = self.http.call("POST", self._runs, json=body, idempotency_key=key)
        except PlatformHTTPError as error:  # a server may echo the body in its error
            raise error.without((envs or {}).values()) from None
        return to_normalized(data)

    def _run(self, run_id: str) -> str:
        if not run_id:
            raise InvalidInput("a run id is required")
        return f"{self._runs}/{segment(run_id)}"

    def get(self, run_id: str) -> NormalizedRun:
        return to_normalized(self.http.call("GET", self._run(run_id)))

    def list(
        self, *, limit: int = 100, page_size: int | None = None, **filters: Any
    ) -> Iterator[NormalizedRun]:
        size = page_size_for(page_size, limit, MAX_PAGE)
        if filters:
            raise InvalidInput(f"unknown filters for deployment runs: {', '.join(sorted(filters))}")
        cursor: str | None = None
        seen: set[str] = set()
        left = limit
        while left > 0:
            params = {"limit": min(left, size), "cursor": cursor}
            page = self.http.call("GET", self._runs, params=params)
            with reading("deployments", "a list of runs"):
                page = an_object(page)
                items, sent = list(page["runs"][:left]), page.get("next_cursor")
            for item in items:
                yield to_normalized(item)
                left -= 1
            cursor = next_cursor("deployments", sent, seen, not items) if left else None
            if cursor is None:
                return

    def cancel(self, run_id: str) -> NormalizedRun:
        return to_normalized(self.http.call("POST", f"{self._run(run_id)}/cancel"))
