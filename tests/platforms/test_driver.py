"""The Ellipsis adapter, watching (streamed and polled), stream resumption, the shared retry
policy and profiles: against the real local control plane on loopback, through real proxies."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
import pytest

from agentsync.client.api import Client
from agentsync.client.records import Run
from agentsync.closeable import Closeable
from agentsync.errors import UsageError
from agentsync.localserver.server import LocalServer
from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Http
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.ellipsis import EllipsisAdapter
from agentsync.platforms.errors import PlatformHTTPError
from agentsync.platforms.model import Event, NormalizedRun
from agentsync.platforms.profiles import load_profile
from agentsync.platforms.threads import ThreadsAdapter
from agentsync.platforms.watch import POLL_CAP, POLL_FIRST, poll_delays, watch
from tests.localserver.conftest import API_KEY, SteppedRunner
from tests.platforms.conftest import until
from tests.sync.support import FaultProxy

# Ellipsis ---------------------------------------------------------------------------------------


@pytest.fixture
def ellipsis(server: LocalServer) -> Iterator[EllipsisAdapter]:
    with Client(server.url, API_KEY, environ={}) as client:
        yield EllipsisAdapter(client)


def test_ellipsis_start_get_events_replay(ellipsis: EllipsisAdapter) -> None:
    run = ellipsis.start(template_id="pr-review", prompt="hi", metadata={"trigger": "ci"})
    assert (run.platform, run.links["source"]) == ("ellipsis", "api")
    assert run.links["metadata"]["trigger"] == "ci"
    events = list(ellipsis.events(run.id))
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].type == "run.completed"
    done = ellipsis.get(run.id)
    assert (done.status, done.native_status) == ("succeeded", "completed")
    assert done.cost_usd == 0.0
    assert done.tokens == 0
    assert done.completed_at is not None
    assert [e.seq for e in ellipsis.events(run.id, after_seq=3)] == [e.seq for e in events[3:]]
    again = ellipsis.replay(run.id, prompt="")
    assert again.links["metadata"]["replay_of"] == run.id


def test_ellipsis_list_pages_through_runs_created_at_the_same_instant(
    server: LocalServer, ellipsis: EllipsisAdapter
) -> None:
    store = server.control_plane.store
    template = ellipsis.client.get_run(ellipsis.start(template_id="pr-review").id)
    stamps = ["2024-01-01T00:00:02.000000Z"] * 3 + ["2024-01-01T00:00:01.000000Z"] * 4
    for n, stamp in enumerate(stamps):
        store.insert_run(template.model_copy(update={"id": f"runs_t{n:02}", "created_at": stamp}))
    listed = [r.id for r in ellipsis.list(limit=100, page_size=2, end="2024-01-02")]
    assert listed == sorted(listed[:3], reverse=True) + sorted(listed[3:], reverse=True)
    assert sorted(listed) == [f"runs_t{n:02}" for n in range(7)]
    assert [r.id for r in ellipsis.list(limit=4, page_size=3, end="2024-01-02")] == listed[:4]


def test_ellipsis_cancel_and_list_filters(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, _ = stepped
    with Client(server.url, API_KEY, environ={}) as client:
        adapter = EllipsisAdapter(client)
        run = adapter.start(template_id="pr-review")
        cancelled = adapter.cancel(run.id)
        runner.release.release(100)
        assert until(lambda: adapter.get(cancelled.id).status == "cancelled")
        assert [r.id for r in adapter.list(sources=["api"])] == [run.id]
        assert list(adapter.list(sources=["cron"])) == []


# watching -------------------------------------------------------------------------------------


def test_poll_delays_double_up_to_the_cap() -> None:
    assert list(itertools.islice(poll_delays(), 7)) == [0.5, 1, 2, 4, 5, 5, 5]
    assert (POLL_FIRST, POLL_CAP) == (0.5, 5.0)


def test_polling_watch_makes_at_most_one_request_per_interval(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, _ = stepped
    with Http(server.url, API_KEY) as http:
        adapter = DeploymentsAdapter(http, "dep_w")
        run = adapter.start({"task": "watch me"})
        sent: list[float] = []
        http.event_hooks["request"].append(lambda request: sent.append(time.monotonic()))
        release = threading.Timer(2.2, runner.release.release, args=(100,))
        release.start()
        began = time.monotonic()
        updates = list(watch(adapter, run.id))
        elapsed = time.monotonic() - began
    final = updates[-1]
    assert isinstance(final, NormalizedRun)
    assert final.status == "succeeded"
    assert all(isinstance(u, NormalizedRun) for u in updates)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert gaps
    assert min(gaps) >= POLL_FIRST * 0.95, gaps
    assert len(sent) <= 1 + elapsed / POLL_FIRST


def test_streaming_watch_yields_events_then_the_final_run(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, _ = stepped
    with Http(server.url, API_KEY) as http:
        adapter = ThreadsAdapter(http)
        run = adapter.start("thr_w")
        runner.release.release(100)
        *events, final = list(watch(adapter, run.id))
    assert all(isinstance(e, Event) for e in events)
    assert [e.type for e in events if isinstance(e, Event)][-1] == "run.completed"
    assert isinstance(final, NormalizedRun)
    assert final.status == "succeeded"


class CuttingRelay(Closeable):
    """A TCP relay on loopback in front of ``upstream`` that cuts each of its first ``cuts``
    connections after ``cut_after`` bytes of answer; records each request's first line."""

    def __init__(self, upstream: str, *, cut_after: int, cuts: int) -> None:
        url = httpx.URL(upstream)
        self.upstream = (url.host, url.port or 80)
        self.cut_after = cut_after
        self.cuts = cuts
        self.requests: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            limit = self.cut_after if self._connections < self.cuts else None
            self._connections += 1
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client, limit), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        first = True
        while data := _recv(client):
            if first:
                self.requests.append(data.split(b"\r\n", 1)[0].decode())
                first = False
            upstream.sendall(data)

    def _down(self, upstream: socket.socket, client: socket.socket, limit: int | None) -> None:
        sent = 0
        while data := _recv(upstream):
            if limit is not None and sent + len(data) >= limit:
                client.sendall(data[: limit - sent])
                break
            client.sendall(data)
            sent += len(data)
        for end in (client, upstream):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)  # wakes the other thread's recv; close alone won't
            end.close()


def _recv(connection: socket.socket) -> bytes:
    try:
        return connection.recv(65536)
    except OSError:
        return b""


def test_threads_stream_resumes_after_a_dropped_connection(server: LocalServer) -> None:
    with Http(server.url, API_KEY) as http:
        adapter = ThreadsAdapter(http)
        run = adapter.start("thr_r")
        until(lambda: adapter.get(run.id).final)
        whole = list(adapter.events(run.id))
    with (
        CuttingRelay(server.url, cut_after=450, cuts=1) as relay,
        Http(relay.url, API_KEY, sleep=lambda _: None) as http,
    ):
        resumed = list(ThreadsAdapter(http).events(run.id))
    assert resumed == whole
    streams = [r for r in relay.requests if "/events" in r]
    assert len(streams) == 2
    assert "after_seq=0" in streams[0]
    assert "after_seq=0" not in streams[1]


def test_threads_stream_gives_up_after_max_retries(server: LocalServer) -> None:
    with Http(server.url, API_KEY) as http:
        run = ThreadsAdapter(http).start("thr_g")
    with (
        CuttingRelay(server.url, cut_after=10, cuts=100) as relay,
        Http(relay.url, API_KEY, max_retries=2, sleep=lambda _: None) as http,
        pytest.raises(PlatformHTTPError, match="broke 3 times in a row"),
    ):
        list(ThreadsAdapter(http).events(run.id))


# the shared retry policy, through a fault-injecting proxy --------------------------------------


def test_reads_retry_through_429_and_5xx(server: LocalServer) -> None:
    delays: list[float] = []
    with Http(server.url, API_KEY) as direct:
        ids = [AmbientAdapter(direct).start(f"task {n}").id for n in range(3)]
    with (
        FaultProxy(server.url, fault_rate=0.5, faults=("500", "429"), seed=3) as proxy,
        Http(proxy.url, API_KEY, max_retries=10, sleep=delays.append) as http,
    ):
        adapter = AmbientAdapter(http)
        for _ in range(5):
            assert [r.id for r in adapter.list(page_size=1)] == ids[::-1]
    assert sum(proxy.injected.values()) > 0
    assert 0.0 in delays  # Retry-After: 0 is obeyed
    assert all(0 <= d <= 8.0 for d in delays)


def test_unsafe_calls_are_not_retried(server: LocalServer) -> None:
    with (
        FaultProxy(server.url, fault_rate=1.0, faults=("500",)) as proxy,
        Http(proxy.url, API_KEY, sleep=lambda _: None) as http,
    ):
        with pytest.raises(PlatformHTTPError, match=r"boom \(HTTP 500\)"):
            ThreadsAdapter(http).start("thr_x")  # a create without an idempotency key
        assert proxy.injected["500"] == 1


def test_an_unreachable_platform_is_one_clear_error() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    with (
        Http(f"http://127.0.0.1:{port}", "t", max_retries=1, sleep=lambda _: None) as http,
        pytest.raises(PlatformHTTPError, match=r"cannot reach http://127\.0\.0\.1") as error,
    ):
        AmbientAdapter(http).get("run_1")
    assert "(no answer)" in str(error.value)


# profiles ---------------------------------------------------------------------------------------


def test_profiles_from_the_file_and_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text('[platforms.t]\nkind = "threads"\nbase_url = "http://a/"\ntoken_env = "TT"\n')
    environ = {"AGENTSYNC_PLATFORMS_FILE": str(path), "TT": "sk-secret-1"}
    profile = load_profile("t", environ)
    assert (profile.kind, profile.base_url, profile.origin) == ("threads", "http://a", f"{path}:1")
    assert profile.token(environ) == "sk-secret-1"
    assert "sk-secret-1" not in repr(profile)
    over = load_profile("t", {**environ, "AGENTSYNC_PLATFORM_T_BASE_URL": "https://b"})
    assert over.base_url == "https://b"
    assert load_profile("ellipsis", environ).kind == "ellipsis"
    with pytest.raises(UsageError, match="a platform name is letters"):
        load_profile("a b", environ)
    with pytest.raises(UsageError, match="AGENTSYNC_PLATFORM_E_KIND: must be one of"):
        load_profile("e", {**environ, "AGENTSYNC_PLATFORM_E_KIND": "nope"})
    default = load_profile(
        "x", {"XDG_CONFIG_HOME": str(tmp_path), "AGENTSYNC_PLATFORM_X_KIND": "ellipsis"}
    )
    assert (default.kind, default.token_env) == ("ellipsis", None)
    defined = {**environ, "AGENTSYNC_PLATFORM_PROD_DEPLOYS_KIND": "deployments"}
    with pytest.raises(UsageError) as missing:
        load_profile("nowhere", defined)
    # the environment's profiles are known too (the list held the file's only)
    assert str(missing.value).endswith("(known: ellipsis, prod_deploys, t)")


def test_a_run_record_maps_onto_the_normalized_run() -> None:
    run = Run(
        id="runs_1", customer_id="c", created_at="2024-01-01T00:00:00Z",
        updated_at="2024-01-01T00:00:05Z", status="stopped", status_reason="over budget",
        source="cron", agent_config_id="agent_1", cost_tokens=150_000, tokens_total=9,
    )  # fmt: skip
    from agentsync.platforms.ellipsis import to_normalized

    normalized = to_normalized(run)
    assert (normalized.status, normalized.native_status) == ("failed", "stopped")
    assert normalized.cost_usd == 1.5
    assert normalized.failure_reason == "over budget"
    assert normalized.completed_at == "2024-01-01T00:00:05Z"
    assert normalized.links == {"source": "cron", "config_id": "agent_1"}
