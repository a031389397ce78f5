"""The ambient agents dialect (the platform's ambient agents API):

    POST /agent/run, GET /agent/runs, GET /agent/runs/{runId}

A create's prompt becomes the run's prompt; its title (or the prompt's first line) and team
flag live in the run's metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal, get_args

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from agentsync.client.records import Run
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.dialects.common import created_by, page, run_of, runs_of, start, times
from agentsync.localserver.dialects.statuses import SHOWN
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep, utc_instant
from agentsync.localserver.json_request import api_router
from agentsync.platform_statuses import AmbientState

AmbientSource = Literal["LINEAR", "API", "SLACK", "LOCAL", "SCHEDULED_AGENT"]
_AMBIENT_SOURCES: dict[str, AmbientSource] = {s: s for s in get_args(AmbientSource)}

router = api_router(["ambient agents API"])


class AmbientRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # "yes" is no boolean

    prompt: str = Field(min_length=1, description="The task for the agent.")
    title: str | None = Field(default=None, description="The prompt's first line when omitted.")
    team: bool = Field(default=False, description="Kept on the run.")


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


def ambient_run(control_plane: ControlPlane, run: Run) -> AmbientRun:
    """``run`` in the dialect's shape."""
    started, _ = times(control_plane, run.id)
    source = _AMBIENT_SOURCES.get(run.metadata.get("ambient_source", ""))
    return AmbientRun(
        run_id=run.id,
        title=run.metadata.get("title", ""),
        state=SHOWN[run.status].ambient,
        prompt=(run.config_snapshot.get("claude") or {}).get("system") or "",
        created_at=run.created_at,
        updated_at=run.updated_at,
        started_at=started,
        source=source,
    )


@router.post("/agent/run", response_model=AmbientRunCreated)
async def create_ambient_run(
    body: AmbientRunCreate, who: Authenticated, control_plane: ControlPlaneDep
) -> AmbientRunCreated:
    """Start a run of ``prompt``; its title is ``title`` or the prompt's first line. Answers its
    ``run_id`` and ``state``; 402 when a budget cap refuses it."""
    first_line = body.prompt.strip().split("\n", 1)[0][:80]
    metadata = {
        "dialect": "ambient",
        "title": body.title or first_line or "Ambient run",
        "team": str(body.team).lower(),
        "created_by": created_by(who),
        "ambient_source": "API" if who.source == "api" else "LOCAL",
    }
    run = start(control_plane, "ambient agent", body.prompt, metadata, who)
    return AmbientRunCreated(run_id=run.id, state=SHOWN[run.status].ambient)


@router.get("/agent/runs", response_model=AmbientRunList, response_model_exclude_none=True)
async def list_ambient_runs(
    who: Authenticated,
    control_plane: ControlPlaneDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
    cursor: str | None = None,
    config_name: str | None = None,
    model_id: str | None = None,
    creator: str | None = None,
    source: AmbientSource | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> AmbientRunList:
    """The ambient runs, newest first, filtered by config name, model, creator, source and
    creation time; pass ``page_info.next_cursor`` as ``cursor`` for the next page (422 for a
    cursor that is not one of them)."""
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

    kept, next_cursor = page(runs_of(control_plane, "ambient", keep), cursor, limit)
    return AmbientRunList(
        runs=[ambient_run(control_plane, r) for r in kept],
        page_info=PageInfo(has_next_page=next_cursor is not None, next_cursor=next_cursor),
    )


@router.get("/agent/runs/{runId}", response_model=AmbientRun, response_model_exclude_none=True)
async def get_ambient_run(
    runId: str, who: Authenticated, control_plane: ControlPlaneDep
) -> AmbientRun:
    """One ambient run; 404 for an unknown id."""
    return ambient_run(control_plane, run_of(control_plane, "ambient", runId))
