"""Config records on the local control plane: reading them, the sync API's writes (put, move,
delete, restore) and the sync error a config keeps when its file is refused.

A config is validated with the platform's rules (:mod:`agentsync.lint.validation`) before
anything is stored; a rejection is a 422 ``Invalid`` with the same diagnostics
(``invalid_if_rejected``), and nothing changes. A config's ``limits.run`` above the server's
maximum is clamped to it (``clamp_limits``; the record keeps what was asked for).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agentsync.client.errors import Conflict, Invalid, found
from agentsync.client.records import AgentConfigRecord, SyncError, new_id
from agentsync.lint.validation import ConfigRejected, validate_yaml
from agentsync.localserver.settings import Shared


@contextmanager
def invalid_if_rejected() -> Iterator[None]:
    """A config the platform's rules reject is a 422 ``Invalid`` with the same detail."""
    try:
        yield
    except ConfigRejected as error:
        raise Invalid(error.detail) from error


def clamp_limits(
    data: dict[str, Any], max_run: float | None
) -> tuple[dict[str, Any], dict[str, float | None] | None]:
    """Clamp ``limits.run`` to the platform maximum; also return the requested limits if so."""
    limits = dict(data.get("limits") or {})
    run = limits.get("run")
    if max_run is None or run is None or run <= max_run:
        return data, None
    requested = dict(limits)
    limits["run"] = max_run
    return {**data, "limits": limits}, requested


class Configs:
    """The config records in the store, written under the lock the runs share."""

    def __init__(self, shared: Shared) -> None:
        self._shared = shared

    def get(self, config_id: str) -> AgentConfigRecord:
        return found(self._shared.store.get_config(config_id), f"config {config_id}")

    def put(
        self, repository: str, path: str, text: str, commit: str | None
    ) -> tuple[AgentConfigRecord, bool]:
        """Create or update the config at (repository, path); nothing changes when invalid."""
        with invalid_if_rejected():
            valid = validate_yaml(text, path)
        data, requested = clamp_limits(valid.data, self._shared.settings.max_run_limit)
        now = self._shared.now()
        with self._shared.lock:
            current = self._shared.store.config_at(repository, path)
            if current is None:
                record = AgentConfigRecord(
                    id=new_id("agent"),
                    customer_id=self._shared.settings.customer_id,
                    created_at=now,
                    updated_at=now,
                    agent_config=data,
                    repository=repository,
                    path=path,
                    sha=valid.identity,
                    yaml=text,
                    enabled=valid.model.enabled,
                    last_synced_commit_sha=commit,
                    requested_limits=requested,
                )
                self._shared.store.insert_config(record)
                return record, True
            record = current.model_copy(
                update={
                    "updated_at": now,
                    "agent_config": data,
                    "sha": valid.identity,
                    "yaml": text,
                    "enabled": valid.model.enabled,
                    "deleted": False,
                    "last_synced_commit_sha": commit,
                    "sync_error": None,
                    "requested_limits": requested,
                }
            )
            self._shared.store.replace_config(record)
            return record, False

    def update(self, config_id: str, **changes: Any) -> AgentConfigRecord:
        """Store ``changes`` to the config's record (and its ``updated_at``)."""
        return self._store(config_id, {**changes, "updated_at": self._shared.now()})

    def record_run(self, config_id: str, run_id: str) -> AgentConfigRecord:
        """Note the config's last run: a run is not an edit, so ``updated_at`` stays."""
        return self._store(config_id, {"last_job_run_id": run_id})

    def _store(self, config_id: str, changes: dict[str, Any]) -> AgentConfigRecord:
        with self._shared.lock:
            record = self.get(config_id).model_copy(update=changes)
            self._shared.store.replace_config(record)
        return record

    def move(self, config_id: str, path: str) -> AgentConfigRecord:
        record = self.get(config_id)
        if record.repository is not None:
            other = self._shared.store.config_at(record.repository, path)
            if other is not None and other.id != config_id:
                raise Conflict(f"{record.repository}:{path} already holds config {other.id}")
        return self.update(config_id, path=path)

    def delete(self, config_id: str) -> AgentConfigRecord:
        record = self.update(config_id, deleted=True)
        self._shared.store.forget_cron(config_id)
        return record

    def restore(self, config_id: str) -> AgentConfigRecord:
        return self.update(config_id, deleted=False)

    def set_sync_error(
        self, config_id: str, message: str, commit: str | None, diagnostics: list[dict[str, Any]]
    ) -> AgentConfigRecord:
        """Keep the config as it is, with the error of the file sync could not apply."""
        error = SyncError(
            message=message, commit=commit, diagnostics=diagnostics, created_at=self._shared.now()
        )
        return self.update(config_id, sync_error=error)
