"""Sandbox variables (``/v1/sandboxes/variables``): values go in, and never come out."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agentsync.client.records import VariableInfo
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router

router = api_router()


class VariableValue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: StrictStr = Field(description="An environment variable name.")
    value: StrictStr = Field(
        description="Stored encrypted; never returned.", json_schema_extra={"writeOnly": True}
    )


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
    """The sandbox variables by name, with when they were set; never their values."""
    return VariableList(variables=control_plane.variables.infos())


@router.put("/v1/sandboxes/variables", response_model=VariableList)
async def put_variables(
    body: VariablesPut, who: Authenticated, control_plane: ControlPlaneDep
) -> VariableList:
    """Set (create or replace) each variable; values are stored encrypted and never returned. A
    name that is not an environment variable name, changes how a process starts (``PATH``,
    ``LD_*``...) or is given twice, or a value holding NUL, is a 422 and nothing is stored; 503
    when the server has no vault. Answers the variables."""
    pairs = [(v.name, v.value) for v in body.variables]
    return VariableList(variables=control_plane.variables.put(pairs))


@router.delete("/v1/sandboxes/variables/{name}", response_model=VariableList)
async def delete_variable(
    name: str, who: Authenticated, control_plane: ControlPlaneDep
) -> VariableList:
    """Delete a sandbox variable; answers the variables left. 404 for an unknown name."""
    control_plane.variables.delete(name)
    return VariableList(variables=control_plane.variables.infos())
