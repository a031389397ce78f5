"""The request plumbing every router of the local control plane shares.

Authentication (``Authenticated``: a configured Bearer token, whose kind sets a run's
``source``), the served ``ControlPlane`` (``ControlPlaneDep``), the bounded ``after_seq``,
the API's UTC timestamps (``utc_instant``, ``parse_instant``), idempotent replies
(``Idempotent``: the ``Idempotency-Key`` header) and the mapping of errors to statuses
(``install_error_handlers``). Routers import it; nothing here imports a router.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, TypeAdapter
from starlette.requests import HTTPConnection

from agentsync.client.errors import (
    Conflict,
    ControlPlaneError,
    Invalid,
    Unauthorized,
    problem_json,
)
from agentsync.localserver.control_plane import ControlPlane

MAX_SEQ = 2**63 - 1  # SQLite's largest integer

# Where to resume a run's log: the same bounds on the event stream (SSE) and the WebSocket.
AfterSeq = Annotated[int, Query(ge=0, le=MAX_SEQ)]
after_seq_of = TypeAdapter(AfterSeq)

Source = Literal["api", "cli"]


class ApiTokens:
    """Accepted Bearer tokens: API keys (runs record ``api``) and user tokens (``cli``)."""

    def __init__(self, api_tokens: Sequence[str], cli_tokens: Sequence[str]) -> None:
        if not api_tokens and not cli_tokens:
            raise ValueError("at least one token is required")
        self._tokens: list[tuple[str, Source]] = [(t, "api") for t in api_tokens]
        self._tokens += [(t, "cli") for t in cli_tokens]

    def source_of(self, authorization: str | None) -> tuple[Source, str] | None:
        """``(source, scope)`` for a valid ``Authorization`` header, else None."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()  # one credential, one scope, however many spaces precede it
        if scheme.lower() != "bearer" or not token:
            return None
        found: Source | None = None
        for candidate, source in self._tokens:  # compare with every token: constant time
            if hmac.compare_digest(candidate.encode(), token.encode()):
                found = source
        if found is None:
            return None
        return found, hashlib.sha256(token.encode()).hexdigest()[:16]


class Caller(BaseModel):
    source: Source
    scope: str


def api_tokens_of(connection: HTTPConnection) -> ApiTokens:
    """The app's accepted tokens (``create_app`` keeps them in the app's state)."""
    credentials: ApiTokens = connection.app.state.api_tokens
    return credentials


async def _caller(request: Request) -> Caller:
    found = api_tokens_of(request).source_of(request.headers.get("authorization"))
    if found is None:
        raise Unauthorized("missing or invalid bearer token")
    return Caller(source=found[0], scope=found[1])


def _control_plane(connection: HTTPConnection) -> ControlPlane:
    control_plane: ControlPlane = connection.app.state.control_plane
    return control_plane


# Module level, so FastAPI can resolve the (postponed) annotations by name.
Authenticated = Annotated[Caller, Depends(_caller)]
ControlPlaneDep = Annotated[ControlPlane, Depends(_control_plane)]


def dump(value: Any) -> Any:
    """``value`` as JSON data (a model in its JSON mode)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


class IdempotencyLocks:
    """A fixed set of locks, striped by key: bounded memory however many keys arrive."""

    def __init__(self, stripes: int = 64) -> None:
        self._locks = [threading.Lock() for _ in range(stripes)]

    def of(self, scope: str, key: str) -> threading.Lock:
        return self._locks[hash((scope, key)) % len(self._locks)]


# Characters: a UUID is 36. The platform's reference sets no bound; this is Stripe's.
MAX_IDEMPOTENCY_KEY = 255


class Idempotency:
    """The ``Idempotency-Key`` of one request: a repeated key with the same request returns
    the first response (with ``Idempotent-Replay: true``); with a different request, 409.

    A request is its method, path and raw body; a route whose body holds write-only values
    (the deployments dialect's ``envs``) passes the parsed ``body`` instead, fingerprinted
    without those values, so nothing of them is kept. ``namespace`` keeps a dialect's keys
    apart from the core API's."""

    def __init__(self, request: Request, who: Caller, control_plane: ControlPlane) -> None:
        self.request = request
        self.who = who
        self.control_plane = control_plane

    async def reply(
        self,
        compute: Callable[[], Any],
        status: int = 200,
        *,
        body: BaseModel | None = None,
        namespace: str = "",
    ) -> JSONResponse:
        """The response of ``compute()`` (run once per key), or the recorded one."""
        key = self.request.headers.get("idempotency-key")
        if not key:
            return JSONResponse(dump(compute()), status)
        if len(key) > MAX_IDEMPOTENCY_KEY:  # kept with the response, and echoed by some routes
            too_long = f"Idempotency-Key is over {MAX_IDEMPOTENCY_KEY} characters"
            raise Invalid([problem_json(too_long, rule="request")])
        fingerprint = await self._fingerprint(body)
        scope = f"{self.who.scope}:{namespace}" if namespace else self.who.scope
        store = self.control_plane.store
        locks: IdempotencyLocks = self.request.app.state.idempotency_locks
        with locks.of(scope, key):
            recorded = store.recorded_response(scope, key)
            if recorded is None:
                result = dump(compute())
                store.record_response(scope, key, fingerprint, status, result)
                return JSONResponse(result, status)
        recorded_fingerprint, recorded_status, recorded_body = recorded
        if recorded_fingerprint != fingerprint:
            raise Conflict("Idempotency-Key was already used for a different request")
        return JSONResponse(recorded_body, recorded_status, headers={"Idempotent-Replay": "true"})

    async def _fingerprint(self, body: BaseModel | None) -> str:
        method, path = self.request.method, self.request.url.path
        if body is None:
            raw = await self.request.body()
            return hashlib.sha256(method.encode() + path.encode() + raw).hexdigest()
        kept = body.model_dump(mode="json", exclude=_write_only(body))
        canonical = json.dumps(kept, sort_keys=True)
        return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


def _write_only(body: BaseModel) -> set[str]:
    fields = type(body).model_fields
    return {
        name
        for name, info in fields.items()
        if isinstance(info.json_schema_extra, dict) and info.json_schema_extra.get("writeOnly")
    }


async def _idempotency(
    request: Request, who: Authenticated, control_plane: ControlPlaneDep
) -> Idempotency:
    return Idempotency(request, who, control_plane)


Idempotent = Annotated[Idempotency, Depends(_idempotency)]


def install_error_handlers(app: FastAPI) -> None:
    """Every error is ``{"detail": ...}``: a control-plane error with its status (401 with
    ``WWW-Authenticate``), an invalid request a 422 with a list of diagnostics."""

    @app.exception_handler(ControlPlaneError)
    async def control_plane_error(request: Request, error: ControlPlaneError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return JSONResponse({"detail": error.detail}, error.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        detail = [
            problem_json(
                str(e.get("msg", "invalid")),
                rule="request",
                path=".".join(str(p) for p in e.get("loc", ()) if p != "body"),
            )
            for e in error.errors()
        ]
        return JSONResponse({"detail": detail}, 422)


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
