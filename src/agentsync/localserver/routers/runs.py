"""Runs (``/v1/agents/runs``): start, list, get, replay and cancel. A run's ``source`` comes
from the kind of token (API key: ``api``, user token: ``cli``), never from the request body;
the POSTs honour ``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from agentsync.client.records import Run, RunSource
from agentsync.localserver.http_api import (
    Authenticated,
    ControlPlaneDep,
    Idempotent,
    parse_instant,
)
from agentsync.localserver.runs import ReplayRequest, StartRunRequest
from agentsync.localserver.store import RunQuery

MAX_LIST_LIMIT = 1000  # larger limits are clamped, as the platform CLI sends any number

router = APIRouter()


class RunList(BaseModel):
    runs: list[Run]


@router.post("/v1/agents/runs", status_code=201, response_model=Run)
async def start_run(
    body: StartRunRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    return await idempotency.reply(lambda: control_plane.runs.start(body, who.source), 201)


@router.get("/v1/agents/runs", response_model=RunList)
async def list_runs(
    who: Authenticated,
    control_plane: ControlPlaneDep,
    config_id: str | None = None,
    source: Annotated[list[RunSource] | None, Query()] = None,
    days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    start: str | None = None,
    end: str | None = None,
    limit: Annotated[int, Query(ge=1)] = 50,
) -> RunList:
    query = RunQuery(
        config_id=config_id,
        sources=tuple(source or ()),
        start=parse_instant(start, "start", end_of_day=False),
        end=parse_instant(end, "end", end_of_day=True),
        limit=min(limit, MAX_LIST_LIMIT),
    )
    runs = control_plane.runs.find(query, days=days)
    return RunList(runs=runs)


@router.get("/v1/agents/runs/{run_id}", response_model=Run)
async def get_run(run_id: str, who: Authenticated, control_plane: ControlPlaneDep) -> Run:
    return control_plane.runs.get(run_id)


@router.post("/v1/agents/runs/{run_id}/replay", status_code=201, response_model=Run)
async def replay_run(
    run_id: str,
    body: ReplayRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    return await idempotency.reply(lambda: control_plane.runs.replay(run_id, body, who.source), 201)


@router.post("/v1/agents/runs/{run_id}/cancel", response_model=Run)
async def cancel_run(
    run_id: str, who: Authenticated, control_plane: ControlPlaneDep, idempotency: Idempotent
) -> Response:
    return await idempotency.reply(lambda: control_plane.runs.cancel(run_id))
