"""Configs, read side (``/v1/agents/configs``) and the config schema (``/agents/schema``).
Configs are written by the sync API (:mod:`~agentsync.localserver.routers.sync`): a create
here answers 405 with how to sync instead."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from agentsync.client.records import AgentConfigRecord
from agentsync.config.schema import load as load_schema
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router
from agentsync.localserver.store import ConfigQuery

router = api_router()


class ConfigList(BaseModel):
    configs: list[AgentConfigRecord]


@router.get("/v1/agents/configs", response_model=ConfigList)
async def list_configs(who: Authenticated, control_plane: ControlPlaneDep) -> ConfigList:
    """Every config that is not deleted, by id."""
    return ConfigList(configs=control_plane.store.list_configs(ConfigQuery(limit=100_000)))


@router.get("/v1/agents/configs/{config_id}", response_model=AgentConfigRecord)
async def get_config(
    config_id: str, who: Authenticated, control_plane: ControlPlaneDep
) -> AgentConfigRecord:
    """One config, deleted or not, with its YAML, where it was synced from and its last sync
    error; 404 for an unknown id."""
    return control_plane.configs.get(config_id)


@router.post("/v1/agents/configs", status_code=405, include_in_schema=False)
async def create_config(who: Authenticated) -> JSONResponse:
    """The platform's config create, which this server cannot serve: a 405 telling the platform
    CLI to sync from git instead. Not part of this server's API, so kept out of the OpenAPI
    document."""
    detail = (
        "the local control plane syncs configs from git: commit the file under agents/ "
        "and run `agent sync apply` (no pull request is opened here)"
    )
    return JSONResponse({"detail": detail}, 405, headers={"Allow": "GET"})


@router.get("/agents/schema")
async def schema() -> dict[str, Any]:
    """The JSON Schema of an agent config file. The only route that needs no token."""
    return load_schema()
