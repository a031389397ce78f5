"""The threads dialect (the platform's threads API):

    POST /v1/threads/{thread_id}/runs, GET /v1/threads/{thread_id}/runs,
    GET /v1/runs, GET /v1/runs/{run_id}, POST /v1/runs/{run_id}:cancel,
    POST /v1/runs/{run_id}/input

A run asking for interactive input (:mod:`~agentsync.localserver.dialects.runner`) shows
``waiting_for_input`` until ``POST /v1/runs/{id}/input`` answers (409 at any other time).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from agentsync.client.errors import Conflict, Invalid
from agentsync.client.records import Run, new_id
from agentsync.config.money import MILLICENTS_PER_USD
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.dialects.common import (
    MAX_LIST,
    StoredId,
    created_by,
    millis,
    page,
    run_of,
    runs_of,
    start,
    times,
)
from agentsync.localserver.dialects.runner import inputs_of
from agentsync.localserver.dialects.statuses import SHOWN
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router
from agentsync.platform_statuses import ThreadStatus

MAX_INPUT_BYTES = 32 * 1024

router = api_router(["threads API"])


class ThreadRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route_id: str | None = Field(default=None, description="Kept on the run.")
    persona_id: str | None = Field(default=None, description="Kept on the run.")


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

    content: str = Field(description="The answer; at most 32 KiB of UTF-8.")


class Ok(BaseModel):
    ok: bool = True


def thread_status(control_plane: ControlPlane, run: Run) -> ThreadStatus:
    if run.status == "running" and inputs_of(control_plane).waiting(run.id):
        return "waiting_for_input"
    return SHOWN[run.status].threads


def list_item(control_plane: ControlPlane, run: Run) -> RunListItem:
    """``run`` as an item of ``GET /v1/runs``."""
    started, completed = times(control_plane, run.id)
    status = thread_status(control_plane, run)
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
        duration_ms=millis(started, completed),
        cache_hit_rate=None,
        credits_used=None,
        created_at=run.created_at,
        completed_at=completed if status == "completed" else None,
        failed_at=completed if status == "failed" else None,
        created_by_user_id=run.metadata.get("created_by"),
        created_by_user_name=None,
        created_by_email=None,
    )


@router.post("/v1/threads/{thread_id}/runs", status_code=201, response_model=ThreadRunCreated)
async def create_thread_run(
    thread_id: StoredId,
    body: ThreadRunCreate,
    who: Authenticated,
    control_plane: ControlPlaneDep,
) -> ThreadRunCreated:
    """Start a run on the thread. 201 with its ``run_id`` and ``trace_id``; 402 when a budget
    cap refuses it."""
    trace_id = new_id("trace")
    metadata = {
        "dialect": "threads",
        "thread_id": thread_id,
        "trace_id": trace_id,
        "created_by": created_by(who),
    }
    for name in ("route_id", "persona_id"):
        value = getattr(body, name)
        if value is not None:
            metadata[name] = value
    system = f"Continue the conversation of thread {thread_id}."
    run = start(control_plane, "thread run", system, metadata, who)
    return ThreadRunCreated(run_id=run.id, trace_id=trace_id)


@router.get("/v1/threads/{thread_id}/runs", response_model=list[ThreadRunItem])
async def list_thread_runs(
    thread_id: str,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
) -> list[ThreadRunItem]:
    """The thread's runs, newest first, up to ``limit``."""
    runs = runs_of(control_plane, "threads", lambda r: r.metadata.get("thread_id") == thread_id)
    return [
        ThreadRunItem(run_id=r.id, status=thread_status(control_plane, r), created_at=r.created_at)
        for r in runs[:limit]
    ]


@router.get("/v1/runs", response_model=list[RunListItem])
async def list_all_runs(
    who: Authenticated,
    control_plane: ControlPlaneDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    before: str | None = None,
    status: ThreadStatus | None = None,
) -> list[RunListItem]:
    """The runs of every thread, newest first: those created before the run ``before`` (422 for
    an unknown id), of one ``status``, up to ``limit``."""
    runs = runs_of(control_plane, "threads")
    if before is not None:
        runs, _ = page(runs, before, len(runs))
    if status is not None:
        runs = [r for r in runs if thread_status(control_plane, r) == status]
    return [list_item(control_plane, r) for r in runs[:limit]]


@router.get("/v1/runs/{run_id}", response_model=ThreadRunDetail)
async def get_thread_run(
    run_id: str, who: Authenticated, control_plane: ControlPlaneDep
) -> ThreadRunDetail:
    """One thread run; 404 for an unknown id."""
    run = run_of(control_plane, "threads", run_id)
    return ThreadRunDetail(
        run_id=run.id,
        org_id=run.customer_id,
        thread_id=run.metadata.get("thread_id"),
        created_by_user_id=run.metadata.get("created_by"),
        status=thread_status(control_plane, run),
        created_at=run.created_at,
        trace_id=run.metadata.get("trace_id"),
    )


@router.post("/v1/runs/{run_id}:cancel", response_model=Ok)
async def cancel_thread_run(run_id: str, who: Authenticated, control_plane: ControlPlaneDep) -> Ok:
    """Cancel a thread run. 404 for an unknown id, 409 when it has already finished."""
    run_of(control_plane, "threads", run_id)
    control_plane.runs.cancel(run_id)
    return Ok()


@router.post("/v1/runs/{run_id}/input", response_model=Ok)
async def thread_run_input(
    run_id: str, body: RunInput, who: Authenticated, control_plane: ControlPlaneDep
) -> Ok:
    """Answer a run that is ``waiting_for_input`` with ``content``. 404 for an unknown id, 409
    when the run is not waiting for input, 422 for content over 32 KiB."""
    run = run_of(control_plane, "threads", run_id)
    if len(body.content.encode("utf-8", "surrogatepass")) > MAX_INPUT_BYTES:
        raise Invalid(f"content is over the {MAX_INPUT_BYTES}-byte limit")
    if not inputs_of(control_plane).answer(run_id, body.content):
        raise Conflict(
            f"run {run_id} is {thread_status(control_plane, run)}, not waiting_for_input"
        )
    return Ok()
