"""The local control plane's behaviour, independent of HTTP: configs, runs, events, budgets,
sandbox variables and usage.

The FastAPI app (``app.py``) maps requests onto these methods and their errors onto statuses.
Runs execute on a thread pool; every state change is stored before it is announced, and stream
readers are woken through ``EventBus``. Run times and budget windows come from the injectable
``clock`` (UTC), so tests can move time.

Budgets. Before a run is created, every cap that applies is checked: the config's
``limits.day``/``week``/``month`` (from the stored config, so a per-run override cannot lift
them) and the account's ``ServerSettings.account_budget_usd`` (per calendar month). A cap
refuses the run (402, naming the cap) when the window's spend, plus ``limits.run`` of each
unfinished run in it (its reservation), plus this run's own ``limits.run`` would pass it, or
when the spend has reached it. Windows are UTC: the day, the week from Monday, the month from
the 1st. ``limits.run`` itself is enforced while the run runs (see ``runners``).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from agentsync.client.errors import (
    BudgetExceeded,
    Conflict,
    ControlPlaneError,
    Invalid,
    NotFound,
)
from agentsync.client.records import (
    FINAL_STATUSES,
    AgentConfigRecord,
    Run,
    RunEvent,
    SyncError,
    new_id,
)
from agentsync.config.variables import name_problem
from agentsync.lint.validation import (
    clamp_limits,
    deep_merge,
    parse_yaml_mapping,
    validate_data,
    validate_yaml,
)
from agentsync.localserver.runners import (
    MILLICENTS_PER_USD,
    DryRunRunner,
    RunContext,
    Runner,
    RunOutcome,
)
from agentsync.localserver.store import Store
from agentsync.localserver.vault import Vault, VaultError
from agentsync.money import money


def _template(name: str, description: str, system: str, labels: list[str]) -> dict[str, Any]:
    return {
        "ellipsis": {
            "version": "v1",
            "name": name,
            "description": description,
            "metadata": {"labels": labels},
        },
        "claude": {"system": system},
    }


BUILTIN_TEMPLATES: Mapping[str, dict[str, Any]] = {
    "welcome-to-ellipsis": _template(
        "Welcome to Ellipsis",
        "A first agent: says hello and describes the repository.",
        "Say hello, then describe the repository in three sentences.",
        ["starter"],
    ),
    "pr-review": _template(
        "Pull request review",
        "Reviews a pull request and reports problems it can point to.",
        "Review the pull request. Report only problems you can point to.",
        ["review"],
    ),
    "issue-triage": _template(
        "Issue triage",
        "Labels new issues by area and severity.",
        "Label the issue by area and severity; ask for a reproduction.",
        ["triage"],
    ),
}


@dataclass(frozen=True)
class ServerSettings:
    customer_id: str = "cust_local"
    customer_login: str = "local"
    max_run_limit: float | None = 50.0
    templates: Mapping[str, dict[str, Any]] = field(default_factory=lambda: BUILTIN_TEMPLATES)
    workers: int = 8
    account_budget_usd: float | None = None  # per calendar month (UTC); None: no budget


class StartRunRequest(BaseModel):
    """``POST /v1/agents/runs``. Unknown fields (such as a ``source``) are ignored."""

    model_config = ConfigDict(extra="ignore")

    config_id: str | None = None
    config: dict[str, Any] | None = None
    template_id: str | None = None
    prompt: str | None = None
    metadata: dict[str, str] | None = None
    config_override: dict[str, Any] | None = None
    config_override_yaml: str | None = None


class ReplayRequest(BaseModel):
    """``POST /v1/agents/runs/{id}/replay``: omitted ``prompt`` inherits, ``""`` clears."""

    model_config = ConfigDict(extra="ignore")

    config_id: str | None = None
    config_override: dict[str, Any] | None = None
    config_override_yaml: str | None = None
    prompt: str | None = None
    metadata: dict[str, str] | None = None


class VariableInfo(BaseModel):
    """A sandbox variable as the API shows it: never its value."""

    name: str
    created_at: str
    updated_at: str


class BudgetWindow(BaseModel):
    start: str
    end: str  # exclusive


class Budget(BaseModel):
    """``GET /v1/budget``: the account's spend in the current calendar month (UTC).

    The numbers are always numbers (the platform CLI formats them); ``limited`` says whether an
    account budget is set at all (without one, budget/remaining/fraction are 0).
    """

    period: Literal["month"] = "month"
    window: BudgetWindow
    budget_usd: float
    spent_usd: float
    remaining_usd: float  # never below 0
    fraction_used: float  # spent / budget; may pass 1; 1 for a budget of 0
    limited: bool
    pause_at_limit: bool  # runs are refused (402) once the budget is spent


class UsageDay(BaseModel):
    date: str  # YYYY-MM-DD, UTC
    spent_usd: float
    runs: int


class UsageDailyPoint(BaseModel):
    """One day in the platform's usage dashboard shape (token split unknown locally: 0)."""

    date: str
    tokens: int
    tokens_input: int = 0
    tokens_output: int = 0
    tokens_cache_read: int = 0
    tokens_cache_creation: int = 0
    cost_tokens_millicents: int
    cost_sandbox_cpu_millicents: int
    cost_sandbox_memory_millicents: int
    cost_fee_millicents: int


class ModelUsage(BaseModel):
    model_id: str
    tokens: int
    cost_tokens_millicents: int
    cost_sandbox_cpu_millicents: int
    cost_sandbox_memory_millicents: int
    cost_fee_millicents: int


class Usage(BaseModel):
    """``GET /v1/usage``: spend per UTC day over ``days`` days, oldest first, days without runs
    too, in our summary (``days``, ``total_usd``) and the platform dashboard's shape."""

    days: list[UsageDay]
    total_usd: float
    period_start: str
    period_end: str
    total_tokens: int
    total_cost_millicents: int
    prior_total_tokens: int
    prior_total_cost_millicents: int
    daily: list[UsageDailyPoint]
    by_model: list[ModelUsage]


MAX_VARIABLE_NAME = 256
MAX_VARIABLE_VALUE = 64 * 1024


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


def _override(request: StartRunRequest | ReplayRequest) -> dict[str, Any] | None:
    if request.config_override is not None and request.config_override_yaml is not None:
        raise Invalid("give at most one of config_override and config_override_yaml")
    if request.config_override_yaml is not None:
        return parse_yaml_mapping(request.config_override_yaml, "config_override_yaml")
    return request.config_override


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    """A time as the API writes it (always with microseconds, so that strings compare)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _window(window: str, moment: datetime) -> tuple[datetime, datetime]:
    """The UTC day, week (from Monday) or month holding ``moment``: ``[start, end)``."""
    day = moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "day":
        return day, day + timedelta(days=1)
    if window == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    if start.month == 12:
        return start, start.replace(year=start.year + 1, month=1)
    return start, start.replace(month=start.month + 1)


_THIS = {"day": "today", "week": "this week", "month": "this month"}


def _cost_split(runs: list[Run]) -> dict[str, int]:
    """Tokens and each kind of cost, summed over ``runs``."""
    return {
        "tokens": sum(r.tokens_total for r in runs),
        "cost_tokens_millicents": sum(r.cost_tokens for r in runs),
        "cost_sandbox_cpu_millicents": sum(r.cost_sandbox_cpu for r in runs),
        "cost_sandbox_memory_millicents": sum(r.cost_sandbox_memory for r in runs),
        "cost_fee_millicents": sum(r.cost_fee for r in runs),
    }


def _usd(millicents: int) -> float:
    return millicents / MILLICENTS_PER_USD


def _millicents(usd: float) -> int:
    return round(usd * MILLICENTS_PER_USD)


def _run_limit(snapshot: dict[str, Any]) -> int:
    """What a run of ``snapshot`` may cost: its ``limits.run``, 0 when it has none."""
    limit = (snapshot.get("limits") or {}).get("run")
    return 0 if limit is None else _millicents(limit)


class ControlPlane:
    """Configs, runs and their events on a ``Store``, executing runs with a ``Runner``."""

    def __init__(
        self,
        store: Store,
        *,
        settings: ServerSettings | None = None,
        runner: Runner | None = None,
        vault: Vault | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or ServerSettings()
        self.runner: Runner = runner or DryRunRunner()
        self.vault = vault
        self.clock: Callable[[], datetime] = clock or _utcnow
        self.bus = EventBus()
        self._pool = ThreadPoolExecutor(self.settings.workers, thread_name_prefix="run")
        self._lock = threading.RLock()
        self._cancel: dict[str, threading.Event] = {}

    def close(self) -> None:
        for flag in list(self._cancel.values()):
            flag.set()
        self._pool.shutdown(wait=True, cancel_futures=True)

    # configs: read side -------------------------------------------------------------------

    def get_config(self, config_id: str) -> AgentConfigRecord:
        record = self.store.get_config(config_id)
        if record is None:
            raise NotFound(f"config {config_id} not found")
        return record

    # configs: the sync API ----------------------------------------------------------------

    def sync_put(
        self, repository: str, path: str, text: str, commit: str | None
    ) -> tuple[AgentConfigRecord, bool]:
        """Create or update the config at (repository, path); nothing changes when invalid."""
        valid = validate_yaml(text, path)
        data, requested = clamp_limits(valid.data, self.settings.max_run_limit)
        stamp = self._now()
        with self._lock:
            current = self.store.config_at(repository, path)
            if current is None:
                record = AgentConfigRecord(
                    id=new_id("agent"),
                    customer_id=self.settings.customer_id,
                    created_at=stamp,
                    updated_at=stamp,
                    agent_config=data,
                    repository=repository,
                    path=path,
                    sha=valid.identity,
                    yaml=text,
                    enabled=valid.model.enabled,
                    last_synced_commit_sha=commit,
                    requested_limits=requested,
                )
                self.store.insert_config(record)
                return record, True
            record = current.model_copy(
                update={
                    "updated_at": stamp,
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
            self.store.replace_config(record)
            return record, False

    def _update_config(self, config_id: str, **changes: Any) -> AgentConfigRecord:
        with self._lock:
            record = self.get_config(config_id).model_copy(
                update={**changes, "updated_at": self._now()}
            )
            self.store.replace_config(record)
        return record

    def sync_move(self, config_id: str, path: str) -> AgentConfigRecord:
        record = self.get_config(config_id)
        if record.repository is not None:
            other = self.store.config_at(record.repository, path)
            if other is not None and other.id != config_id:
                raise Conflict(f"{record.repository}:{path} already holds config {other.id}")
        return self._update_config(config_id, path=path)

    def sync_delete(self, config_id: str) -> AgentConfigRecord:
        record = self._update_config(config_id, deleted=True)
        self.store.forget_cron(config_id)
        return record

    def sync_restore(self, config_id: str) -> AgentConfigRecord:
        return self._update_config(config_id, deleted=False)

    def sync_error(
        self, config_id: str, message: str, commit: str | None, diagnostics: list[dict[str, Any]]
    ) -> AgentConfigRecord:
        error = SyncError(
            message=message, commit=commit, diagnostics=diagnostics, created_at=self._now()
        )
        return self._update_config(config_id, sync_error=error)

    # runs ---------------------------------------------------------------------------------

    def _base_config(
        self, config_id: str | None, inline: dict[str, Any] | None, template_id: str | None
    ) -> tuple[dict[str, Any], str | None]:
        if sum(x is not None for x in (config_id, inline, template_id)) != 1:
            raise Invalid("give exactly one of config_id, config or template_id")
        if config_id is not None:
            record = self.get_config(config_id)
            if record.deleted:
                raise NotFound(f"config {config_id} is deleted")
            return record.agent_config, config_id
        if template_id is not None:
            if template_id not in self.settings.templates:
                raise NotFound(f"template {template_id!r} not found")
            return validate_data(self.settings.templates[template_id]).data, None
        return validate_data(inline).data, None

    def _snapshot(self, base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
        data = validate_data(deep_merge(base, override)).data if override else base
        return clamp_limits(data, self.settings.max_run_limit)[0]

    def _runs_between(
        self, start: datetime, end: datetime, config_id: str | None = None
    ) -> list[Run]:
        """The runs created in ``[start, end)``, of one config or of all."""
        last = end - timedelta(microseconds=1)
        return self.store.list_runs(
            config_id=config_id, start=_stamp(start), end=_stamp(last), limit=10_000_000
        )

    def _check_budget(self, config_id: str | None, snapshot: dict[str, Any]) -> None:
        """Refuse a run that would pass a config cap or the account budget (module docstring)."""
        expected = _run_limit(snapshot)
        moment = self.clock()
        caps: list[tuple[str, str, float, str | None]] = []  # (name, window, USD, config)
        if config_id is not None:
            record = self.store.get_config(config_id)
            limits = (record.agent_config if record else snapshot).get("limits") or {}
            for window in ("day", "week", "month"):
                if limits.get(window) is not None:
                    name = f"limits.{window} {money(limits[window])} of config {config_id}"
                    caps.append((name, window, limits[window], config_id))
        budget = self.settings.account_budget_usd
        if budget is not None:
            caps.append((f"the account budget {money(budget)} per month", "month", budget, None))
        for name, window, cap, scope in caps:
            runs = self._runs_between(*_window(window, moment), config_id=scope)
            spent = sum(r.cost_millicents for r in runs)
            reserved = sum(
                _run_limit(r.config_snapshot) for r in runs if r.status not in FINAL_STATUSES
            )
            if spent >= _millicents(cap) or spent + reserved + expected > _millicents(cap):
                detail = f"{name}: ${_usd(spent):,.2f} spent {_THIS[window]}"
                if reserved:
                    detail += f", {money(_usd(reserved))} held by unfinished runs"
                if expected:
                    detail += f", and this run may cost up to {money(_usd(expected))} (limits.run)"
                raise BudgetExceeded(detail)

    def start_run(self, request: StartRunRequest, source: str) -> Run:
        override = _override(request)
        if override is not None and request.config is not None:
            raise Invalid("config_override applies only with config_id or template_id")
        base, config_id = self._base_config(request.config_id, request.config, request.template_id)
        snapshot = self._snapshot(base, override)
        return self._create_run(config_id, snapshot, request.prompt, request.metadata, source)

    def replay(self, run_id: str, request: ReplayRequest, source: str) -> Run:
        original = self.get_run(run_id)
        override = _override(request)
        if request.config_id is not None:
            base, config_id = self._base_config(request.config_id, None, None)
        else:
            base, config_id = original.config_snapshot, original.agent_config_id
        snapshot = self._snapshot(base, override)
        prompt = request.prompt if "prompt" in request.model_fields_set else original.prompt
        metadata = {**original.metadata, **(request.metadata or {}), "replay_of": run_id}
        return self._create_run(config_id, snapshot, prompt or None, metadata, source)

    def _create_run(
        self,
        config_id: str | None,
        snapshot: dict[str, Any],
        prompt: str | None,
        metadata: dict[str, str] | None,
        source: str,
    ) -> Run:
        stamp = _stamp(self.clock())
        run = Run(
            id=new_id("runs"),
            customer_id=self.settings.customer_id,
            created_at=stamp,
            updated_at=stamp,
            status="scheduled",
            source=source,  # type: ignore[arg-type]
            agent_config_id=config_id,
            metadata=metadata or {},
            prompt=prompt,
            config_snapshot=snapshot,
        )
        with self._lock:  # no other run can take the same budget between check and insert
            self._check_budget(config_id, snapshot)
            self.store.insert_run(run)
            self._cancel[run.id] = threading.Event()
        self._pool.submit(self._execute, run.id)
        return run

    def start_cron_run(self, config_id: str, schedule: str, due: datetime) -> Run:
        """Start the run of a config's cron trigger that was due at ``due``."""
        record = self.get_config(config_id)
        if record.deleted or not record.enabled:
            raise Conflict(f"config {config_id} is {'deleted' if record.deleted else 'disabled'}")
        snapshot = self._snapshot(record.agent_config, None)
        metadata = {"trigger": "cron", "schedule": schedule, "scheduled_for": _stamp(due)}
        return self._create_run(config_id, snapshot, None, metadata, "cron")

    def get_run(self, run_id: str) -> Run:
        run = self.store.get_run(run_id)
        if run is None:
            raise NotFound(f"run {run_id} not found")
        return run

    def cancel(self, run_id: str) -> Run:
        with self._lock:
            run = self.get_run(run_id)
            if run.status in FINAL_STATUSES:
                raise Conflict(f"run {run_id} already finished ({run.status})")
            flag = self._cancel.get(run_id)
            if flag is not None:
                flag.set()
            if run.status == "scheduled" or flag is None:
                return self._finish(run, RunOutcome("cancelled", "cancelled before it started"))
        return self.get_run(run_id)

    def emit(self, run_id: str, type_: str, data: dict[str, Any]) -> RunEvent:
        event = self.store.append_event(run_id, type_, data)
        self.bus.publish(run_id)
        return event

    def _set_status(self, run: Run, status: str) -> Run:
        with self._lock:
            current = self.get_run(run.id)
            if current.status in FINAL_STATUSES:
                return current
            run = current.model_copy(update={"status": status, "updated_at": self._now()})
            self.store.replace_run(run)
        self.bus.publish(run.id)  # stream readers report status changes
        return run

    def _finish(self, run: Run, outcome: RunOutcome) -> Run:
        with self._lock:
            current = self.get_run(run.id)
            if current.status in FINAL_STATUSES:
                return current
            final = current.model_copy(update={**outcome._asdict(), "updated_at": self._now()})
            event = {"completed": "run.completed", "cancelled": "run.cancelled"}.get(
                final.status, "run.failed"
            )
            data = {"status": final.status, "status_reason": final.status_reason}
            self.store.finish_run(final, event, data)  # state and final event: one transaction
            if final.agent_config_id and self.store.get_config(final.agent_config_id):
                self._update_config(final.agent_config_id, last_job_run_id=final.id)
        self.bus.publish(final.id)
        self._cancel.pop(final.id, None)
        return final

    def _now(self) -> str:
        return _stamp(self.clock())

    def _environment(self, snapshot: dict[str, Any]) -> dict[str, str]:
        """The config's named variables: inline values, else the variables store."""
        environment: dict[str, str] = {}
        missing: list[str] = []
        for variable in (snapshot.get("sandbox") or {}).get("variables") or []:
            name, value = variable["name"], variable.get("value")
            if value is None:
                stored = self.store.get_variable(name)
                if stored is None or self.vault is None:
                    missing.append(name)
                    continue
                value = self.vault.decrypt(stored)
            environment[name] = value
        if missing:
            names = ", ".join(missing)
            raise LookupError(
                f"sandbox variable{'s' if len(missing) > 1 else ''} {names} not set: "
                "add inline values or PUT /v1/sandboxes/variables"
            )
        return environment

    def _execute(self, run_id: str) -> None:
        run = self.get_run(run_id)
        flag = self._cancel.get(run_id) or threading.Event()
        if run.status != "scheduled" or flag.is_set():
            return
        run = self._set_status(run, "creating_sandbox")
        try:
            environment = self._environment(run.config_snapshot)
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
        self._finish(run, outcome)

    def list_runs(
        self,
        *,
        config_id: str | None,
        sources: list[str],
        days: int | None,
        start: str | None,
        end: str | None,
        limit: int,
    ) -> list[Run]:
        if days is not None:
            since = _stamp(self.clock() - timedelta(days=days))
            start = max(start, since) if start else since
        return self.store.list_runs(
            config_id=config_id, sources=sources, start=start, end=end, limit=limit
        )

    # budget and usage ---------------------------------------------------------------------

    def budget(self) -> Budget:
        start, end = _window("month", self.clock())
        spent = sum(r.cost_millicents for r in self._runs_between(start, end))
        budget = self.settings.account_budget_usd
        remaining = fraction = 0.0
        if budget is not None:
            cap = _millicents(budget)
            remaining = _usd(max(cap - spent, 0))
            fraction = spent / cap if cap else 1.0
        return Budget(
            window=BudgetWindow(start=_stamp(start), end=_stamp(end)),
            budget_usd=budget or 0.0,
            spent_usd=_usd(spent),
            remaining_usd=remaining,
            fraction_used=fraction,
            limited=budget is not None,
            pause_at_limit=budget is not None,
        )

    def usage(self, days: int) -> Usage:
        """Spend per UTC day over the last ``days`` days, today included."""
        today, tomorrow = _window("day", self.clock())
        first = today - timedelta(days=days - 1)
        runs = self._runs_between(first, tomorrow)
        prior = self._runs_between(first - timedelta(days=days), first)
        by_day: dict[str, list[Run]] = {}
        by_model: dict[str, list[Run]] = {}
        for run in runs:
            by_day.setdefault(run.created_at[:10], []).append(run)
            model = (run.config_snapshot.get("claude") or {}).get("model") or "default"
            by_model.setdefault(model, []).append(run)
        dates = [(first + timedelta(days=n)).date().isoformat() for n in range(days)]
        return Usage(
            days=[
                UsageDay(
                    date=d,
                    spent_usd=_usd(sum(r.cost_millicents for r in by_day.get(d, []))),
                    runs=len(by_day.get(d, [])),
                )
                for d in dates
            ],
            total_usd=_usd(sum(r.cost_millicents for r in runs)),
            period_start=dates[0],
            period_end=dates[-1],
            total_tokens=sum(r.tokens_total for r in runs),
            total_cost_millicents=sum(r.cost_millicents for r in runs),
            prior_total_tokens=sum(r.tokens_total for r in prior),
            prior_total_cost_millicents=sum(r.cost_millicents for r in prior),
            daily=[UsageDailyPoint(date=d, **_cost_split(by_day.get(d, []))) for d in dates],
            by_model=[
                ModelUsage(model_id=model, **_cost_split(group))
                for model, group in sorted(by_model.items())
            ],
        )

    # sandbox variables --------------------------------------------------------------------

    def list_variables(self) -> list[VariableInfo]:
        return [VariableInfo(**v) for v in self.store.list_variables()]

    def put_variables(self, variables: Iterable[tuple[str, str]]) -> list[VariableInfo]:
        """Set (create or replace) each ``(name, value)``; nothing is stored if one is invalid.

        Values are encrypted with the vault before they reach the store, and no message here
        ever holds one.
        """
        items = list(variables)
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, (name, value) in enumerate(items):
            problem = _variable_problem(name, value, seen)
            if problem is not None:
                problems.append(
                    {
                        "rule": "sandbox-variables",
                        "severity": "error",
                        "message": problem,
                        "line": 1,
                        "column": 1,
                        "path": f"variables.{index}",
                    }
                )
            seen.add(name)
        if problems:
            raise Invalid(problems)
        if self.vault is None:
            raise ControlPlaneError("this server has no vault for sandbox variables", status=503)
        for name, value in items:
            self.store.put_variable(name, self.vault.encrypt(value))
        return self.list_variables()

    def delete_variable(self, name: str) -> None:
        if not self.store.delete_variable(name):
            raise NotFound(f"sandbox variable {name} not found")


def _variable_problem(name: str, value: str, seen: set[str]) -> str | None:
    """What is wrong with one variable (never quoting its value), or None."""
    problem = name_problem(name)
    if problem is not None:
        return f"name {problem}"
    if len(name) > MAX_VARIABLE_NAME:
        return f"name is longer than {MAX_VARIABLE_NAME} characters"
    if name in seen:
        return f"{name} is given twice"
    if "\0" in value:
        return f"the value of {name} holds a NUL character, which no environment can carry"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"the value of {name} is not valid Unicode (it holds a lone surrogate)"
    if len(value) > MAX_VARIABLE_VALUE:
        return f"the value of {name} is longer than {MAX_VARIABLE_VALUE} characters"
    return None
