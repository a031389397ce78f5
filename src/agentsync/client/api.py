"""A client for the ``/v1`` API, the platform's or the local control plane's (sync, httpx).

    with Client() as client:
        run = client.start_run(config_id="agent_x9Kd3Fq2", prompt="Focus on the new endpoint.")
        for event in client.follow_run(run.id):
            print(event.seq, event.type)

**Settings**, as the platform's own ``agent`` CLI reads them: ``base_url`` and ``token`` come
from the arguments, else the environment (``ELLIPSIS_API_BASE_URL``, or ``ELLIPSIS_API_BASE``;
``ELLIPSIS_API_TOKEN``), else the file ``$ELLIPSIS_CONFIG_DIR/config.json`` (default
``~/.config/ellipsis/config.json``, a JSON object with ``apiBase`` and ``token``), else
``https://api.ellipsis.dev`` and no token. The stream's base is ``ELLIPSIS_WS_BASE``, else the
API base with ``ws(s)://``.

**Retries.** Connection errors, 429 and 5xx are retried at most ``max_retries`` times with
exponential backoff and full jitter, or after the server's ``Retry-After``; then ``Unavailable``.
Every write carries an ``Idempotency-Key``, the same for every attempt of one call. Since the
platform may ignore that key, ``start_run`` and ``replay_run`` also put it in the run's
``metadata`` (``agentsync_request_id``): after an ambiguous failure (the request may have
arrived: a dropped connection, a 5xx) they first look for that run among the recent ones.

**Watching.** ``follow_run`` reads the WebSocket ``/v1/runs/{id}/stream`` and, after a dropped
connection, reconnects (0.5 s doubling to 8 s) from the last ``seq`` seen, so no event is lost
or repeated; it gives up with ``Unavailable`` after ``silence_timeout`` seconds without any
frame (heartbeats count). Close codes 4401 and 1008 raise ``Unauthorized``, 4403 a 403, 4422
``Invalid`` (an ``after_seq`` out of range), and an ``{"type": "error"}`` frame ends the stream
with its message. A server without streaming (close
code 1003) is read through ``follow_run_sse`` (``/v1/runs/{id}/events``), or else polled until
the run ends.

**Errors** carry the server's message and request id, from ``{"detail": ...}`` and the
``X-Request-ID`` header (the local control plane) or ``{"error": {"message", "request_id"}}``
(the platform's envelope).

**Secrets.** The token is never in a ``repr``, an error message or a log record.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Self, TypeVar
from urllib.parse import quote, urlencode, urlsplit

import httpx
from pydantic import ValidationError

from agentsync import __version__
from agentsync.client.errors import (
    BY_STATUS,
    ControlPlaneError,
    Invalid,
    Unauthorized,
    Unavailable,
)
from agentsync.client.records import (
    FINAL_EVENTS,
    FINAL_STATUSES,
    AgentConfigRecord,
    Run,
    RunEvent,
)
from agentsync.errors import UsageError

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

DEFAULT_BASE_URL: Final = "https://api.ellipsis.dev"
BASE_URL_VARIABLES: Final = ("ELLIPSIS_API_BASE_URL", "ELLIPSIS_API_BASE")
TOKEN_VARIABLE: Final = "ELLIPSIS_API_TOKEN"
CONFIG_DIR_VARIABLE: Final = "ELLIPSIS_CONFIG_DIR"
DEFAULT_CONFIG_DIR: Final = "~/.config/ellipsis"
CONFIG_FILE_NAME: Final = "config.json"
WS_BASE_VARIABLE: Final = "ELLIPSIS_WS_BASE"
REQUEST_ID_KEY: Final = "agentsync_request_id"  # in a run's metadata: the call that created it

RETRY_BASE, RETRY_CAP = 0.5, 8.0  # seconds: full jitter over min(cap, base * 2**attempt)
RECONNECT_FIRST, RECONNECT_CAP = 0.5, 8.0  # seconds: the stream's reconnect delays
POLL_INTERVAL = 1.0  # seconds between polls when the server streams nothing
RECENT_RUNS = 50  # how far back the lookup after an ambiguous failure looks

WS_CLOSE_NORMAL, WS_CLOSE_UNSUPPORTED, WS_CLOSE_POLICY = 1000, 1003, 1008
WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_NOT_ALLOWED, WS_CLOSE_INVALID = 4401, 4403, 4422

T = TypeVar("T")
_REDACTED = "***"


# settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Where to call and with what; ``repr`` leaves the token out."""

    base_url: str = DEFAULT_BASE_URL
    token: str | None = field(default=None, repr=False)
    ws_base: str | None = None  # None: the base URL with ws:// or wss://


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    """``$ELLIPSIS_CONFIG_DIR/config.json``, by default ``~/.config/ellipsis/config.json``."""
    environ = os.environ if environ is None else environ
    directory = environ.get(CONFIG_DIR_VARIABLE) or DEFAULT_CONFIG_DIR
    return Path(directory).expanduser() / CONFIG_FILE_NAME


def _read_config_file(path: Path) -> dict[str, str]:
    """``apiBase`` and ``token`` from the ``agent`` CLI's settings file, if there is one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:  # UnicodeDecodeError and JSONDecodeError too
        raise UsageError(f"{path}: cannot read the client settings: {error}") from error
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the client settings must be a JSON object")
    settings: dict[str, str] = {}
    for key in ("apiBase", "token"):
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise UsageError(f"{path}: {key} must be a string")
        settings[key] = value
    return settings


def load_settings(
    base_url: str | None = None,
    token: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Arguments, else the environment, else the config file, else the defaults."""
    environ = os.environ if environ is None else environ
    from_file = _read_config_file(config_file(environ))
    base_url = (
        base_url
        or next((environ[v] for v in BASE_URL_VARIABLES if environ.get(v)), None)
        or from_file.get("apiBase")
        or DEFAULT_BASE_URL
    )
    token = token or environ.get(TOKEN_VARIABLE) or from_file.get("token") or None
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise UsageError(f"the API base URL must start with http:// or https://: {base_url!r}")
    ws_base = environ.get(WS_BASE_VARIABLE) or None
    if ws_base is not None and urlsplit(ws_base).scheme not in ("ws", "wss"):
        raise UsageError(f"{WS_BASE_VARIABLE} must start with ws:// or wss://: {ws_base!r}")
    return Settings(
        base_url=base_url.rstrip("/"),
        token=token,
        ws_base=ws_base.rstrip("/") if ws_base else None,
    )


# retries ----------------------------------------------------------------------------------


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def retryable(status: int) -> bool:
    """Whether an answer with this status is worth another attempt (429 and 5xx)."""
    return status == 429 or status >= 500


def retry_delay(attempt: int, retry_after: float | None, rng: random.Random) -> float:
    """Seconds before attempt ``attempt + 1``: the server's ``Retry-After`` if it sent one, else
    full jitter over ``min(RETRY_CAP, RETRY_BASE * 2**attempt)``."""
    if retry_after is not None:
        return retry_after
    return rng.uniform(0.0, min(RETRY_CAP, RETRY_BASE * 2**attempt))


def _maybe_sent(error: httpx.TransportError) -> bool:
    """Whether the request may have reached the server (so retrying may repeat it)."""
    return not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def error_detail(response: httpx.Response) -> tuple[Any, str | None]:
    """The message of an error response, and its request id (header, else body)."""
    request_id = response.headers.get("x-request-id")
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        envelope = body.get("error")
        if isinstance(envelope, dict) and envelope.get("message"):
            return str(envelope["message"]), request_id or envelope.get("request_id")
        if body.get("detail") is not None:
            return body["detail"], request_id
    text = response.text.strip()[:500] or response.reason_phrase or f"HTTP {response.status_code}"
    return text, request_id


class _Secret:
    """A credential held where ``repr`` or ``vars`` could show it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(_REDACTED)


class _RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """Hands records on with the secret replaced (websockets logs its handshake headers)."""

    def __init__(self, logger: logging.Logger, secret: str) -> None:
        super().__init__(logger, {})
        self._secret = secret

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        self.logger.log(level, text.replace(self._secret, _REDACTED), **kwargs)


# the client -------------------------------------------------------------------------------


class Client:
    """The ``/v1`` API. Methods return records; failures raise ``ControlPlaneError``s."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        max_retry_after: float = 60.0,
        silence_timeout: float = 45.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        settings = load_settings(base_url, token, environ)
        self.base_url = settings.base_url
        self.ws_base = settings.ws_base or _ws_base(settings.base_url)
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self.silence_timeout = silence_timeout
        self._token = _Secret(settings.token) if settings.token else None
        self._sleep = sleep
        self._clock = clock
        self._random = random.Random()
        headers = {"User-Agent": f"agentsync/{__version__}", "Accept": "application/json"}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.value}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, transport=transport, timeout=timeout
        )

    def __repr__(self) -> str:
        credentials = "token" if self._token else "no token"
        return f"Client({self.base_url!r}, {credentials})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # plumbing -----------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self._token.value, _REDACTED) if self._token else text

    def _error(
        self, response: httpx.Response, kind: type[ControlPlaneError] | None = None
    ) -> ControlPlaneError:
        detail, request_id = error_detail(response)
        if isinstance(detail, str):
            detail = self._redact(detail)
        kind = kind or BY_STATUS.get(response.status_code, ControlPlaneError)
        return kind(detail, status=response.status_code, request_id=request_id)

    def _parse(self, response: httpx.Response, parse: Callable[[Any], T]) -> T:
        try:
            return parse(response.json())
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            summary = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise ControlPlaneError(
                f"unexpected response to {response.request.method} {response.request.url.path}: "
                f"{summary}",
                status=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from error

    def _call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: Any = None,
        body: Any = None,
        idempotency_key: str | None = None,
        recover: Callable[[], T | None] | None = None,
    ) -> T:
        """One logical call: attempts with backoff, the same Idempotency-Key on each write.

        ``recover`` runs before a retry once an attempt may have taken effect; a result from it
        ends the call (it finds what the lost attempt created).
        """
        headers = {}
        if method != "GET":
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        ambiguous = False
        attempt = 0
        while True:
            if ambiguous and recover is not None:
                found = recover()
                if found is not None:
                    return found
            retry_after: float | None = None
            try:
                response = self._http.request(
                    method, path, params=params, json=body, headers=headers
                )
            except httpx.TransportError as error:
                why = str(error) or type(error).__name__
                failure: ControlPlaneError = Unavailable(
                    self._redact(f"cannot reach {self.base_url}: {why}")
                )
                ambiguous = ambiguous or _maybe_sent(error)
            else:
                if response.is_success:
                    return self._parse(response, parse)
                if not retryable(response.status_code):
                    raise self._error(response)
                failure = self._error(response, Unavailable)
                ambiguous = ambiguous or response.status_code >= 500
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), datetime.now(UTC)
                )
            if attempt >= self.max_retries:
                raise _giving_up(failure, f"gave up after {attempt + 1} attempts")
            delay = retry_delay(attempt, retry_after, self._random)
            if delay > self.max_retry_after:
                raise _giving_up(failure, f"gave up: the server asks to wait {delay:.0f}s")
            self._sleep(delay)
            attempt += 1

    def _find_run(self, request_id: str, replay_of: str | None = None) -> Run | None:
        """The run a call with this request id created, if it is among the recent ones."""
        try:
            recent = self.list_runs(limit=RECENT_RUNS)
        except ControlPlaneError:
            return None  # the retry (with its Idempotency-Key) is the fallback
        for run in reversed(recent):  # oldest first: replays inherit their original's metadata
            if run.metadata.get(REQUEST_ID_KEY) != request_id:
                continue
            if replay_of is None or run.metadata.get("replay_of") == replay_of:
                return run
        return None

    # runs ---------------------------------------------------------------------------------

    def start_run(
        self,
        *,
        config_id: str | None = None,
        config: Mapping[str, Any] | None = None,
        template_id: str | None = None,
        prompt: str | None = None,
        metadata: Mapping[str, str] | None = None,
        config_override: Mapping[str, Any] | None = None,
        config_override_yaml: str | None = None,
        idempotency_key: str | None = None,
    ) -> Run:
        """Start a run from a saved config, an inline config or a template."""
        if sum(x is not None for x in (config_id, config, template_id)) != 1:
            raise UsageError("give exactly one of config_id, config or template_id")
        key = idempotency_key or str(uuid.uuid4())
        body = _without_none(
            config_id=config_id,
            config=dict(config) if config is not None else None,
            template_id=template_id,
            prompt=prompt,
            metadata={**(metadata or {}), REQUEST_ID_KEY: key},
            config_override=dict(config_override) if config_override is not None else None,
            config_override_yaml=config_override_yaml,
        )
        return self._call(
            "POST",
            "/v1/agents/runs",
            Run.model_validate,
            body=body,
            idempotency_key=key,
            recover=lambda: self._find_run(key),
        )

    def get_run(self, run_id: str) -> Run:
        return self._call("GET", f"/v1/agents/runs/{_segment(run_id)}", Run.model_validate)

    def list_runs(
        self,
        *,
        config_id: str | None = None,
        sources: Sequence[str] = (),
        days: int | None = None,
        start: str | None = None,
        end: str | None = None,
        limit: int = 50,
    ) -> list[Run]:
        """Newest first. ``sources`` become repeated ``source`` parameters."""
        params: list[tuple[str, str | int]] = [("source", s) for s in sources]
        optional = {"config_id": config_id, "days": days, "start": start, "end": end}
        params += [(name, value) for name, value in optional.items() if value is not None]
        params.append(("limit", limit))
        return self._call(
            "GET",
            "/v1/agents/runs",
            lambda data: [Run.model_validate(r) for r in data["runs"]],
            params=params,
        )

    def replay_run(
        self,
        run_id: str,
        *,
        config_id: str | None = None,
        config_override: Mapping[str, Any] | None = None,
        config_override_yaml: str | None = None,
        prompt: str | None = None,
        idempotency_key: str | None = None,
    ) -> Run:
        """Run a run again. ``prompt=None`` keeps the original prompt; ``""`` clears it."""
        key = idempotency_key or str(uuid.uuid4())
        body = _without_none(
            config_id=config_id,
            config_override=dict(config_override) if config_override is not None else None,
            config_override_yaml=config_override_yaml,
            prompt=prompt,
            metadata={REQUEST_ID_KEY: key},
        )
        return self._call(
            "POST",
            f"/v1/agents/runs/{_segment(run_id)}/replay",
            Run.model_validate,
            body=body,
            idempotency_key=key,
            recover=lambda: self._find_run(key, replay_of=run_id),
        )

    def cancel_run(self, run_id: str, *, idempotency_key: str | None = None) -> Run:
        """Ask a run to stop; the run returned may still be stopping."""
        return self._call(
            "POST",
            f"/v1/agents/runs/{_segment(run_id)}/cancel",
            Run.model_validate,
            idempotency_key=idempotency_key,
        )

    # configs ------------------------------------------------------------------------------

    def list_configs(self) -> list[AgentConfigRecord]:
        return self._call(
            "GET",
            "/v1/agents/configs",
            lambda data: [AgentConfigRecord.model_validate(c) for c in data["configs"]],
        )

    def get_config(self, config_id: str) -> AgentConfigRecord:
        return self._call(
            "GET", f"/v1/agents/configs/{_segment(config_id)}", AgentConfigRecord.model_validate
        )

    # the sync API -------------------------------------------------------------------------

    def put_config(
        self,
        repository: str,
        path: str,
        yaml: str,
        commit: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> AgentConfigRecord:
        """Create or update the config at ``repository``:``path`` (422 when invalid)."""
        body = {"repository": repository, "path": path, "yaml": yaml, "commit": commit}
        return self._call(
            "PUT",
            "/v1/sync/configs",
            AgentConfigRecord.model_validate,
            body=body,
            idempotency_key=idempotency_key,
        )

    def move_config(
        self, config_id: str, path: str, *, idempotency_key: str | None = None
    ) -> AgentConfigRecord:
        return self._call(
            "POST",
            f"/v1/sync/configs/{_segment(config_id)}/move",
            AgentConfigRecord.model_validate,
            body={"path": path},
            idempotency_key=idempotency_key,
        )

    def delete_config(
        self, config_id: str, *, idempotency_key: str | None = None
    ) -> AgentConfigRecord:
        """Mark deleted (restorable); its cron schedule stops."""
        return self._call(
            "DELETE",
            f"/v1/sync/configs/{_segment(config_id)}",
            AgentConfigRecord.model_validate,
            idempotency_key=idempotency_key,
        )

    def restore_config(
        self, config_id: str, *, idempotency_key: str | None = None
    ) -> AgentConfigRecord:
        return self._call(
            "POST",
            f"/v1/sync/configs/{_segment(config_id)}/restore",
            AgentConfigRecord.model_validate,
            idempotency_key=idempotency_key,
        )

    def record_sync_error(
        self,
        config_id: str,
        message: str,
        commit: str | None = None,
        diagnostics: Sequence[Mapping[str, Any]] = (),
        *,
        idempotency_key: str | None = None,
    ) -> AgentConfigRecord:
        """Record why syncing the config's file failed; the last good config stays."""
        body = {"message": message, "commit": commit, "diagnostics": [dict(d) for d in diagnostics]}
        return self._call(
            "POST",
            f"/v1/sync/configs/{_segment(config_id)}/error",
            AgentConfigRecord.model_validate,
            body=body,
            idempotency_key=idempotency_key,
        )

    def list_sync_configs(
        self,
        *,
        repository: str | None = None,
        include_deleted: bool = False,
        limit: int = 100,
        cursor: str | None = None,
    ) -> tuple[list[AgentConfigRecord], str | None]:
        """One page of configs and the cursor of the next page (None on the last)."""
        params: dict[str, str | int] = {"limit": limit}
        if repository is not None:
            params["repository"] = repository
        if include_deleted:
            params["include_deleted"] = "true"
        if cursor is not None:
            params["cursor"] = cursor

        def page(data: Any) -> tuple[list[AgentConfigRecord], str | None]:
            configs = [AgentConfigRecord.model_validate(c) for c in data["configs"]]
            next_cursor = data.get("next_cursor")
            return configs, str(next_cursor) if next_cursor else None

        return self._call("GET", "/v1/sync/configs", page, params=params)

    def iter_sync_configs(
        self, *, repository: str | None = None, include_deleted: bool = False, page_size: int = 100
    ) -> Iterator[AgentConfigRecord]:
        """Every config, page after page."""
        cursor: str | None = None
        while True:
            configs, cursor = self.list_sync_configs(
                repository=repository,
                include_deleted=include_deleted,
                limit=page_size,
                cursor=cursor,
            )
            yield from configs
            if cursor is None:
                return

    def get_repository_commit(self, repository: str) -> str | None:
        """The last commit of ``owner/name`` the sync engine finished, or None."""
        return self._call(
            "GET",
            _repository_path(repository),
            lambda data: str(data["commit"]) if data.get("commit") else None,
        )

    def set_repository_commit(
        self, repository: str, commit: str, *, idempotency_key: str | None = None
    ) -> None:
        self._call(
            "PUT",
            _repository_path(repository),
            lambda data: None,
            body={"commit": commit},
            idempotency_key=idempotency_key,
        )

    # watching -----------------------------------------------------------------------------

    def _stream_url(self, run_id: str, after_seq: int) -> str:
        """``{ws base}/v1/runs/{id}/stream``, with ``?after_seq=N`` unless N is 0."""
        url = f"{self.ws_base}/v1/runs/{_segment(run_id)}/stream"
        return f"{url}?{urlencode({'after_seq': after_seq})}" if after_seq > 0 else url

    def _open_stream(self, run_id: str, after_seq: int) -> ClientConnection:
        from websockets.sync.client import connect

        headers = {"User-Agent": f"agentsync/{__version__}"}
        logger: logging.Logger | _RedactingLogger = logging.getLogger("websockets.client")
        if self._token:
            headers["Authorization"] = f"Bearer {self._token.value}"
            logger = _RedactingLogger(logging.getLogger("websockets.client"), self._token.value)
        return connect(
            self._stream_url(run_id, after_seq),
            additional_headers=headers,
            open_timeout=self.timeout,
            logger=logger,
        )

    def _silent(self, run_id: str) -> Unavailable:
        return Unavailable(
            f"no word from the stream of run {run_id} for {self.silence_timeout:g}s; giving up"
        )

    def _handshake_refused(self, run_id: str, status: int) -> None:
        """Raise the error behind a refused handshake; return if streaming is unsupported."""
        if status == 401:
            raise Unauthorized("the run stream refused the credentials", status=401)
        self.get_run(run_id)  # raises Unauthorized / NotFound when that is the reason
        if status == 403:
            raise ControlPlaneError(f"not allowed to follow run {run_id}", status=403)

    def _wait_to_reconnect(self, run_id: str, position: _Position) -> None:
        if self._clock() - position.last_frame >= self.silence_timeout:
            raise self._silent(run_id)
        self._sleep(position.next_delay())

    def _read_websocket(
        self, connection: ClientConnection, run_id: str, position: _Position
    ) -> Iterator[RunEvent]:
        """Events from one connection until it closes (``ConnectionClosed``) or goes silent."""
        while True:
            remaining = self.silence_timeout - (self._clock() - position.last_frame)
            try:
                message = connection.recv(timeout=max(remaining, 0.0))
            except TimeoutError:
                raise self._silent(run_id) from None
            position.saw_frame(self._clock())
            event = _event_from_frame(message)
            if event is not None and event.seq > position.seq:
                position.seq = event.seq
                yield event

    def follow_run(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """The run's events after ``after_seq``, live, until the run ends."""
        from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

        position = _Position(after_seq, self._clock())
        while True:
            try:
                connection = self._open_stream(run_id, position.seq)
            except InvalidStatus as refused:
                status = refused.response.status_code
                if not retryable(status):
                    self._handshake_refused(run_id, status)
                    yield from self._follow_without_websocket(run_id, position.seq)
                    return
            except (OSError, WebSocketException):
                pass  # not reachable now: back off and try again
            else:
                with connection:
                    try:
                        yield from self._read_websocket(connection, run_id, position)
                    except ConnectionClosed as closed:
                        code = closed.rcvd.code if closed.rcvd else None
                        if code == WS_CLOSE_NORMAL:
                            return
                        if code == WS_CLOSE_UNSUPPORTED:
                            yield from self._follow_without_websocket(run_id, position.seq)
                            return
                        _raise_for_close(code, closed.rcvd.reason if closed.rcvd else "", run_id)
            self._wait_to_reconnect(run_id, position)

    def _follow_without_websocket(self, run_id: str, after_seq: int) -> Iterator[RunEvent]:
        """Server-sent events, or else polling until the run ends (which yields nothing)."""
        try:
            yield from self.follow_run_sse(run_id, after_seq)
        except ControlPlaneError as error:
            if error.status not in (404, 405, 406, 501):
                raise
            while self.get_run(run_id).status not in FINAL_STATUSES:
                self._sleep(POLL_INTERVAL)

    def follow_run_sse(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """Like ``follow_run``, over server-sent events (``GET /v1/runs/{id}/events``)."""
        position = _Position(after_seq, self._clock())
        finished = False
        path = f"/v1/runs/{_segment(run_id)}/events"
        timeout = httpx.Timeout(self.timeout, read=self.silence_timeout)
        while True:
            try:
                with self._http.stream(
                    "GET",
                    path,
                    params={"after_seq": position.seq},
                    headers={"Accept": "text/event-stream"},
                    timeout=timeout,
                ) as response:
                    if not response.is_success:
                        response.read()
                        if not retryable(response.status_code):
                            raise self._error(response)
                    else:
                        for data in sse_data(response.iter_lines()):
                            position.saw_frame(self._clock())
                            event = _event_from_frame(data) if data is not None else None
                            if event is not None and event.seq > position.seq:
                                position.seq = event.seq
                                finished = event.type in FINAL_EVENTS
                                yield event
                        # The stream ended cleanly: the run is over, unless a proxy cut it.
                        if finished or self.get_run(run_id).status in FINAL_STATUSES:
                            return
            except httpx.ReadTimeout:
                raise self._silent(run_id) from None
            except httpx.TransportError:
                pass  # dropped: reconnect from the last seq
            self._wait_to_reconnect(run_id, position)


@dataclass
class _Position:
    """A stream reader's place: the last seq seen, when the last frame came, the next delay."""

    seq: int
    last_frame: float
    delay: float = RECONNECT_FIRST

    def saw_frame(self, now: float) -> None:
        self.last_frame = now
        self.delay = RECONNECT_FIRST

    def next_delay(self) -> float:
        delay, self.delay = self.delay, min(self.delay * 2, RECONNECT_CAP)
        return delay


def _raise_for_close(code: int | None, reason: str, run_id: str) -> None:
    """Raise for a close that rules out reconnecting; return for a dropped connection."""
    if code in (WS_CLOSE_BAD_CREDENTIALS, WS_CLOSE_POLICY):
        raise Unauthorized(reason or "the run stream refused the credentials", status=401)
    if code == WS_CLOSE_NOT_ALLOWED:
        raise ControlPlaneError(reason or f"not allowed to follow run {run_id}", status=403)
    if code == WS_CLOSE_INVALID:
        raise Invalid(reason or f"the stream of run {run_id} refused the request")


def sse_data(lines: Iterator[str]) -> Iterator[str | None]:
    """The ``data`` of each server-sent event; None for every other line (comments too)."""
    data: list[str] = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
        elif not line and data:
            yield "\n".join(data)
            data = []
            continue
        yield None
    if data:
        yield "\n".join(data)


def _event_from_frame(message: str | bytes) -> RunEvent | None:
    """The event in a frame; None for heartbeats, keepalive text and frames without a ``seq``.

    An ``{"type": "error", "message": ...}`` frame (the platform's terminal error) raises.
    """
    try:
        frame = json.loads(message)
    except ValueError:
        return None
    if not isinstance(frame, dict):
        return None
    if frame.get("type") == "error" and "seq" not in frame:
        raise ControlPlaneError(f"the run stream failed: {frame.get('message') or 'no reason'}")
    if "seq" not in frame:
        return None
    try:
        return RunEvent.model_validate(frame)
    except ValidationError as error:
        summary = str(error).splitlines()[0]
        raise ControlPlaneError(f"unexpected event on the run stream: {summary}") from error


def _ws_base(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return {"https": "wss"}.get(scheme, "ws") + "://" + rest


def _giving_up(failure: ControlPlaneError, why: str) -> ControlPlaneError:
    return type(failure)(
        f"{why}: {failure.detail}", status=failure.status, request_id=failure.request_id
    )


def _without_none(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


def _segment(value: str) -> str:
    return quote(value, safe="")


def _repository_path(repository: str) -> str:
    owner, _, name = repository.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"a repository is owner/name, not {repository!r}")
    return f"/v1/sync/repositories/{_segment(owner)}/{_segment(name)}"
