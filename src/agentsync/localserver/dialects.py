"""Other platforms' run APIs served over the local control plane's runs ("dialects"), so the
adapters in ``agentsync.platforms`` can be tested against a real server.

    deployments             POST /v1/agent-deployments/{deployment_id}/runs
                            ours: GET  .../runs, GET .../runs/{run_id}, POST .../{run_id}/cancel
    threads                 POST /v1/threads/{thread_id}/runs, GET /v1/threads/{thread_id}/runs,
                            GET /v1/runs, GET /v1/runs/{run_id}, POST /v1/runs/{run_id}:cancel,
                            POST /v1/runs/{run_id}/input
    ambient                 POST /agent/run, GET /agent/runs, GET /agent/runs/{runId}

Each create is a ``ControlPlane`` run of an inline config built from the request (its
``claude.system`` is the prompt or the input); the dialect's own fields (thread, deployment,
version, title, team, retention...) live in the run's ``metadata``. A dialect sees only the runs
it created (``metadata["dialect"]``); any other id is a 404. Auth is the ``/v1`` Bearer tokens.

**envs** (001) are write-only: they are not stored (not in the run, its metadata, its events or
the idempotency record), never returned and never logged. They are held in memory until the
run's runner starts and then merged into its environment (``_DialectRunner``); a server restart
before then drops them. The idempotency fingerprint leaves them out, so a retry that differs
only in ``envs`` replays the first response. A name that is not an environment variable name,
or that changes how a process starts (``agentsync.config.variables``), is a 422 naming it.

**Interactive input** (003): an in-process runner asks with ``inputs_of(control_plane).ask``;
the run then logs ``run.waiting_for_input``, shows ``waiting_for_input`` in the threads dialect
until ``POST /v1/runs/{id}/input`` answers (409 at any other time), and the runner gets the
content. The content is handed over in memory, never stored.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agentsync.client.errors import Conflict, Invalid, NotFound
from agentsync.client.records import FINAL_EVENTS, Run, new_id
from agentsync.config.variables import name_problem
from agentsync.localserver.app import Authenticated, Caller, utc_instant
from agentsync.localserver.control_plane import ControlPlane, StartRunRequest
from agentsync.localserver.runners import MILLICENTS_PER_USD, RunContext, Runner, RunOutcome

Dialect = Literal["deployments", "threads", "ambient"]
MAX_INPUT_BYTES = 32 * 1024  # 003: interactive input
MAX_LIST = 1000
_SCAN = 10_000_000  # local lists filter in Python over every run: fine for a local server

DeploymentStatus = Literal[
    "queued", "starting", "installing", "running", "succeeded", "failed", "cancelled", "timed_out"
]
ThreadStatus = Literal["running", "completed", "failed", "cancelled", "waiting_for_input"]
AmbientState = Literal["QUEUED", "PENDING", "CLAIMED", "INPROGRESS", "SUCCEEDED", "FAILED"]
AmbientSource = Literal["LINEAR", "API", "SLACK", "LOCAL", "SCHEDULED_AGENT"]
_AMBIENT_SOURCES: dict[str, AmbientSource] = {s: s for s in get_args(AmbientSource)}

_THREAD_STATUS: dict[str, ThreadStatus] = {
    "scheduled": "running",
    "creating_sandbox": "running",
    "running": "running",
    "completed": "completed",
    "error": "failed",
    "stopped": "failed",
    "cancelled": "cancelled",
}
_AMBIENT_STATE: dict[str, AmbientState] = {
    "scheduled": "QUEUED",
    "creating_sandbox": "PENDING",
    "running": "INPROGRESS",
    "completed": "SUCCEEDED",
    "error": "FAILED",
    "stopped": "FAILED",
    "cancelled": "FAILED",  # 004 has no cancelled state
}
_DEPLOYMENT_STATUS: dict[str, DeploymentStatus] = {
    "scheduled": "queued",
    "creating_sandbox": "starting",
    "running": "running",
    "completed": "succeeded",
    "error": "failed",
    "stopped": "failed",
    "cancelled": "cancelled",
}


def deployment_status(run: Run) -> DeploymentStatus:
    if run.status == "error" and (run.status_reason or "").startswith("timed out"):
        return "timed_out"
    return _DEPLOYMENT_STATUS[run.status]


# envs: into the runner's environment, nowhere else --------------------------------------------


class Inputs:
    """Runs waiting for interactive input, and the answers handed to them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: dict[str, queue.Queue[str]] = {}

    def ask(self, context: RunContext, question: str, timeout: float) -> str | None:
        """Log ``run.waiting_for_input`` and wait for the answer; None after ``timeout``
        seconds or once the run is cancelled."""
        answers: queue.Queue[str] = queue.Queue(maxsize=1)
        run_id = context.run.id
        with self._lock:
            self._waiting[run_id] = answers
        try:
            context.emit("run.waiting_for_input", {"content": question})
            for _ in range(max(1, round(timeout / 0.05))):
                if context.cancelled.is_set():
                    return None
                try:
                    return answers.get(timeout=0.05)
                except queue.Empty:
                    continue
            return None
        finally:
            with self._lock:
                self._waiting.pop(run_id, None)

    def waiting(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._waiting

    def answer(self, run_id: str, content: str) -> bool:
        """Hand ``content`` to the run; False when it is not waiting."""
        with self._lock:
            answers = self._waiting.pop(run_id, None)
        if answers is None:
            return False
        answers.put(content)
        return True


class _DialectRunner:
    """Wraps the control plane's runner: merges a run's pending ``envs`` (found by the opaque
    ``metadata["envs_ref"]``) into its environment, and forgets them; holds the ``Inputs``."""

    def __init__(self, inner: Runner) -> None:
        self.inner = inner
        self.name = inner.name
        self.inputs = Inputs()
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, str]] = {}

    def hold(self, envs: dict[str, str]) -> str:
        ref = new_id("envs")
        with self._lock:
            self._pending[ref] = dict(envs)
        return ref

    def drop(self, ref: str | None) -> dict[str, str]:
        with self._lock:
            return self._pending.pop(ref, {}) if ref else {}

    def execute(self, context: RunContext) -> RunOutcome:
        envs = self.drop(context.run.metadata.get("envs_ref"))
        if envs:
            context = replace(context, environment={**context.environment, **envs})
        return self.inner.execute(context)

    def __repr__(self) -> str:
        return f"_DialectRunner({self.inner!r})"  # never the values


def _dialect_runner(control_plane: ControlPlane) -> _DialectRunner:
    if not isinstance(control_plane.runner, _DialectRunner):
        control_plane.runner = _DialectRunner(control_plane.runner)
    return control_plane.runner


def inputs_of(control_plane: ControlPlane) -> Inputs:
    """Where in-process runners of ``control_plane`` ask for interactive input."""
    return _dialect_runner(control_plane).inputs


# wire models ----------------------------------------------------------------------------------


class DeploymentRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version_id: str | None = None
    input: dict[str, Any] = Field(default_factory=dict)
    envs: dict[str, StrictStr] | None = Field(default=None, json_schema_extra={"writeOnly": True})
    retain_on_failure: bool | None = None
    retention_seconds: int | None = Field(default=None, ge=1, le=2**63 - 1)


class DeploymentRun(BaseModel):
    id: str
    deployment_id: str
    version_id: str
    mode: Literal["job", "service"]
    status: DeploymentStatus
    input: dict[str, Any]
    created_at: str
    updated_at: str
    retain_on_failure: bool | None = None
    retention_seconds: int | None = None
    sandbox_id: str | None = None
    process_id: int | None = None
    exit_code: int | None = None
    failure_reason: str | None = None
    output_manifest: dict[str, Any] = Field(default_factory=dict)
    started_at: str | None = None
    completed_at: str | None = None
    idempotency_key: str | None = None


class DeploymentRunList(BaseModel):
    """Ours: the API reference has no list; pages follow ``next_cursor``."""

    runs: list[DeploymentRun]
    next_cursor: str | None


class ThreadRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route_id: str | None = None
    persona_id: str | None = None


class ThreadRunCreated(BaseModel):
    run_id: str
    trace_id: str


class ThreadRunItem(BaseModel):
    run_id: str
    status: ThreadStatus
    created_at: str


class RunListItem(BaseModel):
    run_id: str
    org_id: str
    thread_id: str | None
    status: ThreadStatus
    model: str | None
    persona_id: str | None
    total_input_tokens: int
    total_output_tokens: int
    total_cost_usd: float
    duration_ms: int | None
    cache_hit_rate: float | None
    credits_used: int | None
    created_at: str
    completed_at: str | None
    failed_at: str | None
    created_by_user_id: str | None
    created_by_user_name: str | None
    created_by_email: str | None


class ThreadRunDetail(BaseModel):
    run_id: str
    org_id: str
    thread_id: str | None
    created_by_user_id: str | None
    status: ThreadStatus
    created_at: str
    trace_id: str | None


class RunInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content: str


class Ok(BaseModel):
    ok: bool = True


class AmbientRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    title: str | None = None
    team: bool = False


class AmbientRunCreated(BaseModel):
    run_id: str
    state: AmbientState


class AmbientRun(BaseModel):
    run_id: str
    title: str
    state: AmbientState
    prompt: str
    created_at: str
    updated_at: str
    started_at: str | None = None
    source: AmbientSource | None = None
    session_id: str | None = None
    session_link: str | None = None


class PageInfo(BaseModel):
    has_next_page: bool
    next_cursor: str | None = None


class AmbientRunList(BaseModel):
    runs: list[AmbientRun]
    page_info: PageInfo


# helpers ----------------------------------------------------------------------------------------


def _config(name: str, system: str) -> dict[str, Any]:
    return {"ellipsis": {"version": "v1", "name": name}, "claude": {"system": system}}


def _creator(who: Caller) -> str:
    return f"{'key' if who.source == 'api' else 'user'}_{who.scope}"


def _times(control_plane: ControlPlane, run_id: str) -> tuple[str | None, str | None]:
    """When the run started and ended, from its log (``run.started``, the final event)."""
    started = completed = None
    for event in control_plane.store.events_after(run_id, 0, limit=_SCAN):
        if event.type == "run.started" and started is None:
            started = event.created_at
        elif event.type in FINAL_EVENTS:
            completed = event.created_at
    return started, completed


def _millis(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(delta.total_seconds() * 1000)


def _check_envs(envs: dict[str, str]) -> None:
    """A 422 naming each refused name, and each name whose value holds a NUL, never a value."""
    problems = [f"envs: {p}" for name in sorted(envs) if (p := name_problem(name)) is not None]
    nul = sorted(name for name, value in envs.items() if "\0" in value)
    problems += [f"envs: the value of {name} holds a NUL character" for name in nul]
    if problems:
        raise Invalid("; ".join(problems)[:1000])


def _fingerprint(request: Request, body: BaseModel) -> str:
    canonical = json.dumps(body.model_dump(mode="json", exclude={"envs"}), sort_keys=True)
    return hashlib.sha256(f"{request.method} {request.url.path} {canonical}".encode()).hexdigest()


def _page(runs: list[Run], cursor: str | None, limit: int) -> tuple[list[Run], str | None]:
    """The ``limit`` runs after ``cursor`` (a run id of this list; newest first) and the next
    cursor, or None on the last page."""
    if cursor is not None:
        at = next((r for r in runs if r.id == cursor), None)
        if at is None:
            raise Invalid(f"unknown cursor {cursor!r}")
        runs = [r for r in runs if (r.created_at, r.id) < (at.created_at, at.id)]
    page = runs[:limit]
    return page, page[-1].id if len(runs) > limit else None


# the router -------------------------------------------------------------------------------------


def dialect_router(control_plane: ControlPlane) -> APIRouter:
    """The dialect routes over ``control_plane``."""
    router = APIRouter()
    envs_runner = _dialect_runner(control_plane)
    inputs = envs_runner.inputs
    locks = [threading.Lock() for _ in range(64)]

    def runs_of(dialect: Dialect, keep: Callable[[Run], bool] = lambda _: True) -> list[Run]:
        return [
            r
            for r in control_plane.store.list_runs(limit=_SCAN)
            if r.metadata.get("dialect") == dialect and keep(r)
        ]

    def run_of(dialect: Dialect, run_id: str) -> Run:
        run = control_plane.store.get_run(run_id)
        if run is None or run.metadata.get("dialect") != dialect:
            raise NotFound(f"run {run_id} not found")
        return run

    def start(config: dict[str, Any], metadata: dict[str, str], who: Caller) -> Run:
        request = StartRunRequest(config=config, metadata=metadata)
        return control_plane.start_run(request, who.source)

    # deployments (001) ---------------------------------------------------------------------

    def deployment_run(run: Run) -> DeploymentRun:
        meta = run.metadata
        started, completed = _times(control_plane, run.id)
        status = deployment_status(run)
        failed = status in ("failed", "timed_out", "cancelled")
        exit_code = {"succeeded": 0, "failed": 1, "timed_out": 124}.get(status)
        retention = meta.get("retention_seconds")
        retain = meta.get("retain_on_failure")
        return DeploymentRun(
            id=run.id,
            deployment_id=meta.get("deployment_id", ""),
            version_id=meta.get("version_id", "latest"),
            mode="job",
            status=status,
            input=json.loads(meta.get("input", "{}")),
            created_at=run.created_at,
            updated_at=run.updated_at,
            retain_on_failure=None if retain is None else retain == "true",
            retention_seconds=None if retention is None else int(retention),
            exit_code=exit_code,
            failure_reason=run.status_reason if failed else None,
            output_manifest={"outputs": [{"type": "text", "text": run.output}]}
            if run.output is not None
            else {},
            started_at=started,
            completed_at=completed,
            idempotency_key=meta.get("idempotency_key"),
        )

    @router.post(
        "/v1/agent-deployments/{deployment_id}/runs",
        status_code=201,
        response_model=DeploymentRun,
        tags=["agent deployments API"],
    )
    async def create_deployment_run(
        deployment_id: str,
        body: DeploymentRunCreate,
        request: Request,
        who: Authenticated,
        idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1)],
    ) -> JSONResponse:
        envs = body.envs or {}
        _check_envs(envs)
        scope = f"{who.scope}:deployments"
        fingerprint = _fingerprint(request, body)
        lock = locks[hash((scope, idempotency_key)) % len(locks)]
        with lock:
            recorded = control_plane.store.recorded_response(scope, idempotency_key)
            if recorded is None:
                metadata = {
                    "dialect": "deployments",
                    "deployment_id": deployment_id,
                    "version_id": body.version_id or "latest",
                    "input": json.dumps(body.input, sort_keys=True),
                    "idempotency_key": idempotency_key,
                    "created_by": _creator(who),
                }
                if body.retain_on_failure is not None:
                    metadata["retain_on_failure"] = str(body.retain_on_failure).lower()
                if body.retention_seconds is not None:
                    metadata["retention_seconds"] = str(body.retention_seconds)
                ref = envs_runner.hold(envs) if envs else None
                if ref is not None:
                    metadata["envs_ref"] = ref
                system = json.dumps(body.input, sort_keys=True) if body.input else "Run the agent."
                try:
                    run = start(_config(f"deployment {deployment_id}"[:100], system), metadata, who)
                except BaseException:
                    envs_runner.drop(ref)
                    raise
                result = deployment_run(run).model_dump(mode="json")
                control_plane.store.record_response(
                    scope, idempotency_key, fingerprint, 201, result
                )
                return JSONResponse(result, 201)
        recorded_fingerprint, recorded_status, recorded_body = recorded
        if recorded_fingerprint != fingerprint:
            raise Conflict("Idempotency-Key was already used for a different request")
        return JSONResponse(recorded_body, recorded_status, headers={"Idempotent-Replay": "true"})

    @router.get(
        "/v1/agent-deployments/{deployment_id}/runs",
        response_model=DeploymentRunList,
        tags=["agent deployments API"],
        summary="List a deployment's runs (ours: not in its API reference)",
    )
    async def list_deployment_runs(
        deployment_id: str,
        who: Authenticated,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
        cursor: str | None = None,
    ) -> DeploymentRunList:
        runs = runs_of("deployments", lambda r: r.metadata.get("deployment_id") == deployment_id)
        page, next_cursor = _page(runs, cursor, limit)
        return DeploymentRunList(runs=[deployment_run(r) for r in page], next_cursor=next_cursor)

    def deployment_run_of(deployment_id: str, run_id: str) -> Run:
        run = run_of("deployments", run_id)
        if run.metadata.get("deployment_id") != deployment_id:
            raise NotFound(f"run {run_id} not found in deployment {deployment_id}")
        return run

    @router.get(
        "/v1/agent-deployments/{deployment_id}/runs/{run_id}",
        response_model=DeploymentRun,
        tags=["agent deployments API"],
        summary="Get a run (ours: not in its API reference)",
    )
    async def get_deployment_run(deployment_id: str, run_id: str, who: Authenticated) -> Any:
        return deployment_run(deployment_run_of(deployment_id, run_id))

    @router.post(
        "/v1/agent-deployments/{deployment_id}/runs/{run_id}/cancel",
        response_model=DeploymentRun,
        tags=["agent deployments API"],
        summary="Cancel a run (ours: not in its API reference)",
    )
    async def cancel_deployment_run(deployment_id: str, run_id: str, who: Authenticated) -> Any:
        run = deployment_run_of(deployment_id, run_id)
        envs_runner.drop(run.metadata.get("envs_ref"))
        return deployment_run(control_plane.cancel(run_id))

    # threads (003) -------------------------------------------------------------------------

    def thread_status(run: Run) -> ThreadStatus:
        if run.status == "running" and inputs.waiting(run.id):
            return "waiting_for_input"
        return _THREAD_STATUS[run.status]

    def list_item(run: Run) -> RunListItem:
        started, completed = _times(control_plane, run.id)
        status = thread_status(run)
        return RunListItem(
            run_id=run.id,
            org_id=run.customer_id,
            thread_id=run.metadata.get("thread_id"),
            status=status,
            model=(run.config_snapshot.get("claude") or {}).get("model"),
            persona_id=run.metadata.get("persona_id"),
            total_input_tokens=run.tokens_total,  # local runs do not split tokens
            total_output_tokens=0,
            total_cost_usd=run.cost_millicents / MILLICENTS_PER_USD,
            duration_ms=_millis(started, completed),
            cache_hit_rate=None,
            credits_used=None,
            created_at=run.created_at,
            completed_at=completed if status == "completed" else None,
            failed_at=completed if status == "failed" else None,
            created_by_user_id=run.metadata.get("created_by"),
            created_by_user_name=None,
            created_by_email=None,
        )

    @router.post(
        "/v1/threads/{thread_id}/runs",
        status_code=201,
        response_model=ThreadRunCreated,
        tags=["threads API"],
    )
    async def create_thread_run(
        thread_id: str, body: ThreadRunCreate, who: Authenticated
    ) -> ThreadRunCreated:
        trace_id = new_id("trace")
        metadata = {
            "dialect": "threads",
            "thread_id": thread_id,
            "trace_id": trace_id,
            "created_by": _creator(who),
        }
        for name in ("route_id", "persona_id"):
            value = getattr(body, name)
            if value is not None:
                metadata[name] = value
        system = f"Continue the conversation of thread {thread_id}."
        run = start(_config("thread run", system), metadata, who)
        return ThreadRunCreated(run_id=run.id, trace_id=trace_id)

    @router.get(
        "/v1/threads/{thread_id}/runs",
        response_model=list[ThreadRunItem],
        tags=["threads API"],
    )
    async def list_thread_runs(
        thread_id: str,
        who: Authenticated,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    ) -> list[ThreadRunItem]:
        runs = runs_of("threads", lambda r: r.metadata.get("thread_id") == thread_id)
        return [
            ThreadRunItem(run_id=r.id, status=thread_status(r), created_at=r.created_at)
            for r in runs[:limit]
        ]

    @router.get("/v1/runs", response_model=list[RunListItem], tags=["threads API"])
    async def list_all_runs(
        who: Authenticated,
        limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
        before: str | None = None,
        status: ThreadStatus | None = None,
    ) -> list[RunListItem]:
        runs = runs_of("threads")
        if before is not None:
            runs, _ = _page(runs, before, len(runs))
        if status is not None:
            runs = [r for r in runs if thread_status(r) == status]
        return [list_item(r) for r in runs[:limit]]

    @router.get("/v1/runs/{run_id}", response_model=ThreadRunDetail, tags=["threads API"])
    async def get_thread_run(run_id: str, who: Authenticated) -> ThreadRunDetail:
        run = run_of("threads", run_id)
        return ThreadRunDetail(
            run_id=run.id,
            org_id=run.customer_id,
            thread_id=run.metadata.get("thread_id"),
            created_by_user_id=run.metadata.get("created_by"),
            status=thread_status(run),
            created_at=run.created_at,
            trace_id=run.metadata.get("trace_id"),
        )

    @router.post("/v1/runs/{run_id}:cancel", response_model=Ok, tags=["threads API"])
    async def cancel_thread_run(run_id: str, who: Authenticated) -> Ok:
        run_of("threads", run_id)
        control_plane.cancel(run_id)
        return Ok()

    @router.post("/v1/runs/{run_id}/input", response_model=Ok, tags=["threads API"])
    async def thread_run_input(run_id: str, body: RunInput, who: Authenticated) -> Ok:
        run = run_of("threads", run_id)
        if len(body.content.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
            raise Invalid(f"content is over the {MAX_INPUT_BYTES}-byte limit")
        if not inputs.answer(run_id, body.content):
            raise Conflict(f"run {run_id} is {thread_status(run)}, not waiting_for_input")
        return Ok()

    # ambient agents (004) ------------------------------------------------------------------

    def ambient_run(run: Run) -> AmbientRun:
        started, _ = _times(control_plane, run.id)
        source = _AMBIENT_SOURCES.get(run.metadata.get("ambient_source", ""))
        return AmbientRun(
            run_id=run.id,
            title=run.metadata.get("title", ""),
            state=_AMBIENT_STATE[run.status],
            prompt=(run.config_snapshot.get("claude") or {}).get("system") or "",
            created_at=run.created_at,
            updated_at=run.updated_at,
            started_at=started,
            source=source,
        )

    @router.post("/agent/run", response_model=AmbientRunCreated, tags=["ambient agents API"])
    async def create_ambient_run(body: AmbientRunCreate, who: Authenticated) -> AmbientRunCreated:
        first_line = body.prompt.strip().split("\n", 1)[0][:80]
        metadata = {
            "dialect": "ambient",
            "title": body.title or first_line or "Ambient run",
            "team": str(body.team).lower(),
            "created_by": _creator(who),
            "ambient_source": "API" if who.source == "api" else "LOCAL",
        }
        run = start(_config("ambient agent", body.prompt), metadata, who)
        return AmbientRunCreated(run_id=run.id, state=_AMBIENT_STATE[run.status])

    @router.get(
        "/agent/runs",
        response_model=AmbientRunList,
        response_model_exclude_none=True,
        tags=["ambient agents API"],
    )
    async def list_ambient_runs(
        who: Authenticated,
        limit: Annotated[int, Query(ge=1, le=500)] = 20,
        cursor: str | None = None,
        config_name: str | None = None,
        model_id: str | None = None,
        creator: str | None = None,
        source: AmbientSource | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
    ) -> AmbientRunList:
        after = None if created_after is None else utc_instant(created_after, "created_after")
        before = None if created_before is None else utc_instant(created_before, "created_before")

        def keep(run: Run) -> bool:
            snapshot = run.config_snapshot
            checks: Iterable[bool] = (
                config_name is None or (snapshot.get("ellipsis") or {}).get("name") == config_name,
                model_id is None or (snapshot.get("claude") or {}).get("model") == model_id,
                creator is None or run.metadata.get("created_by") == creator,
                source is None or run.metadata.get("ambient_source") == source,
                after is None or run.created_at > after,
                before is None or run.created_at < before,
            )
            return all(checks)

        page, next_cursor = _page(runs_of("ambient", keep), cursor, limit)
        return AmbientRunList(
            runs=[ambient_run(r) for r in page],
            page_info=PageInfo(has_next_page=next_cursor is not None, next_cursor=next_cursor),
        )

    @router.get(
        "/agent/runs/{runId}",
        response_model=AmbientRun,
        response_model_exclude_none=True,
        tags=["ambient agents API"],
    )
    async def get_ambient_run(runId: str, who: Authenticated) -> AmbientRun:
        return ambient_run(run_of("ambient", runId))

    return router
