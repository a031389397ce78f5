"""The agent deployments dialect (the platform's agent deployments API):

    POST /v1/agent-deployments/{deployment_id}/runs           (needs Idempotency-Key)
    ours: GET .../runs, GET .../runs/{run_id}, POST .../runs/{run_id}/cancel

A create's ``input`` becomes the run's prompt; ``envs`` are write-only
(:mod:`~agentsync.localserver.dialects.runner`): the idempotency fingerprint leaves them out,
so a retry that differs only in ``envs`` replays the first response. A name that is not an
environment variable name, or that changes how a process starts
(``agentsync.config.variables``), is a 422 naming it.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import Depends, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agentsync.client.errors import Invalid, NotFound
from agentsync.client.records import Run
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.dialects.common import (
    MAX_LIST,
    StoredId,
    created_by,
    page,
    run_of,
    runs_of,
    start,
    times,
)
from agentsync.localserver.dialects.runner import dialect_runner
from agentsync.localserver.dialects.statuses import SHOWN
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep, Idempotent
from agentsync.localserver.json_request import api_router
from agentsync.localserver.variables import variable_problem
from agentsync.platform_statuses import DeploymentStatus

RUNS = "/v1/agent-deployments/{deployment_id}/runs"
router = api_router(["agent deployments API"])


class DeploymentRunCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)  # "yes" is no boolean

    version_id: str | None = Field(
        default=None, description="Kept on the run; `latest` when omitted."
    )
    input: dict[str, Any] = Field(
        default_factory=dict, description="The run's input; its JSON is the prompt."
    )
    envs: dict[str, StrictStr] | None = Field(
        default=None,
        description="Environment variables for this run only.",
        json_schema_extra={"writeOnly": True},
    )
    retain_on_failure: bool | None = Field(default=None, description="Kept on the run.")
    retention_seconds: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="Kept on the run."
    )


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


def deployment_status(run: Run) -> DeploymentStatus:
    if run.status == "error" and (run.status_reason or "").startswith("timed out"):
        return "timed_out"
    return SHOWN[run.status].deployments


def deployment_run(control_plane: ControlPlane, run: Run) -> DeploymentRun:
    """``run`` in the dialect's shape."""
    meta = run.metadata
    started, completed = times(control_plane, run.id)
    status = deployment_status(run)
    failed = status in ("failed", "timed_out", "cancelled")
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
        exit_code={"succeeded": 0, "failed": 1, "timed_out": 124}.get(status),
        failure_reason=run.status_reason if failed else None,
        output_manifest={"outputs": [{"type": "text", "text": run.output}]}
        if run.output is not None
        else {},
        started_at=started,
        completed_at=completed,
        idempotency_key=meta.get("idempotency_key"),
    )


def check_envs(envs: dict[str, str]) -> None:
    """A 422 naming each refused name or value as a sandbox variable's is (a name that changes
    how a process starts, over 256 characters; a value with a NUL, over 64 KiB), never a
    value."""
    checks = (variable_problem(name, envs[name], set()) for name in sorted(envs))
    problems = [f"envs: {problem[1]}" for problem in checks if problem is not None]
    if problems:
        raise Invalid("; ".join(problems)[:1000])


@router.post(RUNS, status_code=201, response_model=DeploymentRun)
async def create_deployment_run(
    deployment_id: StoredId,
    body: DeploymentRunCreate,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1)],
) -> JSONResponse:
    """Start a run of the deployment, its prompt made from ``input``; ``envs`` join the run's
    environment and are never stored or returned. ``Idempotency-Key`` is required: a retry with
    the same key and request (``envs`` aside) answers the first run, a different request is a
    409. 201 with the run; 422 without the key or for a refused ``envs`` name, 402 when a budget
    cap refuses it."""
    envs = body.envs or {}
    check_envs(envs)

    def create() -> DeploymentRun:
        metadata = {
            "dialect": "deployments",
            "deployment_id": deployment_id,
            "version_id": body.version_id or "latest",
            "input": json.dumps(body.input, sort_keys=True),
            "idempotency_key": idempotency_key,
            "created_by": created_by(who),
        }
        if body.retain_on_failure is not None:
            metadata["retain_on_failure"] = str(body.retain_on_failure).lower()
        if body.retention_seconds is not None:
            metadata["retention_seconds"] = str(body.retention_seconds)
        envs_runner = dialect_runner(control_plane)
        ref = envs_runner.hold(envs) if envs else None
        if ref is not None:
            metadata["envs_ref"] = ref
        system = json.dumps(body.input, sort_keys=True) if body.input else "Run the agent."
        name = f"deployment {deployment_id}"[:100]
        try:
            run = start(control_plane, name, system, metadata, who)
        except BaseException:
            envs_runner.drop(ref)
            raise
        return deployment_run(control_plane, run)

    return await idempotency.reply(create, 201, body=body, namespace="deployments")


@router.get(RUNS, response_model=DeploymentRunList)
async def list_deployment_runs(
    deployment_id: str,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST)] = 50,
    cursor: str | None = None,
) -> DeploymentRunList:
    """The deployment's runs, newest first; pass ``next_cursor`` as ``cursor`` for the next page
    (422 for a cursor that is not one of them). Ours: the platform's API reference has no such
    route."""
    runs = runs_of(
        control_plane, "deployments", lambda r: r.metadata.get("deployment_id") == deployment_id
    )
    kept, next_cursor = page(runs, cursor, limit)
    return DeploymentRunList(
        runs=[deployment_run(control_plane, r) for r in kept], next_cursor=next_cursor
    )


async def _deployment_run_of(
    deployment_id: str, run_id: str, who: Authenticated, control_plane: ControlPlaneDep
) -> Run:
    """The run ``run_id`` of deployment ``deployment_id``; 404 for a run of any other."""
    run = run_of(control_plane, "deployments", run_id)
    if run.metadata.get("deployment_id") != deployment_id:
        raise NotFound(f"run {run_id} not found in deployment {deployment_id}")
    return run


DeploymentRunOf = Annotated[Run, Depends(_deployment_run_of)]


@router.get(RUNS + "/{run_id}", response_model=DeploymentRun)
async def get_deployment_run(run: DeploymentRunOf, control_plane: ControlPlaneDep) -> Any:
    """One run of the deployment; 404 for an unknown id or a run of another deployment. Ours:
    the platform's API reference has no such route."""
    return deployment_run(control_plane, run)


@router.post(RUNS + "/{run_id}/cancel", response_model=DeploymentRun)
async def cancel_deployment_run(run: DeploymentRunOf, control_plane: ControlPlaneDep) -> Any:
    """Cancel a run of the deployment and answer it; 404 for an unknown id, 409 when it has
    already finished. Ours: the platform's API reference has no such route."""
    dialect_runner(control_plane).drop(run.metadata.get("envs_ref"))
    return deployment_run(control_plane, control_plane.runs.cancel(run.id))
