"""The control-plane client: the ``/v1`` API's calls, the platform's or the local control
plane's (sync, httpx).

    with Client() as client:
        run = client.start_run(config_id="agent_x9Kd3Fq2", prompt="Focus on the new endpoint.")
        for event in client.follow_run(run.id):
            print(event.seq, event.type)

Where it calls and with what token: :mod:`~agentsync.client.settings`. Following a run
(WebSocket, server-sent events, polling): :mod:`~agentsync.client.follow`. Errors:
:mod:`~agentsync.client.calls`.

**Retries** (:mod:`agentsync.http.retry`): connection errors, 429 and 5xx are retried at most
``max_retries`` times with exponential backoff and full jitter, or after the server's
``Retry-After`` (one over ``max_retry_after`` gives up at once); then ``Unavailable``. Every
write carries an ``Idempotency-Key``, the same for every attempt of one call. Since the
platform may ignore that key, ``start_run`` and ``replay_run`` also put it in the run's
``metadata`` (``agentsync_request_id``): after an ambiguous failure (the request may have
arrived: a dropped connection, a 5xx) they first look for that run among the recent ones.

**Secrets.** The token is never in a ``repr``, an error message or a log record.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import httpx

from agentsync.client.calls import ApiCalls, segment
from agentsync.client.errors import ControlPlaneError
from agentsync.client.follow import RunFollower, open_stream, stream_url
from agentsync.client.records import AgentConfigRecord, Run, RunEvent, VariableInfo
from agentsync.client.redaction import Secret
from agentsync.client.settings import TOKEN_VARIABLE, config_file, load_settings
from agentsync.errors import UsageError
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import OwnsSession

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

REQUEST_ID_KEY: Final = "agentsync_request_id"  # in a run's metadata: the call that created it
MAX_PAGES: Final = 10_000  # of a listing of configs: a million of them, at 100 a page
RECENT_RUNS = 50  # how far back the lookup after an ambiguous failure looks


class Client(OwnsSession):
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
        self.ws_base = settings.stream_base
        self.timeout = timeout
        self.silence_timeout = silence_timeout
        self._sleep = sleep
        self._clock = clock
        self._token = Secret(settings.token) if settings.token else None
        policy = RetryPolicy(max_retries=max_retries, max_retry_after=max_retry_after, sleep=sleep)
        self._calls = ApiCalls(
            self.base_url, self._token, policy=policy, transport=transport, timeout=timeout
        )
        self._session = self._calls.session
        self._call = self._calls.call

    def __repr__(self) -> str:
        credentials = "token" if self._token else "no token"
        return f"Client({self.base_url!r}, {credentials})"

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
        return self._create_run(
            "/v1/agents/runs",
            idempotency_key,
            metadata,
            config_id=config_id,
            config=_plain(config),
            template_id=template_id,
            prompt=prompt,
            config_override=_plain(config_override),
            config_override_yaml=config_override_yaml,
        )

    def get_run(self, run_id: str) -> Run:
        return self._call("GET", f"/v1/agents/runs/{segment(run_id)}", Run.model_validate)

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
        return self._create_run(
            f"/v1/agents/runs/{segment(run_id)}/replay",
            idempotency_key,
            replay_of=run_id,
            config_id=config_id,
            config_override=_plain(config_override),
            config_override_yaml=config_override_yaml,
            prompt=prompt,
        )

    def _create_run(
        self,
        path: str,
        idempotency_key: str | None,
        metadata: Mapping[str, str] | None = None,
        *,
        replay_of: str | None = None,
        **fields: Any,
    ) -> Run:
        """``POST path`` with the ``fields`` that are not None, creating a run (a replay of
        ``replay_of``); the call's request id goes in the run's ``metadata`` too, so that after
        an ambiguous failure the run it created is found rather than made twice."""
        key = idempotency_key or str(uuid.uuid4())
        body = {name: value for name, value in fields.items() if value is not None}
        body["metadata"] = {**(metadata or {}), REQUEST_ID_KEY: key}
        return self._call(
            "POST",
            path,
            Run.model_validate,
            body=body,
            idempotency_key=key,
            recover=lambda: self._find_run(key, replay_of),
        )

    def cancel_run(self, run_id: str, *, idempotency_key: str | None = None) -> Run:
        """Ask a run to stop; the run returned may still be stopping."""
        return self._call(
            "POST",
            f"/v1/agents/runs/{segment(run_id)}/cancel",
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
            "GET", f"/v1/agents/configs/{segment(config_id)}", AgentConfigRecord.model_validate
        )

    # the caller ---------------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        """Who the token is (``GET /v1/me``): the customer, the kind of credential."""
        return self._call("GET", "/v1/me", dict)

    # sandbox variables (values go in, never come out) --------------------------------------

    def list_variables(self) -> list[VariableInfo]:
        return self._call("GET", "/v1/sandboxes/variables", _variables)

    def set_variables(self, values: Mapping[str, str]) -> list[VariableInfo]:
        """Store each variable's value (encrypted by the server; never shown again)."""
        body = {"variables": [{"name": n, "value": v} for n, v in values.items()]}
        try:
            return self._call("PUT", "/v1/sandboxes/variables", _variables, body=body)
        except ControlPlaneError as error:  # a server may echo the body in its error
            raise error.without(values.values()) from None

    def delete_variable(self, name: str) -> list[VariableInfo]:
        return self._call("DELETE", f"/v1/sandboxes/variables/{segment(name)}", _variables)

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
        return self._sync_config(
            "POST", config_id, "/move", body={"path": path}, idempotency_key=idempotency_key
        )

    def delete_config(
        self, config_id: str, *, idempotency_key: str | None = None
    ) -> AgentConfigRecord:
        """Mark deleted (restorable); its cron schedule stops."""
        return self._sync_config("DELETE", config_id, "", idempotency_key=idempotency_key)

    def restore_config(
        self, config_id: str, *, idempotency_key: str | None = None
    ) -> AgentConfigRecord:
        return self._sync_config("POST", config_id, "/restore", idempotency_key=idempotency_key)

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
        return self._sync_config(
            "POST", config_id, "/error", body=body, idempotency_key=idempotency_key
        )

    def _sync_config(
        self,
        method: str,
        config_id: str,
        action: str,
        *,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> AgentConfigRecord:
        """A call on the sync API's config ``config_id`` (``action``: the path after it)."""
        return self._call(
            method,
            f"/v1/sync/configs/{segment(config_id)}{action}",
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
        """Every config, page after page. A listing that would never end is a
        ``ControlPlaneError`` (not retried): a cursor sent a second time, a cursor to more
        after an empty page, more than ``MAX_PAGES`` pages."""
        cursor: str | None = None
        seen: set[str] = set()
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
            why = _endless(cursor, seen, bool(configs))
            if why is not None:
                raise ControlPlaneError(
                    f"unexpected response to GET /v1/sync/configs: {why}: stopped paging "
                    "(it would never end)",
                    status=200,
                )
            seen.add(cursor)

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

    def follow_run(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """The run's events after ``after_seq``, live, until the run ends."""
        return self._follower().follow(run_id, after_seq)

    def follow_run_sse(self, run_id: str, after_seq: int = 0) -> Iterator[RunEvent]:
        """Like ``follow_run``, over server-sent events (``GET /v1/runs/{id}/events``)."""
        return self._follower().follow_sse(run_id, after_seq)

    def _stream_url(self, run_id: str, after_seq: int) -> str:
        return stream_url(self.ws_base, run_id, after_seq)

    def _open_stream(self, run_id: str, after_seq: int) -> ClientConnection:
        return open_stream(self._stream_url(run_id, after_seq), self._token, self.timeout)

    def _follower(self) -> RunFollower:
        return RunFollower(
            calls=self._calls,
            get_run=self.get_run,
            open_stream=self._open_stream,
            silence_timeout=self.silence_timeout,
            sleep=self._sleep,
            clock=self._clock,
        )


def client_from_environment(base_url: str | None = None, token: str | None = None) -> Client:
    """A ``Client`` with the Ellipsis settings (arguments, else the environment, else the
    Ellipsis CLI's ``config.json``); a ``UsageError`` when there is no token."""
    settings = load_settings(base_url, token)
    if settings.token is None:
        raise UsageError(
            f"no API token: set {TOKEN_VARIABLE}, or store one with `agent auth login` "
            f'("token" in {config_file()})'
        )
    return Client(settings.base_url, settings.token)


def _variables(data: Any) -> list[VariableInfo]:
    return [VariableInfo.model_validate(v) for v in data["variables"]]


def _plain(mapping: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A mapping as the dict a JSON body holds (None stays None: the field is left out)."""
    return dict(mapping) if mapping is not None else None


def _endless(cursor: str, seen: set[str], page_had_configs: bool) -> str | None:
    """Why paging on to ``cursor`` would never end, or None."""
    if not page_had_configs:
        return "an empty page with a cursor to more"
    if cursor in seen:
        return f"the cursor {cursor[:80]!r} a second time"
    if len(seen) >= MAX_PAGES:
        return f"more than {MAX_PAGES:,} pages"
    return None


def _repository_path(repository: str) -> str:
    owner, _, name = repository.partition("/")
    if not owner or not name or "/" in name:
        raise UsageError(f"a repository is owner/name, not {repository!r}")
    return f"/v1/sync/repositories/{segment(owner)}/{segment(name)}"
