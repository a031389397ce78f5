"""The client against a real control plane on loopback: every method, typed errors, retries
(through a fault-injecting transport in front of the real server), the request-id lookup after a
lost response, secrets, and following a run over WebSocket and SSE with resumption."""

from __future__ import annotations

import email.utils
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, Self

import httpx
import pytest
from websockets.sync.client import ClientConnection
from websockets.sync.server import ServerConnection, serve

from agentsync.client.api import REQUEST_ID_KEY, Client
from agentsync.client.errors import (
    BudgetExceeded,
    Conflict,
    ControlPlaneError,
    Invalid,
    NotFound,
    Unauthorized,
    Unavailable,
)
from agentsync.client.records import FINAL_STATUSES, Run
from agentsync.client.settings import ConnectionSettings, load_settings
from agentsync.errors import UsageError
from agentsync.http.retry import parse_retry_after
from agentsync.localserver.middleware import MAX_BODY_BYTES
from agentsync.localserver.routers import events as events_module
from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer
from tests.scripted import scripted
from tests.servers import unused_port

from .conftest import API_KEY, USER_TOKEN, VALID_YAML, server_options

REQUEST_ID = re.compile(r"^req_[A-Za-z0-9]{16}$")


# helpers ----------------------------------------------------------------------------------


class Faults(httpx.BaseTransport):
    """The real server behind a transport that fails the requests it is told to.

    ``plan`` maps ``"METHOD /path"`` to the fate of its next requests, in order: ``refuse``
    (never sent), ``drop`` (sent; the response is lost), ``500``, ``503``, ``429``... (answered
    here, never sent), ``500-after`` (sent; the answer replaced by a 500), ``cut-after-N`` (an
    event stream cut after N events); ``;retry-after=V`` adds that header.
    """

    def __init__(self, plan: dict[str, list[str]] | None = None) -> None:
        self.plan = {key: list(fates) for key, fates in (plan or {}).items()}
        self.requests: list[httpx.Request] = []
        self._inner = httpx.HTTPTransport()

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        fates = self.plan.get(f"{request.method} {request.url.path}")
        fate, _, retry_after = (fates.pop(0) if fates else "ok").partition(";retry-after=")
        headers = {"Retry-After": retry_after} if retry_after else {}
        if fate == "ok":
            return self._inner.handle_request(request)
        if fate == "refuse":
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if fate.startswith("cut-after-"):
            real = self._inner.handle_request(request)
            cut = CutAfterEvents(real.stream, int(fate.removeprefix("cut-after-")))
            return httpx.Response(real.status_code, headers=real.headers, stream=cut)
        if fate in ("drop", "500-after"):
            real = self._inner.handle_request(request)
            real.read()
            real.close()
            if fate == "drop":
                raise httpx.ReadError("connection reset by peer", request=request)
            headers["X-Request-ID"] = real.headers["x-request-id"]
            return httpx.Response(500, headers=headers, json={"detail": "injected after"})
        return httpx.Response(int(fate), headers=headers, json={"detail": f"injected {fate}"})

    def close(self) -> None:
        self._inner.close()


class CutAfterEvents(httpx.SyncByteStream):
    """An SSE body that drops the connection right after its Nth event."""

    def __init__(self, inner: Any, events: int) -> None:
        self.inner = inner
        self.events = events

    def __iter__(self) -> Iterator[bytes]:
        buffer, seen = b"", 0
        for chunk in self.inner:
            buffer += chunk
            while b"\n\n" in buffer:
                block, buffer = buffer.split(b"\n\n", 1)
                yield block + b"\n\n"
                seen += b"data:" in block
                if seen == self.events:
                    raise httpx.ReadError("connection reset by peer")

    def close(self) -> None:
        self.inner.close()


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


class SteppedRunner:
    """Emits deltas one at a time, released by the test: a run that is really live."""

    name = "stepped"

    def __init__(self, steps: int) -> None:
        self.steps = steps
        self.release = threading.Semaphore(0)

    def execute(self, context: RunContext) -> RunOutcome:
        for index in range(self.steps):
            while not self.release.acquire(timeout=0.02):
                if context.cancelled.is_set():
                    return RunOutcome("cancelled", "cancelled by request")
            context.emit("message.delta", {"content": f"part {index}"})
        return RunOutcome("completed", output="done")


@pytest.fixture
def delays() -> list[float]:
    return []


@pytest.fixture
def make_client(
    server: LocalServer, tmp_path: Path, delays: list[float]
) -> Iterator[Callable[..., Client]]:
    """Clients of the fixture server that record their sleeps and read no user settings."""
    made: list[Client] = []

    def make(token: str | None = API_KEY, **options: Any) -> Client:
        options.setdefault("base_url", server.url)
        options.setdefault("sleep", delays.append)
        options.setdefault("environ", {"ELLIPSIS_CONFIG_DIR": str(tmp_path / "no-settings")})
        client = Client(token=token, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., Client]) -> Client:
    return make_client()


@pytest.fixture
def stepped(
    tmp_path: Path, delays: list[float]
) -> Iterator[tuple[LocalServer, SteppedRunner, Client]]:
    runner = SteppedRunner(steps=6)
    with (
        LocalServer(server_options(tmp_path, runner=runner)) as running,
        Client(
            running.url,
            API_KEY,
            sleep=delays.append,
            environ={"ELLIPSIS_CONFIG_DIR": str(tmp_path)},
        ) as client,
    ):
        yield running, runner, client
        runner.release.release(100)  # let a live run end before the server stops


def wait_until_final(client: Client, run_id: str, timeout: float = 10) -> Run:
    deadline = time.monotonic() + timeout
    while (run := client.get_run(run_id)).status not in FINAL_STATUSES:
        assert time.monotonic() < deadline, run
        time.sleep(0.02)
    return run


def wait_for_status(client: Client, run_id: str, status: str) -> None:
    deadline = time.monotonic() + 5
    while client.get_run(run_id).status != status:
        assert time.monotonic() < deadline
        time.sleep(0.01)


# settings ---------------------------------------------------------------------------------


def write_settings(directory: Path, text: str) -> dict[str, str]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(text)
    return {"ELLIPSIS_CONFIG_DIR": str(directory)}


def test_settings_come_from_the_environment_before_the_file(tmp_path: Path) -> None:
    # The file the platform's `agent login` writes: JSON with apiBase and token.
    settings = {"apiBase": "http://file.invalid", "token": "file-token", "other": 1}
    environ = write_settings(tmp_path, json.dumps(settings))
    assert load_settings(environ=environ) == ConnectionSettings("http://file.invalid", "file-token")
    environ |= {"ELLIPSIS_API_BASE_URL": "http://env.invalid/", "ELLIPSIS_API_TOKEN": "env-token"}
    assert load_settings(environ=environ) == ConnectionSettings("http://env.invalid", "env-token")
    assert load_settings("http://arg.invalid", "arg", environ) == ConnectionSettings(
        "http://arg.invalid", "arg"
    )


def test_settings_fall_back_to_ellipsis_api_base_and_the_default(tmp_path: Path) -> None:
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    assert load_settings(environ=environ) == ConnectionSettings("https://api.ellipsis.dev", None)
    environ["ELLIPSIS_API_BASE"] = "http://old-name.invalid"
    assert load_settings(environ=environ).base_url == "http://old-name.invalid"
    environ["ELLIPSIS_API_BASE_URL"] = "http://new-name.invalid"
    assert load_settings(environ=environ).base_url == "http://new-name.invalid"


def test_the_stream_base_is_derived_or_ellipsis_ws_base(tmp_path: Path) -> None:
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    with Client("https://api.example.com/prefix", "t", environ=environ) as client:
        assert client._stream_url("runs_a/b", 0) == (
            "wss://api.example.com/prefix/v1/runs/runs_a%2Fb/stream"
        )
        assert client._stream_url("runs_x", 7).endswith("/v1/runs/runs_x/stream?after_seq=7")
    environ["ELLIPSIS_WS_BASE"] = "ws://127.0.0.1:9/"
    with Client("http://api.invalid", "t", environ=environ) as client:
        assert client._stream_url("runs_x", 0) == "ws://127.0.0.1:9/v1/runs/runs_x/stream"
    environ["ELLIPSIS_WS_BASE"] = "http://not-a-websocket"
    with pytest.raises(UsageError, match="ELLIPSIS_WS_BASE is not a ws"):
        load_settings(environ=environ)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{token: 1", "cannot read the client settings"),
        ("[" * 100_000 + "]" * 100_000, "cannot read the client settings"),  # past the parser
        ("[]", "must be a JSON object"),
        ('{"token": 5}', "token must be a string"),
        ('{"apiBase": "ftp://x"}', "is not an http:// or https:// URL"),
        ('{"apiBase": "http://[::1"}', "is not an http:// or https:// URL"),
        ('{"apiBase": "http://host:99999"}', "is not an http:// or https:// URL"),
        ('{"apiBase": "http://u:hunter2@[::1"}', r"URL: 'http://\*\*\*@\[::1'"),  # masked
    ],
)
def test_bad_settings_are_usage_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        load_settings(environ=write_settings(tmp_path, text))


def test_settings_and_clients_do_not_show_the_token(tmp_path: Path) -> None:
    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    settings = load_settings("http://x.invalid", "s3cret-token", environ)
    assert "s3cret-token" not in repr(settings)
    with Client("http://x.invalid", "s3cret-token", environ=environ) as client:
        assert "s3cret-token" not in repr(client)
        assert "s3cret-token" not in repr(vars(client))


# runs -------------------------------------------------------------------------------------


def test_start_run_from_a_config_a_template_or_inline(client: Client, config_id: str) -> None:
    from_config = client.start_run(config_id=config_id, prompt="now", metadata={"deploy": "42"})
    assert from_config.id.startswith("runs_")
    assert (from_config.source, from_config.agent_config_id) == ("api", config_id)
    assert from_config.metadata["deploy"] == "42"
    assert from_config.metadata[REQUEST_ID_KEY]
    from_template = client.start_run(template_id="pr-review")
    assert from_template.config_snapshot["ellipsis"]["name"] == "Pull request review"
    inline = client.start_run(config={"ellipsis": {"name": "inline"}, "claude": {"system": "hi"}})
    assert inline.agent_config_id is None
    final = wait_until_final(client, from_config.id)
    assert (final.status, final.prompt) == ("completed", "now")


def test_start_run_with_overrides(client: Client, config_id: str) -> None:
    as_data = client.start_run(config_id=config_id, config_override={"limits": {"run": 2}})
    assert as_data.config_snapshot["limits"]["run"] == 2
    as_yaml = client.start_run(config_id=config_id, config_override_yaml="limits:\n  run: 3\n")
    assert as_yaml.config_snapshot["limits"]["run"] == 3


def test_start_run_needs_exactly_one_config(client: Client) -> None:
    with pytest.raises(UsageError, match="exactly one"):
        client.start_run(config_id="agent_x", template_id="pr-review")
    with pytest.raises(UsageError, match="exactly one"):
        client.start_run()


def test_list_runs_filters(
    make_client: Callable[..., Client], client: Client, config_id: str
) -> None:
    as_user = make_client(USER_TOKEN)
    api_run = client.start_run(config_id=config_id)
    cli_run = as_user.start_run(template_id="pr-review")
    assert cli_run.source == "cli"
    assert [r.id for r in client.list_runs()] == [cli_run.id, api_run.id]
    assert [r.id for r in client.list_runs(sources=["cli"])] == [cli_run.id]
    assert [r.id for r in client.list_runs(sources=["api", "cli"])] == [cli_run.id, api_run.id]
    assert [r.id for r in client.list_runs(config_id=config_id)] == [api_run.id]
    assert [r.id for r in client.list_runs(limit=1)] == [cli_run.id]
    assert len(client.list_runs(days=1)) == 2
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert client.list_runs(start=later) == []
    assert len(client.list_runs(end=later)) == 2


def test_replay_keeps_or_clears_the_prompt_and_applies_overrides(client: Client) -> None:
    original = wait_until_final(client, client.start_run(template_id="pr-review", prompt="p").id)
    same = client.replay_run(original.id)
    assert (same.prompt, same.metadata["replay_of"]) == ("p", original.id)
    assert same.metadata[REQUEST_ID_KEY] != original.metadata[REQUEST_ID_KEY]
    cleared = client.replay_run(original.id, prompt="", config_override_yaml="limits:\n  run: 1")
    assert cleared.prompt is None
    assert cleared.config_snapshot["limits"]["run"] == 1
    other = client.replay_run(original.id, prompt="q", config_override={"limits": {"run": 2}})
    assert (other.prompt, other.config_snapshot["limits"]["run"]) == ("q", 2)


def test_replay_with_another_config(client: Client, config_id: str) -> None:
    original = client.start_run(template_id="pr-review")
    replayed = client.replay_run(original.id, config_id=config_id)
    assert replayed.agent_config_id == config_id


def test_cancel_a_live_run_and_a_finished_one(
    stepped: tuple[LocalServer, SteppedRunner, Client],
) -> None:
    _, _, client = stepped
    run = client.start_run(template_id="pr-review")
    wait_for_status(client, run.id, "running")
    client.cancel_run(run.id)
    assert wait_until_final(client, run.id).status == "cancelled"
    with pytest.raises(Conflict, match="already finished") as raised:
        client.cancel_run(run.id)
    assert raised.value.status == 409


# configs and the sync API -----------------------------------------------------------------


def test_configs_read_side(client: Client, config_id: str) -> None:
    (listed,) = client.list_configs()
    assert listed.id == config_id
    record = client.get_config(config_id)
    assert (record.repository, record.path) == ("acme/app", "agents/audit.yaml")
    assert record.agent_config["ellipsis"]["name"] == "Nightly audit"


def test_sync_api_round_trip(client: Client) -> None:
    created = client.put_config("acme/app", "agents/a.yaml", VALID_YAML, "c1")
    assert created.last_synced_commit_sha == "c1"
    updated = client.put_config(
        "acme/app", "agents/a.yaml", VALID_YAML.replace("Nightly", "Daily"), "c2"
    )
    assert updated.id == created.id
    assert updated.agent_config["ellipsis"]["name"] == "Daily audit"
    moved = client.move_config(created.id, "agents/b.yaml", idempotency_key="move-1")
    assert moved.path == "agents/b.yaml"
    failed = client.record_sync_error(
        created.id, "broken", "c3", [{"rule": "syntax", "message": "bad", "line": 1}]
    )
    assert failed.sync_error is not None
    assert (failed.last_sync_error, failed.sync_error.commit) == ("broken", "c3")
    assert client.delete_config(created.id).deleted
    assert client.list_sync_configs(repository="acme/app") == ([], None)
    assert client.restore_config(created.id).deleted is False
    with pytest.raises(Invalid) as raised:
        client.put_config("acme/app", "agents/bad.yaml", "ellipsis: [", "c4")
    assert isinstance(raised.value.detail, list)


def test_sync_configs_page_by_cursor(client: Client) -> None:
    ids = [client.put_config("acme/app", f"agents/{n}.yaml", VALID_YAML).id for n in range(5)]
    client.put_config("acme/other", "agents/x.yaml", VALID_YAML)
    client.delete_config(ids[0])
    first, cursor = client.list_sync_configs(repository="acme/app", limit=2)
    assert len(first) == 2
    assert cursor is not None
    every = list(client.iter_sync_configs(repository="acme/app", page_size=2))
    assert sorted(c.id for c in every) == sorted(ids[1:])
    with_deleted = client.iter_sync_configs(repository="acme/app", include_deleted=True)
    assert sorted(c.id for c in with_deleted) == sorted(ids)
    assert len(list(client.iter_sync_configs())) == 5


def test_repository_commit(client: Client) -> None:
    assert client.get_repository_commit("acme/app") is None
    client.set_repository_commit("acme/app", "abc123")
    assert client.get_repository_commit("acme/app") == "abc123"
    with pytest.raises(UsageError, match="owner/name"):
        client.get_repository_commit("acme")


# typed errors -----------------------------------------------------------------------------


def test_errors_are_typed_and_carry_detail_and_request_id(
    make_client: Callable[..., Client], client: Client, config_id: str
) -> None:
    with pytest.raises(NotFound) as missing:
        client.get_run("runs_missing")
    assert (missing.value.status, missing.value.detail) == (404, "run runs_missing not found")
    assert REQUEST_ID.match(missing.value.request_id or "")
    assert str(missing.value) == (
        f"run runs_missing not found (HTTP 404, request {missing.value.request_id})"
    )

    with pytest.raises(Invalid) as invalid:
        client.start_run(config={"ellipsis": {"name": "x"}, "triggers": "nope"})
    assert isinstance(invalid.value.detail, list)
    assert invalid.value.detail[0]["rule"]
    assert REQUEST_ID.match(invalid.value.request_id or "")

    capped = client.put_config(
        "acme/app", "agents/capped.yaml", VALID_YAML + "  day: 1\n"
    )  # limits.run 5 > limits.day 1: any run would pass the day's cap
    with pytest.raises(BudgetExceeded, match=r"limits\.day"):
        client.start_run(config_id=capped.id)

    with pytest.raises(Unauthorized, match="missing or invalid bearer token") as refused:
        make_client("wrong-token").list_runs()
    assert refused.value.status == 401

    with pytest.raises(ControlPlaneError) as too_large:
        client.start_run(config_id=config_id, prompt="x" * (MAX_BODY_BYTES + 1))
    assert type(too_large.value) is ControlPlaneError
    assert too_large.value.status == 413
    assert f"over the {MAX_BODY_BYTES}-byte limit" in str(too_large.value)


def test_the_platforms_error_envelope_is_understood(tmp_path: Path) -> None:
    def platform(request: httpx.Request) -> httpx.Response:
        envelope = {"code": "not_found", "message": "no such run", "request_id": "req_1"}
        return httpx.Response(404, json={"error": envelope})

    environ = {"ELLIPSIS_CONFIG_DIR": str(tmp_path)}
    with (
        Client(
            "http://api.invalid", "t", transport=httpx.MockTransport(platform), environ=environ
        ) as client,
        pytest.raises(NotFound) as raised,
    ):
        client.get_run("runs_x")
    assert (raised.value.detail, raised.value.request_id) == ("no such run", "req_1")
    assert str(raised.value) == "no such run (HTTP 404, request req_1)"


# retries ----------------------------------------------------------------------------------


def test_retries_keep_one_idempotency_key_and_create_one_run(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    faults = Faults({"POST /v1/agents/runs": ["refuse", "503", "429;retry-after=2", "500-after"]})
    client = make_client(transport=faults)
    run = client.start_run(template_id="pr-review")
    posts = faults.sent("POST", "/v1/agents/runs")
    assert len(posts) == 4  # refused, 503, 429, then created (but answered 500)
    assert len({p.headers["Idempotency-Key"] for p in posts}) == 1
    assert posts[0].headers["Idempotency-Key"] == run.metadata[REQUEST_ID_KEY]
    assert [r.id for r in client.list_runs()] == [run.id]  # the lookup found it
    assert len(delays) == 4
    assert delays[2] == 2.0


def test_the_idempotency_key_makes_a_retried_write_safe(
    make_client: Callable[..., Client], client: Client
) -> None:
    run = wait_until_final(client, client.start_run(template_id="pr-review").id)
    moved_twice: list[str] = []
    record = client.put_config("acme/app", "agents/a.yaml", VALID_YAML)
    path = f"/v1/sync/configs/{record.id}/move"
    faults = Faults({f"POST {path}": ["500-after"]})
    flaky = make_client(transport=faults)
    moved = flaky.move_config(record.id, "agents/b.yaml")
    moved_twice = [r.headers["Idempotency-Key"] for r in faults.sent("POST", path)]
    assert len(moved_twice) == 2
    assert len(set(moved_twice)) == 1
    assert moved.path == "agents/b.yaml"
    # The caller's key: the same call twice is one call.
    again = client.replay_run(run.id, idempotency_key="replay-once")
    assert client.replay_run(run.id, idempotency_key="replay-once").id == again.id


def test_retry_after_seconds_and_http_dates_are_honoured(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    faults = Faults({"GET /v1/agents/runs": ["503;retry-after=3", f"429;retry-after={later}"]})
    assert make_client(transport=faults).list_runs() == []
    assert delays[0] == 3.0
    assert 3.0 < delays[1] <= 5.0


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:09 GMT", now) == 9.0
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now) == 0.0  # past: now
    for unusable in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(unusable, now) is None


def test_backoff_is_exponential_with_full_jitter(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    faults = Faults({"GET /v1/agents/configs": ["500", "502", "503", "504"]})
    assert make_client(transport=faults, max_retries=4).list_configs() == []
    assert len(delays) == 4
    for attempt, delay in enumerate(delays):
        assert 0.0 <= delay <= min(8.0, 0.5 * 2**attempt)


def test_gives_up_after_max_retries_with_unavailable(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    faults = Faults({"GET /v1/agents/configs": ["500-after"] * 3})
    with pytest.raises(Unavailable) as raised:
        make_client(transport=faults, max_retries=2).list_configs()
    assert len(delays) == 2
    assert raised.value.status == 500
    assert REQUEST_ID.match(raised.value.request_id or "")
    assert str(raised.value).startswith("gave up after 3 attempts: injected after (HTTP 500")


def test_a_retry_after_beyond_the_limit_gives_up_at_once(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    faults = Faults({"GET /v1/agents/configs": ["429;retry-after=3600"]})
    with pytest.raises(Unavailable, match="asks to wait 3600s"):
        make_client(transport=faults).list_configs()
    assert delays == []


def test_a_control_plane_that_is_not_running_fails_fast_and_says_what_to_do(
    make_client: Callable[..., Client], delays: list[float]
) -> None:
    """A refused connection (nothing listens) gets one quick retry, for a server that is
    restarting, not the whole backoff; the message names the URL and how to start one."""
    client = make_client(base_url=f"http://127.0.0.1:{unused_port()}", max_retries=4)
    with pytest.raises(
        Unavailable, match=r"cannot reach the control plane at http://127\.0\.0\.1"
    ) as refused:
        client.get_run("runs_x")
    assert "(connection refused): is it running?" in str(refused.value)
    assert "agent control-plane serve" in str(refused.value)
    assert len(delays) == 1


def test_a_base_url_ending_in_v1_gets_a_hint_on_404(server: LocalServer) -> None:
    with (
        Client(f"{server.url}/v1", API_KEY) as client,
        pytest.raises(NotFound, match=r"ends in /v1, and the client adds /v1 itself; drop it"),
    ):
        client.get_run("runs_x")


def test_a_server_that_is_not_the_api_is_named_not_echoed() -> None:
    """A base URL pointing at a web server (or a proxy's error page): the message says what
    answered and where the base URL may be wrong, never the HTML page itself."""
    page = b"<!DOCTYPE HTML><html><body><h1>Error response</h1></body></html>"
    html = {"Content-Type": "text/html;charset=utf-8"}
    with scripted() as server:
        server.answers = [(404, html, page), (404, html, page), (404, {}, b"")]
        with Client(server.url, API_KEY) as client, pytest.raises(NotFound) as wrong:
            client.list_configs()
        with Client(f"{server.url}/v1", API_KEY) as client, pytest.raises(NotFound) as v1:
            client.list_configs()
        with Client(server.url, API_KEY) as client, pytest.raises(NotFound) as empty:
            client.get_run("runs_x")
    assert str(empty.value).startswith(
        f"GET {server.url}/v1/agents/runs/runs_x answered HTTP 404 with an empty body, not the "
        "API's JSON: is"
    )  # it said "Not Found", and no more
    assert str(wrong.value) == (
        f"GET {server.url}/v1/agents/configs answered HTTP 404 with text/html, not the API's "
        f"JSON: is {server.url} the control plane's API? Set ELLIPSIS_API_BASE_URL (or apiBase "
        "in config.json) to its base URL"
    )
    assert str(v1.value).endswith(
        "answered HTTP 404 with text/html, not the API's JSON: the base URL "
        f"{server.url}/v1 ends in /v1, and the client adds /v1 itself; drop it"
    )
    assert "DOCTYPE" not in str(wrong.value) + str(v1.value)


def test_4xx_is_not_retried(make_client: Callable[..., Client], delays: list[float]) -> None:
    faults = Faults()
    with pytest.raises(NotFound):
        make_client(transport=faults).get_config("agent_missing")
    assert len(faults.requests) == 1
    assert delays == []


def test_a_lost_response_is_found_by_its_request_id(make_client: Callable[..., Client]) -> None:
    faults = Faults({"POST /v1/agents/runs": ["drop"]})
    client = make_client(transport=faults)
    run = client.start_run(template_id="pr-review", metadata={"trigger": "ci"})
    assert len(faults.sent("POST", "/v1/agents/runs")) == 1  # found, not sent again
    lookup = faults.sent("GET", "/v1/agents/runs")
    assert [dict(r.url.params) for r in lookup] == [{"limit": "50"}]
    assert [r.id for r in client.list_runs()] == [run.id]
    assert run.metadata["trigger"] == "ci"


def test_a_lost_replay_is_found_by_its_request_id(
    make_client: Callable[..., Client], client: Client
) -> None:
    original = client.start_run(template_id="pr-review")
    earlier_replay = client.replay_run(original.id)
    path = f"/v1/agents/runs/{original.id}/replay"
    faults = Faults({f"POST {path}": ["drop"]})
    replayed = make_client(transport=faults).replay_run(original.id)
    assert len(faults.sent("POST", path)) == 1
    assert replayed.id != earlier_replay.id
    assert replayed.metadata["replay_of"] == original.id
    assert len(client.list_runs()) == 3


def test_a_lost_response_not_found_is_retried_with_the_same_key(
    make_client: Callable[..., Client],
) -> None:
    # A 5xx before the server saw it: the lookup finds nothing, the retry creates the run.
    faults = Faults({"POST /v1/agents/runs": ["500"]})
    client = make_client(transport=faults)
    run = client.start_run(template_id="pr-review")
    assert len(faults.sent("GET", "/v1/agents/runs")) == 1
    assert len(faults.sent("POST", "/v1/agents/runs")) == 2
    assert [r.id for r in client.list_runs()] == [run.id]


# secrets ----------------------------------------------------------------------------------


def test_the_token_is_never_in_reprs_errors_or_logs(
    make_client: Callable[..., Client],
    server: LocalServer,
    caplog: pytest.LogCaptureFixture,
    client: Client,
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-live-SECRET-0123456789"
    wrong = make_client(secret, max_retries=1)
    run = client.start_run(template_id="pr-review")
    failures: list[BaseException] = []
    with pytest.raises(Unauthorized) as unauthorized:
        wrong.get_run(run.id)
    failures.append(unauthorized.value)
    with pytest.raises(Unauthorized) as on_stream:
        list(wrong.follow_run(run.id))
    failures.append(on_stream.value)
    unreachable = make_client(secret, base_url=f"http://127.0.0.1:{unused_port()}", max_retries=1)
    with pytest.raises(Unavailable) as unavailable:
        unreachable.list_runs()
    failures.append(unavailable.value)
    texts = [repr(wrong), repr(unreachable), caplog.text]
    texts += [f"{e!s} {e!r} {e.args!r} {getattr(e, 'detail', '')}" for e in failures]
    for text in texts:
        assert secret not in text
    # websockets logs its handshake headers at DEBUG; they reached the log, redacted.
    assert "Authorization: Bearer ***" in caplog.text


# following a run --------------------------------------------------------------------------


def test_follow_run_yields_every_event_then_ends(client: Client) -> None:
    run = client.start_run(template_id="pr-review", prompt="hello")
    events = list(client.follow_run(run.id))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert events[0].type == "run.started"
    assert events[-1].type == "run.completed"
    assert [e.seq for e in client.follow_run(run.id, after_seq=3)] == [4, 5]


class DropAfter:
    """A WebSocket connection whose TCP connection dies after it has delivered N events."""

    def __init__(self, connection: ClientConnection, events: int) -> None:
        self.connection = connection
        self.events = events

    def __enter__(self) -> Self:
        self.connection.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.__exit__(*exc)

    def recv(self, timeout: float | None = None) -> str | bytes:
        """Deliver the Nth event and cut the connection at once, so no later one is buffered."""
        message = self.connection.recv(timeout)
        if b'"seq"' in (message if isinstance(message, bytes) else message.encode()):
            self.events -= 1
            if self.events == 0:
                self.connection.socket.shutdown(socket.SHUT_RDWR)
        return message


def test_follow_run_resumes_after_a_dropped_connection_without_loss_or_repeat(
    stepped: tuple[LocalServer, SteppedRunner, Client],
    monkeypatch: pytest.MonkeyPatch,
    delays: list[float],
) -> None:
    _, runner, client = stepped
    opened: list[int] = []
    open_stream = client._open_stream

    def dropping_first(run_id: str, after_seq: int) -> Any:
        opened.append(after_seq)
        connection = open_stream(run_id, after_seq)
        return DropAfter(connection, 2) if len(opened) == 1 else connection

    monkeypatch.setattr(client, "_open_stream", dropping_first)
    run = client.start_run(template_id="pr-review")
    seen: list[int] = []
    runner.release.release(1)  # run.started, part 0
    for event in client.follow_run(run.id):
        seen.append(event.seq)
        if len(seen) == 2:
            runner.release.release(5)  # the rest happens while the connection is down
    assert seen == list(range(1, 9))  # started, 6 deltas, completed
    assert opened == [0, 2]
    assert delays == [0.5]


def test_follow_run_backs_off_from_half_a_second_to_8_and_gives_up_after_45s_of_silence(
    make_client: Callable[..., Client],
) -> None:
    fake = FakeTime()
    client = make_client(
        base_url=f"http://127.0.0.1:{unused_port()}", sleep=fake.sleep, clock=fake.clock
    )
    with pytest.raises(Unavailable, match="for 45s"):
        list(client.follow_run("runs_x"))
    assert fake.sleeps == [0.5, 1, 2, 4, 8, 8, 8, 8, 8]


def test_heartbeats_keep_a_quiet_stream_alive(
    stepped: tuple[LocalServer, SteppedRunner, Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, runner, client = stepped
    monkeypatch.setattr(events_module, "HEARTBEAT_SECONDS", 0.05)
    client.silence_timeout = 0.5
    run = client.start_run(template_id="pr-review")
    started = time.monotonic()  # before the timer starts: it releases the run 1.2 s later
    threading.Timer(1.2, runner.release.release, (6,)).start()
    assert len(list(client.follow_run(run.id))) == 8
    assert time.monotonic() - started >= 1.2


def test_a_silent_stream_gives_up(stepped: tuple[LocalServer, SteppedRunner, Client]) -> None:
    _, _, client = stepped
    client.silence_timeout = 0.3
    run = client.start_run(template_id="pr-review")
    with pytest.raises(Unavailable, match="no word from the stream"):
        list(client.follow_run(run.id))


def test_follow_run_raises_on_bad_credentials_and_unknown_runs(
    make_client: Callable[..., Client], client: Client
) -> None:
    run = client.start_run(template_id="pr-review")
    with pytest.raises(Unauthorized):
        list(make_client("wrong-token").follow_run(run.id))
    with pytest.raises(ControlPlaneError, match="no such run") as forbidden:
        list(client.follow_run("runs_missing"))
    assert forbidden.value.status == 403


@pytest.fixture
def no_streaming() -> Iterator[str]:
    """A WebSocket server that closes every connection with 1003 (streaming unsupported)."""

    def refuse(connection: ServerConnection) -> None:
        connection.close(1003, "streaming is not supported")

    with serve(refuse, "127.0.0.1", 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield f"ws://127.0.0.1:{server.socket.getsockname()[1]}/"
        server.shutdown()
        thread.join(5)


def test_follow_run_falls_back_to_sse_when_streaming_is_unsupported(
    client: Client, no_streaming: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "_stream_url", lambda run_id, after_seq: no_streaming)
    run = client.start_run(template_id="pr-review")
    assert [e.seq for e in client.follow_run(run.id)] == [1, 2, 3, 4, 5]


def test_follow_run_polls_when_there_is_neither_websocket_nor_sse(
    make_client: Callable[..., Client], no_streaming: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = Faults()
    client = make_client(transport=faults)
    monkeypatch.setattr(client, "_stream_url", lambda run_id, after_seq: no_streaming)
    run = client.start_run(template_id="pr-review")
    faults.plan[f"GET /v1/runs/{run.id}/events"] = ["404"]
    assert list(client.follow_run(run.id)) == []
    assert client.get_run(run.id).status in FINAL_STATUSES
    assert faults.sent("GET", f"/v1/agents/runs/{run.id}")


def test_sse_resumes_after_a_dropped_connection(
    make_client: Callable[..., Client], client: Client, delays: list[float]
) -> None:
    run = wait_until_final(client, client.start_run(template_id="pr-review").id)
    path = f"/v1/runs/{run.id}/events"
    faults = Faults({f"GET {path}": ["cut-after-2"]})
    events = list(make_client(transport=faults).follow_run_sse(run.id))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [r.url.params["after_seq"] for r in faults.sent("GET", path)] == ["0", "2"]
    assert delays == [0.5]


def test_sse_follows_a_live_run(stepped: tuple[LocalServer, SteppedRunner, Client]) -> None:
    _, runner, client = stepped
    run = client.start_run(template_id="pr-review")
    seen: list[int] = []
    runner.release.release(1)
    for event in client.follow_run_sse(run.id):
        seen.append(event.seq)
        if event.seq == 2:
            runner.release.release(5)
    assert seen == list(range(1, 9))
    with pytest.raises(NotFound):
        list(client.follow_run_sse("runs_missing"))


@pytest.fixture
def fake_stream(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[Callable[[ServerConnection], None]], list[str]]]:
    """A WebSocket server with a given behaviour, reached through ELLIPSIS_WS_BASE."""
    monkeypatch.setenv("ELLIPSIS_CONFIG_DIR", str(tmp_path / "no-settings"))
    servers: list[Any] = []

    def start(behaviour: Callable[[ServerConnection], None]) -> list[str]:
        paths: list[str] = []

        def handler(connection: ServerConnection) -> None:
            assert connection.request is not None
            paths.append(connection.request.path)
            behaviour(connection)

        server = serve(handler, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setenv("ELLIPSIS_WS_BASE", f"ws://127.0.0.1:{server.socket.getsockname()[1]}")
        return paths

    yield start
    for server in servers:
        server.shutdown()


def test_an_error_frame_ends_the_stream_and_keepalive_text_is_ignored(
    fake_stream: Any, server: LocalServer, tmp_path: Path
) -> None:
    def crash(connection: ServerConnection) -> None:
        connection.send("not json keepalive")
        connection.send(
            json.dumps({"seq": 1, "type": "run.started", "data": {}, "created_at": "t"})
        )
        connection.send(json.dumps({"type": "error", "message": "agent crashed"}))
        connection.close(1011)

    paths = fake_stream(crash)
    with Client(server.url, API_KEY, environ=dict(os.environ)) as client:
        stream = client.follow_run("runs_x")
        assert next(stream).seq == 1
        with pytest.raises(ControlPlaneError, match="the run stream failed: agent crashed"):
            next(stream)
    assert paths == ["/v1/runs/runs_x/stream"]  # after_seq=0 is left out


def test_a_stream_that_drops_after_each_heartbeat_is_asked_less_and_less_often(
    fake_stream: Any, server: LocalServer
) -> None:
    """Only a new event starts the reconnect delays over: a heartbeat alone made the client
    reconnect every half second, for as long as the server kept it up."""

    def heartbeat_then_drop(connection: ServerConnection) -> None:
        connection.send("keepalive")
        connection.close(1011)

    class Enough(Exception):
        pass

    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 7:
            raise Enough

    fake_stream(heartbeat_then_drop)
    with (
        Client(server.url, API_KEY, environ=dict(os.environ), sleep=sleep) as client,
        pytest.raises(Enough),
    ):
        list(client.follow_run("runs_x"))
    assert sleeps == [0.5, 1, 2, 4, 8, 8, 8]


@pytest.mark.parametrize("code", [1008, 4401])
def test_auth_close_codes_raise_unauthorized(
    fake_stream: Any, server: LocalServer, code: int
) -> None:
    paths = fake_stream(lambda connection: connection.close(code, "not authorized"))
    with (
        Client(server.url, API_KEY, environ=dict(os.environ)) as client,
        pytest.raises(Unauthorized, match="not authorized"),
    ):
        list(client.follow_run("runs_x"))
    assert len(paths) == 1  # no retry


@pytest.fixture
def refusing_handshake(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Callable[[int], None]]:
    """A WebSocket endpoint that refuses the upgrade with an HTTP status (older servers)."""
    monkeypatch.setenv("ELLIPSIS_CONFIG_DIR", str(tmp_path / "no-settings"))
    servers: list[Any] = []

    def start(status: int) -> None:
        def refuse(connection: ServerConnection, request: Any) -> Any:
            return connection.respond(HTTPStatus(status), "refused\n")

        server = serve(lambda connection: None, "127.0.0.1", 0, process_request=refuse)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setenv("ELLIPSIS_WS_BASE", f"ws://127.0.0.1:{server.socket.getsockname()[1]}")

    yield start
    for server in servers:
        server.shutdown()


def test_a_refused_handshake_is_explained_by_the_run_or_falls_back(
    refusing_handshake: Callable[[int], None], server: LocalServer, client: Client
) -> None:
    run = client.start_run(template_id="pr-review")
    refusing_handshake(403)
    with (
        Client(server.url, "wrong-token", environ=dict(os.environ)) as wrong,
        pytest.raises(Unauthorized),  # the run's API says why
    ):
        list(wrong.follow_run(run.id))
    with Client(server.url, API_KEY, environ=dict(os.environ)) as right:
        with pytest.raises(NotFound):
            list(right.follow_run("runs_missing"))
        with pytest.raises(ControlPlaneError, match="not allowed to follow") as forbidden:
            list(right.follow_run(run.id))
        assert forbidden.value.status == 403
    refusing_handshake(404)  # no WebSocket endpoint: read the events over SSE instead
    with Client(server.url, API_KEY, environ=dict(os.environ)) as right:
        assert [e.seq for e in right.follow_run(run.id)] == [1, 2, 3, 4, 5]
