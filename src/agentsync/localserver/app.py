"""The local control plane's HTTP surface: the platform's ``/v1`` API on a ``ControlPlane``.

Every response carries ``X-Request-ID``; every error is ``{"detail": ...}`` (a string, or a list
of diagnostics with status 422). Every ``/v1`` route needs a configured Bearer token; a run's
``source`` comes from the kind of token (API key: ``api``, user token: ``cli``), never from the
request body. Request bodies are capped (413, with a ``Content-Length`` or chunked). Integer
parameters are bounded (422 outside their range); a seq fits SQLite's integer. POSTs honour
``Idempotency-Key``: a repeated key with the same request returns the first response; with a
different request, 409.

The run stream (``/v1/runs/{id}/stream``) closes with 1000 at the end of the run, 4401 for bad
credentials, 4403 for a run that does not exist, 4422 for an invalid ``after_seq`` (the reason
says why) and 1011 for an error of the server; clients of the platform CLI's dialect get 1008
for bad credentials and an error frame for the rest (:mod:`~agentsync.localserver.cli_frames`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StrictStr, TypeAdapter, ValidationError
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentsync import __version__
from agentsync.client.errors import ControlPlaneError, Invalid, NotFound, Unauthorized
from agentsync.client.records import FINAL_STATUSES, AgentConfigRecord, Run, new_id
from agentsync.config.schema import load as load_schema
from agentsync.localserver import cli_frames
from agentsync.localserver.budgets import Budget, Usage
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.runs import ReplayRequest, StartRunRequest
from agentsync.localserver.variables import VariableInfo

LOG = logging.getLogger("agentsync.localserver")
MAX_BODY_BYTES = 1024 * 1024
MAX_LIST_LIMIT = 1000  # larger limits are clamped, as the platform CLI sends any number
HEARTBEAT_SECONDS = 20.0
WS_CLOSE_NORMAL, WS_CLOSE_SERVER_ERROR = 1000, 1011
WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_NOT_ALLOWED, WS_CLOSE_INVALID = 4401, 4403, 4422
MAX_SEQ = 2**63 - 1  # SQLite's largest integer

# Where to resume a run's log: the same bounds on the event stream (SSE) and the WebSocket.
AfterSeq = Annotated[int, Query(ge=0, le=MAX_SEQ)]
_after_seq = TypeAdapter(AfterSeq)


class _BodyTooLarge(HTTPException):
    """Raised while reading a body: an HTTP error, so FastAPI's body parsing passes it on."""

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(413, f"request body is over the {max_body_bytes}-byte limit")


class RequestIdAndLimits:
    """ASGI middleware: an ``X-Request-ID`` on every response, and a cap on request bodies."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id("req")
        scope.setdefault("state", {})["request_id"] = request_id
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLarge(self.max_body_bytes)
            return message

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body_bytes:
            too_large = _BodyTooLarge(self.max_body_bytes)
            response = JSONResponse({"detail": too_large.detail}, too_large.status_code)
            await response({"type": "http"}, _no_body, send_with_id)
            return
        try:
            await self.app(scope, limited_receive, send_with_id)
        except Exception:  # the boundary: a bug is a JSON 500 that keeps its request id
            LOG.exception("unhandled error serving %s %s", scope["method"], scope["path"],
                          extra={"request_id": request_id})  # fmt: skip
            if not started:
                detail = {"detail": "internal error", "request_id": request_id}
                await JSONResponse(detail, 500)({"type": "http"}, _no_body, send_with_id)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


Source = Literal["api", "cli"]


class Credentials:
    """Accepted Bearer tokens: API keys (runs record ``api``) and user tokens (``cli``)."""

    def __init__(self, api_tokens: Sequence[str], cli_tokens: Sequence[str]) -> None:
        if not api_tokens and not cli_tokens:
            raise ValueError("at least one token is required")
        self._tokens: list[tuple[str, Source]] = [(t, "api") for t in api_tokens]
        self._tokens += [(t, "cli") for t in cli_tokens]

    def source_of(self, authorization: str | None) -> tuple[Source, str] | None:
        """``(source, scope)`` for a valid ``Authorization`` header, else None."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        found: Source | None = None
        for candidate, source in self._tokens:  # compare with every token: constant time
            if hmac.compare_digest(candidate.encode(), token.strip().encode()):
                found = source
        if found is None:
            return None
        return found, hashlib.sha256(token.encode()).hexdigest()[:16]


class Caller(BaseModel):
    source: Source
    scope: str


class SyncPutRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    repository: str = Field(min_length=1)
    path: str = Field(min_length=1)
    yaml: str
    commit: str | None = None


class MoveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str = Field(min_length=1)


class SyncErrorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str
    commit: str | None = None
    diagnostics: list[dict[str, Any]] = Field(default_factory=list)


class RepositoryState(BaseModel):
    model_config = ConfigDict(extra="forbid")
    commit: str = Field(min_length=1)


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


class RunList(BaseModel):
    runs: list[Run]


class ConfigList(BaseModel):
    configs: list[AgentConfigRecord]


class SyncConfigList(BaseModel):
    configs: list[AgentConfigRecord]
    next_cursor: str | None


async def _caller(request: Request) -> Caller:
    credentials: Credentials = request.app.state.credentials
    found = credentials.source_of(request.headers.get("authorization"))
    if found is None:
        raise Unauthorized("missing or invalid bearer token")
    return Caller(source=found[0], scope=found[1])


# Module level, so FastAPI can resolve the (postponed) annotation by name.
Authenticated = Annotated[Caller, Depends(_caller)]


def _fingerprint(request: Request, body: bytes) -> str:
    return hashlib.sha256(request.method.encode() + request.url.path.encode() + body).hexdigest()


def create_app(
    control_plane: ControlPlane,
    *,
    api_tokens: Sequence[str] = (),
    cli_tokens: Sequence[str] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The ASGI app over ``control_plane``."""
    credentials = Credentials(api_tokens, cli_tokens)
    app = FastAPI(title="agentsync local control plane", version=__version__)
    # A fixed set of locks, striped by key: bounded memory however many keys arrive.
    idempotency_locks = [threading.Lock() for _ in range(64)]

    app.state.credentials = credentials
    app.add_middleware(RequestIdAndLimits, max_body_bytes=max_body_bytes)

    @app.exception_handler(ControlPlaneError)
    async def control_plane_error(request: Request, error: ControlPlaneError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse({"detail": error.detail}, error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        detail = [
            {
                "rule": "request",
                "severity": "error",
                "message": str(e.get("msg", "invalid")),
                "line": 1,
                "column": 1,
                "path": ".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            }
            for e in error.errors()
        ]
        return JSONResponse({"detail": detail}, 422)

    async def idempotent(
        request: Request, who: Caller, compute: Callable[[], Any], status: int = 200
    ) -> JSONResponse:
        key = request.headers.get("idempotency-key")
        if not key:
            return JSONResponse(_dump(compute()), status)
        body = await request.body()
        fingerprint = _fingerprint(request, body)
        lock = idempotency_locks[hash((who.scope, key)) % len(idempotency_locks)]
        with lock:
            recorded = control_plane.store.recorded_response(who.scope, key)
            if recorded is None:
                result = _dump(compute())
                control_plane.store.record_response(who.scope, key, fingerprint, status, result)
                return JSONResponse(result, status)
        recorded_fingerprint, recorded_status, recorded_body = recorded
        if recorded_fingerprint != fingerprint:
            raise ControlPlaneError(
                "Idempotency-Key was already used for a different request", status=409
            )
        return JSONResponse(recorded_body, recorded_status, headers={"Idempotent-Replay": "true"})

    # runs --------------------------------------------------------------------------------

    @app.post("/v1/agents/runs", status_code=201, response_model=Run)
    async def start_run(request: Request, body: StartRunRequest, who: Authenticated) -> Response:
        return await idempotent(
            request, who, lambda: control_plane.runs.start(body, who.source), 201
        )

    @app.get("/v1/agents/runs", response_model=RunList)
    async def list_runs(
        who: Authenticated,
        config_id: str | None = None,
        source: Annotated[list[str] | None, Query()] = None,
        days: Annotated[int | None, Query(ge=0, le=3650)] = None,
        start: str | None = None,
        end: str | None = None,
        limit: Annotated[int, Query(ge=1)] = 50,
    ) -> RunList:
        runs = control_plane.runs.find(
            config_id=config_id,
            sources=source or [],
            days=days,
            start=parse_instant(start, "start", end_of_day=False),
            end=parse_instant(end, "end", end_of_day=True),
            limit=min(limit, MAX_LIST_LIMIT),
        )
        return RunList(runs=runs)

    @app.get("/v1/agents/runs/{run_id}", response_model=Run)
    async def get_run(run_id: str, who: Authenticated) -> Run:
        return control_plane.runs.get(run_id)

    @app.post("/v1/agents/runs/{run_id}/replay", status_code=201, response_model=Run)
    async def replay_run(
        run_id: str, request: Request, body: ReplayRequest, who: Authenticated
    ) -> Response:
        return await idempotent(
            request, who, lambda: control_plane.runs.replay(run_id, body, who.source), 201
        )

    @app.post("/v1/agents/runs/{run_id}/cancel", response_model=Run)
    async def cancel_run(run_id: str, request: Request, who: Authenticated) -> Response:
        return await idempotent(request, who, lambda: control_plane.runs.cancel(run_id))

    # configs -----------------------------------------------------------------------------

    @app.get("/v1/agents/configs", response_model=ConfigList)
    async def list_configs(who: Authenticated) -> ConfigList:
        return ConfigList(configs=control_plane.store.list_configs(limit=100_000))

    @app.get("/v1/agents/configs/{config_id}", response_model=AgentConfigRecord)
    async def get_config(config_id: str, who: Authenticated) -> AgentConfigRecord:
        return control_plane.configs.get(config_id)

    # the sync API ---------------------------------------------------------------------------

    @app.put("/v1/sync/configs", response_model=AgentConfigRecord)
    async def sync_put(body: SyncPutRequest, who: Authenticated) -> JSONResponse:
        record, created = control_plane.configs.put(
            body.repository, body.path, body.yaml, body.commit
        )
        return JSONResponse(_dump(record), 201 if created else 200)

    @app.get("/v1/sync/configs", response_model=SyncConfigList)
    async def sync_list(
        who: Authenticated,
        repository: str | None = None,
        include_deleted: bool = False,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        cursor: str | None = None,
    ) -> SyncConfigList:
        page = control_plane.store.list_configs(
            repository=repository,
            include_deleted=include_deleted,
            limit=limit + 1,
            after_id=cursor,
        )
        more = len(page) > limit
        page = page[:limit]
        return SyncConfigList(configs=page, next_cursor=page[-1].id if more else None)

    @app.post("/v1/sync/configs/{config_id}/move", response_model=AgentConfigRecord)
    async def sync_move(
        config_id: str, body: MoveRequest, request: Request, who: Authenticated
    ) -> Response:
        return await idempotent(
            request, who, lambda: control_plane.configs.move(config_id, body.path)
        )

    @app.delete("/v1/sync/configs/{config_id}", response_model=AgentConfigRecord)
    async def sync_delete(config_id: str, who: Authenticated) -> AgentConfigRecord:
        return control_plane.configs.delete(config_id)

    @app.post("/v1/sync/configs/{config_id}/restore", response_model=AgentConfigRecord)
    async def sync_restore(config_id: str, request: Request, who: Authenticated) -> Response:
        return await idempotent(request, who, lambda: control_plane.configs.restore(config_id))

    @app.post("/v1/sync/configs/{config_id}/error", response_model=AgentConfigRecord)
    async def sync_error(
        config_id: str, body: SyncErrorRequest, request: Request, who: Authenticated
    ) -> Response:
        return await idempotent(
            request,
            who,
            lambda: control_plane.configs.set_sync_error(
                config_id, body.message, body.commit, body.diagnostics
            ),
        )

    @app.get("/v1/sync/repositories/{owner}/{name}")
    async def repository_state(owner: str, name: str, who: Authenticated) -> dict[str, Any]:
        repository = f"{owner}/{name}"
        return {
            "repository": repository,
            "commit": control_plane.store.repository_commit(repository),
        }

    @app.put("/v1/sync/repositories/{owner}/{name}")
    async def set_repository_state(
        owner: str, name: str, body: RepositoryState, who: Authenticated
    ) -> dict[str, Any]:
        repository = f"{owner}/{name}"
        control_plane.store.set_repository_commit(repository, body.commit)
        return {"repository": repository, "commit": body.commit}

    # sandbox variables: values go in, and never come out -----------------------------------

    @app.get("/v1/sandboxes/variables", response_model=VariableList)
    async def list_variables(who: Authenticated) -> VariableList:
        return VariableList(variables=control_plane.variables.infos())

    @app.put("/v1/sandboxes/variables", response_model=VariableList)
    async def put_variables(body: VariablesPut, who: Authenticated) -> VariableList:
        pairs = [(v.name, v.value) for v in body.variables]
        return VariableList(variables=control_plane.variables.put(pairs))

    @app.delete("/v1/sandboxes/variables/{name}", response_model=VariableList)
    async def delete_variable(name: str, who: Authenticated) -> VariableList:
        control_plane.variables.delete(name)
        return VariableList(variables=control_plane.variables.infos())

    # budget and usage -----------------------------------------------------------------------

    @app.get("/v1/budget", response_model=Budget)
    async def budget(who: Authenticated) -> Budget:
        return control_plane.budgets.account()

    @app.get("/v1/usage", response_model=Usage)
    async def usage(who: Authenticated, days: Annotated[int, Query(ge=1, le=366)] = 30) -> Usage:
        return control_plane.budgets.usage(days)

    # misc ---------------------------------------------------------------------------------

    @app.get("/agents/schema")
    async def schema() -> dict[str, Any]:
        return load_schema()

    @app.get("/v1/me")
    async def me(who: Authenticated) -> dict[str, Any]:
        """Who the credential is; the platform CLI builds its links from ``customer_login``."""
        settings = control_plane.settings
        return {
            "customer_id": settings.customer_id,
            "customer_login": settings.customer_login,
            "user_id": None,
            "gh_user": None,
            "api_key_id": f"key_{who.scope}" if who.source == "api" else None,
            "sandbox_id": None,
            "credential": who.source,
        }

    @app.get("/v1/agents/templates")
    async def list_templates(who: Authenticated) -> dict[str, Any]:
        return {"templates": [template_json(slug, t) for slug, t in templates().items()]}

    @app.get("/v1/agents/templates/{slug}")
    async def get_template(slug: str, who: Authenticated) -> dict[str, Any]:
        if slug not in templates():
            raise NotFound(f"template {slug!r} not found")
        return template_json(slug, templates()[slug])

    def templates() -> Mapping[str, dict[str, Any]]:
        return control_plane.settings.templates

    # Platform routes the local control plane cannot serve answer with a clear message for
    # the platform CLI, and stay out of the OpenAPI document (not part of this server's API).
    @app.post("/v1/agents/configs", status_code=405, include_in_schema=False)
    async def create_config(who: Authenticated) -> JSONResponse:
        detail = (
            "the local control plane syncs configs from git: commit the file under agents/ "
            "and run `agent sync apply` (no pull request is opened here)"
        )
        return JSONResponse({"detail": detail}, 405, headers={"Allow": "GET"})

    @app.post("/v1/cli-auth/start", status_code=501, include_in_schema=False)
    @app.post("/v1/cli-auth/poll", status_code=501, include_in_schema=False)
    async def cli_auth() -> JSONResponse:
        raise ControlPlaneError(
            "the local control plane has no device login: export ELLIPSIS_API_TOKEN with one of "
            "the server's --token/--cli-token values",
            status=501,
        )

    # events ---------------------------------------------------------------------------------

    async def _follow(run_id: str, after_seq: int) -> AsyncIterator[tuple[str, Any]]:
        """The run's log after ``after_seq``, live, until the run ends, as tagged items:
        ``("event", event)``, ``("heartbeat", None)`` after 20 s of quiet, and ``("wake", None)``
        when the run changed without logging (a status change)."""
        control_plane.runs.get(run_id)
        wake = control_plane.runs.bus.subscribe(run_id)
        try:
            while True:
                wake.clear()
                events = control_plane.store.events_after(run_id, after_seq)
                for event in events:
                    after_seq = event.seq
                    yield "event", event.model_dump()
                if events:
                    continue
                if control_plane.runs.get(run_id).status in FINAL_STATUSES:
                    if not control_plane.store.events_after(run_id, after_seq):
                        return
                    continue
                try:
                    await asyncio.wait_for(wake.wait(), HEARTBEAT_SECONDS)
                    yield "wake", None
                except TimeoutError:
                    yield "heartbeat", None
        finally:
            control_plane.runs.bus.unsubscribe(run_id, wake)

    @app.get("/v1/runs/{run_id}/events")
    async def events_sse(
        run_id: str, who: Authenticated, after_seq: AfterSeq = 0
    ) -> StreamingResponse:
        control_plane.runs.get(run_id)

        async def lines() -> AsyncIterator[bytes]:
            async for kind, event in _follow(run_id, after_seq):
                if kind == "heartbeat":
                    yield b": heartbeat\n\n"
                elif kind == "event":
                    yield f"id: {event['seq']}\ndata: {json.dumps(event)}\n\n".encode()

        return StreamingResponse(
            lines(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.websocket("/v1/runs/{run_id}/stream")
    async def events_ws(websocket: WebSocket, run_id: str) -> None:
        # Accept first: a close before the handshake is an HTTP 403, and the client could not
        # tell bad credentials or a bad after_seq from a run it may not see.
        await websocket.accept()
        try:
            await _serve_stream(websocket, run_id)
        except WebSocketDisconnect:
            pass  # the client left
        except Exception:  # the boundary: a bug closes the stream with 1011, logged once
            LOG.exception("unhandled error streaming run %s", run_id)
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):
                await websocket.close(WS_CLOSE_SERVER_ERROR, "internal error")

    async def _serve_stream(websocket: WebSocket, run_id: str) -> None:
        # Credentials only in the header: a token in the URL would end up in access logs.
        authorization = websocket.headers.get("authorization")
        cli = cli_frames.wants_cli_frames(
            websocket.headers.get("user-agent"), websocket.query_params
        )
        if credentials.source_of(authorization) is None:
            code = cli_frames.CLOSE_POLICY_VIOLATION if cli else WS_CLOSE_BAD_CREDENTIALS
            await websocket.close(code, "invalid credentials")
            return
        try:
            after_seq = _after_seq.validate_python(websocket.query_params.get("after_seq", "0"))
        except ValidationError as error:
            reason = f"after_seq: {error.errors()[0]['msg']}"
            await _refuse(websocket, cli, WS_CLOSE_INVALID, reason, reason)
            return
        if control_plane.store.get_run(run_id) is None:
            await _refuse(
                websocket, cli, WS_CLOSE_NOT_ALLOWED, "no such run", f"run {run_id} not found"
            )
            return
        sender = (
            _stream_cli_frames(websocket, run_id, after_seq)
            if cli
            else (_stream_events(websocket, run_id, after_seq))
        )
        if await _until_disconnect(websocket, sender):
            with contextlib.suppress(WebSocketDisconnect, RuntimeError):  # the client just left
                await websocket.close(WS_CLOSE_NORMAL)

    async def _stream_events(websocket: WebSocket, run_id: str, after_seq: int) -> None:
        async for kind, event in _follow(run_id, after_seq):
            if kind == "event":
                await websocket.send_json(event)
            elif kind == "heartbeat":
                await websocket.send_json({"type": "heartbeat"})

    async def _stream_cli_frames(websocket: WebSocket, run_id: str, after_seq: int) -> None:
        status: str = control_plane.runs.get(run_id).status
        await websocket.send_json(cli_frames.status_frame(status))

        def read_status() -> str:
            return control_plane.runs.get(run_id).status

        async for kind, event in _follow(run_id, after_seq):
            current = cli_frames.announced_status(kind, event, read_status)
            if current is not None and (current != status or kind == "heartbeat"):
                status = current
                await websocket.send_json(cli_frames.status_frame(status))
            if kind == "event":
                for frame in cli_frames.output_frames(event):
                    await websocket.send_json(frame)
        await websocket.send_json(cli_frames.done_frame(control_plane.runs.get(run_id)))

    from agentsync.localserver.dialects import dialect_router  # imports this module

    app.include_router(dialect_router(control_plane))
    return app


async def _refuse(websocket: WebSocket, cli: bool, code: int, reason: str, message: str) -> None:
    """End a stream that cannot be served: close with ``code`` and ``reason`` (at most 123
    bytes); the platform CLI's dialect gets an error frame with ``message``, then 1000."""
    if cli:
        await websocket.send_json(cli_frames.error_frame(message))
        await websocket.close(WS_CLOSE_NORMAL)
    else:
        await websocket.close(code, reason)


async def _until_disconnect(websocket: WebSocket, sender: Awaitable[None]) -> bool:
    """Run ``sender`` while reading the socket, so a client's close is answered at once (a
    handler that only sends would leave it hanging until its next send). True when the sender
    finished; False when the client went away first."""

    async def receive_until_disconnect() -> None:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass  # clients send nothing we act on

    sending = asyncio.ensure_future(sender)
    receiving = asyncio.ensure_future(receive_until_disconnect())
    done, pending = await asyncio.wait({sending, receiving}, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    if sending in done:
        try:
            sending.result()
        except WebSocketDisconnect:
            return False
        return True
    return False


def _dump(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def template_json(slug: str, template: dict[str, Any]) -> dict[str, Any]:
    """A template in the platform's ``AgentTemplate`` shape."""
    import yaml

    block = template.get("ellipsis") or {}
    return {
        "slug": slug,
        "name": block.get("name", slug),
        "description": block.get("description", ""),
        "tags": list((block.get("metadata") or {}).get("labels", [])),
        "summary": block.get("description", ""),
        "use_case": block.get("description", ""),
        "yaml": yaml.safe_dump(template, sort_keys=False),
    }


def utc_instant(moment: datetime, name: str) -> str:
    """``moment`` (naive: UTC) as the API's UTC timestamp; 422 when UTC cannot hold it (a time
    near the ends of the calendar, with an offset)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:
        raise Invalid(f"{name} is out of range in UTC, got {moment.isoformat()}") from None
    return utc.isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_instant(text: str | None, name: str, *, end_of_day: bool) -> str | None:
    """An ISO 8601 date or datetime (any offset) as the API's UTC timestamp; 422 otherwise.
    A bare date means the start of that day, or its end for ``end``."""
    if text is None:
        return None
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).replace(tzinfo=UTC)
            moment = day + timedelta(days=1, microseconds=-1) if end_of_day else day
        else:
            moment = datetime.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{name} must be an ISO 8601 date or date-time, got {text!r}") from None
    return utc_instant(moment, name)
