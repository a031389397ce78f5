"""The sync API (``/v1/sync``): what ``agent sync apply`` writes. Configs are put by
repository and path, listed in pages, moved, deleted, restored and marked with a sync error;
each repository keeps the commit it was last synced at."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from fastapi.responses import JSONResponse, Response
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from agentsync.client.errors import Invalid
from agentsync.client.records import AgentConfigRecord
from agentsync.config.discovery import is_config_path
from agentsync.config.repository_names import REPOSITORY_NAME_FORM, is_repository_name
from agentsync.localserver.http_api import (
    Authenticated,
    ControlPlaneDep,
    Idempotent,
    dump,
)
from agentsync.localserver.json_request import api_router
from agentsync.localserver.store import ConfigQuery

router = api_router()


def _repository_name(text: str) -> str:
    if not is_repository_name(text):
        raise ValueError(f"must be {REPOSITORY_NAME_FORM}")
    return text


def _config_path(text: str) -> str:
    if not is_config_path(text):
        raise ValueError(
            "must be a file's path in the repository, in agents/, .agents/, ellipsis/ or "
            ".ellipsis/, ending in .yaml or .yml"
        )
    return text


def _repository_name_or_422(text: str) -> str:
    try:
        return _repository_name(text)
    except ValueError as error:
        raise Invalid(f"repository {text!r} {error}") from None


RepositoryName = Annotated[
    str, Field(description="OWNER/NAME of the repository."), AfterValidator(_repository_name)
]
ConfigFilePath = Annotated[
    str,
    Field(
        max_length=4096,
        description="The file's path in the repository: under agents/, .agents/, ellipsis/ or "
        ".ellipsis/, ending in .yaml or .yml.",
    ),
    AfterValidator(_config_path),
]


class SyncPutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repository: RepositoryName
    path: ConfigFilePath
    yaml: str = Field(description="The file's content.")
    commit: str | None = Field(default=None, description="The commit the file was read at.")


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: ConfigFilePath


class SyncErrorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(description="Why the file could not be applied.")
    commit: str | None = Field(default=None, description="The commit the file was read at.")
    diagnostics: list[dict[str, Any]] = Field(
        default_factory=list, description="The problems found in the file, kept as given."
    )


class RepositoryState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commit: str = Field(min_length=1, description="The commit the repository was synced at.")


class SyncConfigList(BaseModel):
    configs: list[AgentConfigRecord]
    next_cursor: str | None


@router.put("/v1/sync/configs", response_model=AgentConfigRecord)
async def sync_put(
    body: SyncPutRequest, who: Authenticated, control_plane: ControlPlaneDep
) -> JSONResponse:
    """Create or update the config at ``repository`` and ``path`` from its YAML, which must pass
    the platform's rules; an update also undeletes it and clears its sync error. 201 when
    created, 200 when updated; 422 for an invalid repository, path or config, and nothing is
    stored."""
    record, created = control_plane.configs.put(body.repository, body.path, body.yaml, body.commit)
    return JSONResponse(dump(record), 201 if created else 200)


@router.get("/v1/sync/configs", response_model=SyncConfigList)
async def sync_list(
    who: Authenticated,
    control_plane: ControlPlaneDep,
    repository: str | None = None,
    include_deleted: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: str | None = None,
) -> SyncConfigList:
    """The configs by id, a page at a time, of one ``repository`` or all; deleted ones too with
    ``include_deleted``. Pass the answer's ``next_cursor`` as ``cursor`` for the next page; it
    is null on the last."""
    query = ConfigQuery(
        repository=repository, include_deleted=include_deleted, after_id=cursor, limit=limit + 1
    )
    page = control_plane.store.list_configs(query)
    more = len(page) > limit
    page = page[:limit]
    return SyncConfigList(configs=page, next_cursor=page[-1].id if more else None)


@router.post("/v1/sync/configs/{config_id}/move", response_model=AgentConfigRecord)
async def sync_move(
    config_id: str,
    body: MoveRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    """Move a config to another ``path`` of its repository. 404 for an unknown id, 409 when
    another config is at that path, 422 for an invalid path. ``Idempotency-Key`` is honoured."""
    return await idempotency.reply(lambda: control_plane.configs.move(config_id, body.path))


@router.delete("/v1/sync/configs/{config_id}", response_model=AgentConfigRecord)
async def sync_delete(
    config_id: str, who: Authenticated, control_plane: ControlPlaneDep
) -> AgentConfigRecord:
    """Delete a config: it is marked deleted (and can be restored) and its cron trigger stops.
    Answers the config; 404 for an unknown id."""
    return control_plane.configs.delete(config_id)


@router.post("/v1/sync/configs/{config_id}/restore", response_model=AgentConfigRecord)
async def sync_restore(
    config_id: str, who: Authenticated, control_plane: ControlPlaneDep, idempotency: Idempotent
) -> Response:
    """Undelete a config. Answers the config; 404 for an unknown id. ``Idempotency-Key`` is
    honoured."""
    return await idempotency.reply(lambda: control_plane.configs.restore(config_id))


@router.post("/v1/sync/configs/{config_id}/error", response_model=AgentConfigRecord)
async def sync_error(
    config_id: str,
    body: SyncErrorRequest,
    who: Authenticated,
    control_plane: ControlPlaneDep,
    idempotency: Idempotent,
) -> Response:
    """Record why sync could not apply the config's file (a message, the commit, the
    diagnostics); the config itself stays as it was. 404 for an unknown id. ``Idempotency-Key``
    is honoured."""
    return await idempotency.reply(
        lambda: control_plane.configs.set_sync_error(
            config_id, body.message, body.commit, body.diagnostics
        )
    )


@router.get("/v1/sync/repositories/{owner}/{name}")
async def repository_state(
    owner: str, name: str, who: Authenticated, control_plane: ControlPlaneDep
) -> dict[str, Any]:
    """The commit the repository was last synced at (null when it never was)."""
    repository = f"{owner}/{name}"
    return {"repository": repository, "commit": control_plane.store.repository_commit(repository)}


@router.put("/v1/sync/repositories/{owner}/{name}")
async def set_repository_state(
    owner: str,
    name: str,
    body: RepositoryState,
    who: Authenticated,
    control_plane: ControlPlaneDep,
) -> dict[str, Any]:
    """Record the commit the repository was synced at. 422 when ``owner``/``name`` is not a
    repository name or ``commit`` is empty."""
    repository = _repository_name_or_422(f"{owner}/{name}")
    control_plane.store.set_repository_commit(repository, body.commit)
    return {"repository": repository, "commit": body.commit}
