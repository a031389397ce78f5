"""Runs (``/v1/agents/runs``): start, list, get, replay and cancel. A run's ``source`` comes
from the kind of token (API key: ``api``, user token: ``cli``), never from the request body;
the POSTs honour ``Idempotency-Key``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from fastapi.responses import Response
from pydantic import BaseModel

from agentsync.client.records import Run, RunSource
from agentsync.localserver.http_api import (
    Authenticated,
    ControlPlaneDep,
    Idempotent,
    parse_instant,
)
from agentsync.localserver.json_request import api_router
from agentsync.localserver.runs import ReplayRequest, StartRunRequest
from agentsync.localserver.store import RunQuery

MAX_LIST_LIMIT = 1000  # larger limits are clamped, as the platform CLI sends any number

router = api_router()


class RunList(BaseModel):
    runs: list[Run]


@router.post("/v1/agents/runs", status_code=201, response_model=Run)
async def start_run(
    body: StartRunRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    """Start a run of a stored config (``config_id``), an inline ``config`` or a template
    (``template_id``), with an optional ``prompt`` and override; the run's ``source`` is the
    kind of token. 201 with the run; 404 for an unknown or deleted config or template, 422 for
    an invalid request or config, 402 when a budget cap refuses it. ``Idempotency-Key`` is
    honoured."""
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
    """The runs, newest first: of one config, of some sources, of the last ``days`` days,
    between ``start`` and ``end`` (ISO 8601 dates or date-times; a bare ``end`` date takes in
    that whole day). A ``limit`` above 1000 is taken as 1000; a date that does not parse is a
    422."""
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
    """One run: its status, output, cost and config snapshot; 404 for an unknown id."""
    return control_plane.runs.get(run_id)


@router.post("/v1/agents/runs/{run_id}/replay", status_code=201, response_model=Run)
async def replay_run(
    run_id: str,
    body: ReplayRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    """Start a new run with the config snapshot of run ``run_id`` (or the config ``config_id``),
    its prompt (an omitted ``prompt`` keeps it, ``""`` clears it) and its metadata, plus
    ``replay_of``. 201 with the new run; 404 for an unknown id, 422 for an invalid override, 402
    when a budget cap refuses it. ``Idempotency-Key`` is honoured."""
    return await idempotency.reply(lambda: control_plane.runs.replay(run_id, body, who.source), 201)


@router.post("/v1/agents/runs/{run_id}/cancel", response_model=Run)
async def cancel_run(
    run_id: str, who: Authenticated, control_plane: ControlPlaneDep, idempotency: Idempotent
) -> Response:
    """Cancel a run: one not started yet is cancelled at once, a running one is told to stop.
    Answers the run; 404 for an unknown id, 409 when it has already finished.
    ``Idempotency-Key`` is honoured."""
    return await idempotency.reply(lambda: control_plane.runs.cancel(run_id))
