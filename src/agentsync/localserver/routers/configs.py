"""Configs, read side (``/v1/agents/configs``) and the config schema (``/agents/schema``).
Configs are written by the sync API (:mod:`~agentsync.localserver.routers.sync`): a create
here answers 405 with how to sync instead."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from agentsync.client.records import AgentConfigRecord
from agentsync.config.schema import load as load_schema
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.store import ConfigQuery

router = APIRouter()


class ConfigList(BaseModel):
    configs: list[AgentConfigRecord]


@router.get("/v1/agents/configs", response_model=ConfigList)
async def list_configs(who: Authenticated, control_plane: ControlPlaneDep) -> ConfigList:
    return ConfigList(configs=control_plane.store.list_configs(ConfigQuery(limit=100_000)))


@router.get("/v1/agents/configs/{config_id}", response_model=AgentConfigRecord)
async def get_config(
    config_id: str, who: Authenticated, control_plane: ControlPlaneDep
) -> AgentConfigRecord:
    return control_plane.configs.get(config_id)


# A platform route the local control plane cannot serve answers with a clear message for the
# platform CLI, and stays out of the OpenAPI document (not part of this server's API).
@router.post("/v1/agents/configs", status_code=405, include_in_schema=False)
async def create_config(who: Authenticated) -> JSONResponse:
    detail = (
        "the local control plane syncs configs from git: commit the file under agents/ "
        "and run `agent sync apply` (no pull request is opened here)"
    )
    return JSONResponse({"detail": detail}, 405, headers={"Allow": "GET"})


@router.get("/agents/schema")
async def schema() -> dict[str, Any]:
    return load_schema()
