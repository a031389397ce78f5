"""Runs on the local control plane: starting them (from a config, an inline config, a template,
a replay or a cron trigger), executing them on a thread pool with the ``Runner``, cancelling
them, their events, and the ``EventBus`` that wakes stream readers.

Every state change is stored before it is announced. A run's config is frozen when it is
created (its snapshot); the budgets are checked under the same lock as its insert, so no
other run can take the same budget in between.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentsync.client.errors import Conflict, Invalid, NotFound, found
from agentsync.client.records import FINAL_STATUSES, Run, RunEvent, new_id
from agentsync.lint.validation import parse_yaml_mapping, validate_data
from agentsync.localserver.budgets import Budgets
from agentsync.localserver.configs import Configs, clamp_limits, invalid_if_rejected
from agentsync.localserver.runners import RunContext, Runner, RunOutcome
from agentsync.localserver.settings import Shared, stamp
from agentsync.localserver.store import RunQuery
from agentsync.localserver.variables import Variables
from agentsync.localserver.vault import VaultError

LOG = logging.getLogger("agentsync.localserver")


class _RunRequest(BaseModel):
    """What a start and a replay both take. Unknown fields (such as a ``source``) are ignored."""

    model_config = ConfigDict(extra="ignore")

    config_id: str | None = Field(default=None, description="The id of a stored config to run.")
    prompt: str | None = Field(default=None, description="The task for the agent.")
    metadata: dict[str, str] | None = Field(default=None, description="Labels kept on the run.")
    config_override: dict[str, Any] | None = Field(
        default=None, description="Keys merged over the config for this run only."
    )
    config_override_yaml: str | None = Field(
        default=None, description="The same as a YAML mapping; give at most one of the two."
    )


class StartRunRequest(_RunRequest):
    """``POST /v1/agents/runs``: one of ``config_id``, ``config`` or ``template_id``."""

    config: dict[str, Any] | None = Field(default=None, description="An inline config to run.")
    template_id: str | None = Field(default=None, description="The slug of a template to run.")


class ReplayRequest(_RunRequest):
    """``POST /v1/agents/runs/{id}/replay``: omitted ``prompt`` inherits, ``""`` clears."""


class EventBus:
    """Wakes asyncio readers (in the server's loop) when a run's log grows (in any thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def subscribe(self, run_id: str) -> asyncio.Event:
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(run_id, set()).add((asyncio.get_running_loop(), event))
        return event

    def unsubscribe(self, run_id: str, event: asyncio.Event) -> None:
        with self._lock:
            waiters = self._waiters.get(run_id, set())
            waiters.difference_update({w for w in waiters if w[1] is event})
            if not waiters:
                self._waiters.pop(run_id, None)

    def subscribers(self, run_id: str) -> int:
        """How many readers follow the run (a reader that left must not linger)."""
        with self._lock:
            return len(self._waiters.get(run_id, ()))

    def publish(self, run_id: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(run_id, ()))
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` onto ``base``: mappings merge key by key; lists and scalars replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _override(request: _RunRequest) -> dict[str, Any] | None:
    if request.config_override is not None and request.config_override_yaml is not None:
        raise Invalid("give at most one of config_override and config_override_yaml")
    if request.config_override_yaml is not None:
        with invalid_if_rejected():
            return parse_yaml_mapping(request.config_override_yaml, "config_override_yaml")
    return request.config_override


class Runs:
    """The runs in the store: created against the configs and the budgets, executed by
    ``runner`` with the environment the variables resolve, announced on ``bus``."""

    def __init__(
        self, shared: Shared, runner: Runner, parts: tuple[Configs, Budgets, Variables]
    ) -> None:
        self._shared = shared
        self.runner = runner
        self._configs, self._budgets, self._variables = parts
        self.bus = EventBus()
        self._pool = ThreadPoolExecutor(shared.settings.workers, thread_name_prefix="run")
        self._cancel: dict[str, threading.Event] = {}

    def close(self) -> None:
        """Cancel every run under way and wait for the pool to stop."""
        for flag in list(self._cancel.values()):
            flag.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # starting runs ------------------------------------------------------------------------

    def _base_config(
        self, config_id: str | None, inline: dict[str, Any] | None, template_id: str | None
    ) -> tuple[dict[str, Any], str | None]:
        if sum(x is not None for x in (config_id, inline, template_id)) != 1:
            raise Invalid("give exactly one of config_id, config or template_id")
        if config_id is not None:
            record = self._configs.get(config_id)
            if record.deleted:
                raise NotFound(f"config {config_id} is deleted")
            return record.agent_config, config_id
        if template_id is not None:
            if template_id not in self._shared.settings.templates:
                raise NotFound(f"template {template_id!r} not found")
            inline = self._shared.settings.templates[template_id]
        with invalid_if_rejected():
            return validate_data(inline).data, None

    def _snapshot(self, base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
        with invalid_if_rejected():
            data = validate_data(deep_merge(base, override)).data if override else base
        return clamp_limits(data, self._shared.settings.max_run_limit)[0]

    def start(self, request: StartRunRequest, source: str) -> Run:
        override = _override(request)
        if override is not None and request.config is not None:
            raise Invalid("config_override applies only with config_id or template_id")
        base, config_id = self._base_config(request.config_id, request.config, request.template_id)
        snapshot = self._snapshot(base, override)
        return self._create(config_id, snapshot, request.prompt, request.metadata, source)

    def replay(self, run_id: str, request: ReplayRequest, source: str) -> Run:
        original = self.get(run_id)
        override = _override(request)
        if request.config_id is not None:
            base, config_id = self._base_config(request.config_id, None, None)
        else:
            base, config_id = original.config_snapshot, original.agent_config_id
        snapshot = self._snapshot(base, override)
        prompt = request.prompt if "prompt" in request.model_fields_set else original.prompt
        metadata = {**original.metadata, **(request.metadata or {}), "replay_of": run_id}
        return self._create(config_id, snapshot, prompt or None, metadata, source)

    def start_cron(self, config_id: str, schedule: str, due: datetime) -> Run:
        """Start the run of a config's cron trigger that was due at ``due``."""
        record = self._configs.get(config_id)
        if record.deleted or not record.enabled:
            raise Conflict(f"config {config_id} is {'deleted' if record.deleted else 'disabled'}")
        snapshot = self._snapshot(record.agent_config, None)
        metadata = {"trigger": "cron", "schedule": schedule, "scheduled_for": stamp(due)}
        return self._create(config_id, snapshot, None, metadata, "cron")

    def _create(
        self,
        config_id: str | None,
        snapshot: dict[str, Any],
        prompt: str | None,
        metadata: dict[str, str] | None,
        source: str,
    ) -> Run:
        now = self._shared.now()
        run = Run(
            id=new_id("runs"),
            customer_id=self._shared.settings.customer_id,
            created_at=now,
            updated_at=now,
            status="scheduled",
            source=source,  # type: ignore[arg-type]
            agent_config_id=config_id,
            metadata=metadata or {},
            prompt=prompt,
            config_snapshot=snapshot,
        )
        with self._shared.lock:  # no other run can take the same budget between check and insert
            self._budgets.check(config_id, snapshot)
            self._shared.store.insert_run(run)
            self._cancel[run.id] = threading.Event()
        self._pool.submit(self._execute, run.id)
        return run

    # reading and cancelling ---------------------------------------------------------------

    def get(self, run_id: str) -> Run:
        return found(self._shared.store.get_run(run_id), f"run {run_id}")

    def find(self, query: RunQuery, *, days: int | None = None) -> list[Run]:
        """The runs ``query`` matches, newest first; with ``days``, only those created in the
        last so many days."""
        if days is not None:
            since = stamp(self._shared.clock() - timedelta(days=days))
            query = replace(query, start=max(query.start, since) if query.start else since)
        return self._shared.store.list_runs(query)

    def cancel(self, run_id: str) -> Run:
        with self._shared.lock:
            run = self.get(run_id)
            if run.status in FINAL_STATUSES:
                raise Conflict(f"run {run_id} already finished ({run.status})")
            flag = self._cancel.get(run_id)
            if flag is not None:
                flag.set()
            if run.status == "scheduled" or flag is None:
                return self._finish(run, RunOutcome("cancelled", "cancelled before it started"))
        return self.get(run_id)

    # executing ----------------------------------------------------------------------------

    def emit(self, run_id: str, type_: str, data: dict[str, Any]) -> RunEvent:
        """Append an event to the run's log and wake its readers."""
        event = self._shared.store.append_event(run_id, type_, data)
        self.bus.publish(run_id)
        return event

    def _set_status(self, run: Run, status: str) -> Run:
        run, changed = self._update(run.id, {"status": status}, self._shared.store.replace_run)
        if changed:
            self.bus.publish(run.id)  # stream readers report status changes
        return run

    def _finish(self, run: Run, outcome: RunOutcome) -> Run:
        final, changed = self._update(run.id, outcome._asdict(), self._store_final)
        if changed:
            self.bus.publish(final.id)
            self._cancel.pop(final.id, None)
        return final

    def _update(
        self, run_id: str, update: dict[str, Any], save: Callable[[Run], object]
    ) -> tuple[Run, bool]:
        """The run with ``update`` (and a new ``updated_at``), stored by ``save`` under the lock,
        and True; once the run has finished, the run as it is and False (it never changes)."""
        with self._shared.lock:
            current = self.get(run_id)
            if current.status in FINAL_STATUSES:
                return current, False
            run = current.model_copy(update={**update, "updated_at": self._shared.now()})
            save(run)
        return run, True

    def _store_final(self, final: Run) -> None:
        """The final state and the final event in one transaction; the config notes the run."""
        event = {"completed": "run.completed", "cancelled": "run.cancelled"}.get(
            final.status, "run.failed"
        )
        data = {"status": final.status, "status_reason": final.status_reason}
        self._shared.store.finish_run(final, event, data)
        if final.agent_config_id and self._shared.store.get_config(final.agent_config_id):
            self._configs.record_run(final.agent_config_id, final.id)

    def _execute(self, run_id: str) -> None:
        run = self.get(run_id)
        flag = self._cancel.get(run_id) or threading.Event()
        if run.status != "scheduled" or flag.is_set():
            return
        run = self._set_status(run, "creating_sandbox")
        try:
            environment = self._variables.environment(run.config_snapshot)
        except (LookupError, VaultError) as error:
            self._finish(run, RunOutcome("error", str(error)))
            return
        run = self._set_status(run, "running")
        if run.status in FINAL_STATUSES:
            return
        self.emit(run_id, "run.started", {"runner": self.runner.name})
        system = (run.config_snapshot.get("claude") or {}).get("system") or ""
        prompt = "\n\n".join(part for part in (system, run.prompt or "") if part)

        def emit(type_: str, data: dict[str, Any]) -> None:
            self.emit(run_id, type_, data)

        context = RunContext(run, run.config_snapshot, prompt, environment, emit, flag)
        try:
            outcome = self.runner.execute(context)
        except Exception as error:  # noqa: BLE001 - a runner bug fails the run, not the server
            outcome = RunOutcome("error", f"runner failed: {type(error).__name__}: {error}")
        try:
            self._finish(run, outcome)
        except Exception as error:  # an outcome the store refuses: the run must still end
            LOG.exception("run %s: its outcome could not be stored", run_id)
            why = f"its outcome could not be stored: {type(error).__name__}"
            self._finish(run, RunOutcome("error", why, cost_tokens=outcome.cost_tokens))
