"""Sandbox variables (``/v1/sandboxes/variables``): values go in, and never come out."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agentsync.client.records import VariableInfo
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep

router = APIRouter()


class VariableValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr
    value: StrictStr = Field(json_schema_extra={"writeOnly": True})


class VariablesPut(BaseModel):
    """``PUT /v1/sandboxes/variables``: set each variable; values are write-only. A name that is
    not an environment variable name, or that changes how a process starts (``BASH_ENV``,
    ``LD_*``, ``PATH``...: ``agentsync.config.variables``), is refused (422)."""

    model_config = ConfigDict(extra="forbid")
    variables: list[VariableValue]


class VariableList(BaseModel):
    variables: list[VariableInfo]


@router.get("/v1/sandboxes/variables", response_model=VariableList)
async def list_variables(who: Authenticated, control_plane: ControlPlaneDep) -> VariableList:
    return VariableList(variables=control_plane.variables.infos())


@router.put("/v1/sandboxes/variables", response_model=VariableList)
async def put_variables(
    body: VariablesPut, who: Authenticated, control_plane: ControlPlaneDep
) -> VariableList:
    pairs = [(v.name, v.value) for v in body.variables]
    return VariableList(variables=control_plane.variables.put(pairs))


@router.delete("/v1/sandboxes/variables/{name}", response_model=VariableList)
async def delete_variable(
    name: str, who: Authenticated, control_plane: ControlPlaneDep
) -> VariableList:
    control_plane.variables.delete(name)
    return VariableList(variables=control_plane.variables.infos())
