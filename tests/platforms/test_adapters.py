"""The adapters end to end against the real local server, and their local validation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer
from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Http
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.errors import InvalidInput, PlatformError, Unsupported
from agentsync.platforms.threads import ThreadsAdapter
from tests.localserver.conftest import API_KEY, SteppedRunner, server_options
from tests.platforms.conftest import until

SECRET = "s3cr3t-envs-value-7f1c"


@pytest.fixture
def http(server: LocalServer) -> Iterator[Http]:
    with Http(server.url, API_KEY) as client:
        yield client


def _refusing() -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.method} {request.url}")

    return httpx.MockTransport(handler)


# end to end ---------------------------------------------------------------------------------


def test_deployments_start_get_list_cancel(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, _ = stepped
    with Http(server.url, API_KEY) as http:
        adapter = DeploymentsAdapter(http, "dep_9")
        run = adapter.start({"task": "x"}, retention_seconds=60, retain_on_failure=True)
        assert run.platform == "deployments"
        assert run.native["mode"] == "job"
        assert run.native["input"] == {"task": "x"}
        assert (run.native["retention_seconds"], run.native["retain_on_failure"]) == (60, True)
        assert run.status in {"queued", "starting", "running"}
        assert adapter.get(run.id).id == run.id
        other = adapter.start({"task": "y"})
        assert [r.id for r in adapter.list(limit=10)] == [other.id, run.id]
        assert [r.id for r in adapter.list(limit=1)] == [other.id]
        cancelled = adapter.cancel(run.id)
        runner.release.release(100)
        done = until(lambda: (r := adapter.get(cancelled.id)).final and r)
        assert done.status == "cancelled"
        assert until(lambda: adapter.get(other.id).final)


def test_threads_start_get_list_cancel(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, _ = stepped
    with Http(server.url, API_KEY) as http:
        adapter = ThreadsAdapter(http)
        runs = [adapter.start("thr_a", persona_id="p@1") for _ in range(3)]
        assert runs[0].links["thread_id"] == "thr_a"
        assert runs[0].status == "running"
        listed = list(adapter.list(limit=10))
        assert [r.id for r in listed] == [r.id for r in runs[::-1]]
        assert {"total_input_tokens", "total_output_tokens", "total_cost_usd"} <= set(
            listed[0].native
        )
        assert listed[0].tokens == 0
        assert listed[0].cost_usd == 0.0
        assert [r.id for r in adapter.list(limit=2)] == [r.id for r in runs[::-1][:2]]
        assert len(list(adapter.list(thread_id="thr_a"))) == 3
        assert list(adapter.list(thread_id="thr_b")) == []
        assert adapter.cancel(runs[0].id).id == runs[0].id
        runner.release.release(100)
        assert until(lambda: adapter.get(runs[0].id).status == "cancelled")
        with pytest.raises(PlatformError, match="not waiting_for_input: input not sent"):
            adapter.send_input(runs[1].id, "yes")


def test_threads_list_follows_before_cursor_across_pages(http: Http) -> None:
    adapter = ThreadsAdapter(http)
    ids = [adapter.start("t").id for _ in range(5)]
    assert [r.id for r in adapter.list(limit=100, page_size=2)] == ids[::-1]


def test_ambient_start_get_list(http: Http) -> None:
    adapter = AmbientAdapter(http)
    runs = [adapter.start(f"Do thing {n}", title=f"Thing {n}") for n in range(3)]
    assert runs[0].links["title"] == "Thing 0"
    done = until(lambda: (r := adapter.get(runs[0].id)).final and r)
    assert done.status == "succeeded"
    assert done.native_status == "SUCCEEDED"
    assert [r.id for r in adapter.list(limit=10, page_size=2)] == [r.id for r in runs[::-1]]
    assert [r.id for r in adapter.list(limit=10, source="API")] == [r.id for r in runs[::-1]]
    with pytest.raises(Unsupported):
        adapter.cancel(runs[0].id)


# local validation: refused before any request -----------------------------------------------


def test_deployments_validates_locally() -> None:
    with Http("http://platform.invalid", "t", transport=_refusing()) as http:
        adapter = DeploymentsAdapter(http, "dep")
        with pytest.raises(InvalidInput, match="retention_seconds must be an integer >= 1"):
            adapter.start({}, retention_seconds=0)
        with pytest.raises(InvalidInput, match="retention_seconds"):
            adapter.start({}, retention_seconds=True)  # type: ignore[arg-type]
        with pytest.raises(InvalidInput, match="not an environment variable name"):
            adapter.start({}, envs={"1X": "v"})
        with pytest.raises(InvalidInput, match="envs: 'A=B' is not an environment variable"):
            adapter.start({}, envs={"A=B": SECRET})
        with pytest.raises(InvalidInput, match="LD_PRELOAD is refused") as error:
            adapter.start({}, envs={"LD_PRELOAD": SECRET})
        assert SECRET not in str(error.value)
        with pytest.raises(InvalidInput, match="bash_env is refused like BASH_ENV"):
            adapter.start({}, envs={"bash_env": SECRET})
        with pytest.raises(InvalidInput, match="the value of API_KEY must be a string") as error:
            adapter.start({}, envs={"API_KEY": 123})  # type: ignore[dict-item]
        with pytest.raises(InvalidInput, match="NUL") as error:
            adapter.start({}, envs={"API_KEY": SECRET + "\0"})
        assert SECRET not in str(error.value)
        with pytest.raises(InvalidInput, match="input must be an object"):
            adapter.start(["x"])  # type: ignore[arg-type]


def test_threads_validates_locally() -> None:
    with Http("http://platform.invalid", "t", transport=_refusing()) as http:
        adapter = ThreadsAdapter(http)
        with pytest.raises(InvalidInput, match=r"40960 bytes; the limit is 32768 \(32 KB\)"):
            adapter.send_input("run_1", "x" * 40 * 1024)
        with pytest.raises(InvalidInput, match="status must be one of"):
            list(adapter.list(status="done"))
        with pytest.raises(InvalidInput, match="thread id"):
            adapter.start("")


def test_ambient_validates_locally() -> None:
    with Http("http://platform.invalid", "t", transport=_refusing()) as http:
        adapter = AmbientAdapter(http)
        with pytest.raises(InvalidInput, match="prompt is required"):
            adapter.start("  ")
        with pytest.raises(InvalidInput, match="source must be one of"):
            list(adapter.list(source="EMAIL"))
        with pytest.raises(InvalidInput, match="with an offset"):
            list(adapter.list(created_after=datetime(2024, 1, 1)))
        with pytest.raises(InvalidInput, match="with an offset"):
            list(adapter.list(created_before="2024-01-01T00:00:00"))
        with pytest.raises(InvalidInput, match="created_after: not an RFC 3339 date-time"):
            list(adapter.list(created_after="yesterday"))
        with pytest.raises(InvalidInput, match="created_after: not an RFC 3339 date-time"):
            list(adapter.list(created_after="2024-01-01"))
        for bad in (0, 501):
            with pytest.raises(InvalidInput, match=f"page size must be 1-500, got {bad}"):
                list(adapter.list(page_size=bad))
        with pytest.raises(InvalidInput, match="unknown filters"):
            list(adapter.list(colour="red"))


# retries keep the Idempotency-Key ------------------------------------------------------------


def test_deployments_retry_reuses_idempotency_key() -> None:
    keys: list[str] = []
    run = {"id": "adrun_1", "deployment_id": "d", "version_id": "v", "mode": "job",
           "status": "queued", "input": {}, "created_at": "2023-11-07T05:31:56Z",
           "updated_at": "2023-11-07T05:31:56Z"}  # fmt: skip

    def handler(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["Idempotency-Key"])
        if len(keys) == 1:
            raise httpx.ConnectError("dropped")
        if len(keys) == 2:
            return httpx.Response(503, json={"detail": "busy"})
        return httpx.Response(201, json=run)

    transport = httpx.MockTransport(handler)
    with Http("http://platform.test", "t", transport=transport, sleep=lambda _: None) as http:
        result = DeploymentsAdapter(http, "d").start({}, envs={"K": SECRET})
    assert result.status == "queued"
    assert len(keys) == 3
    assert len(set(keys)) == 1


# envs: into the runner, nowhere else ---------------------------------------------------------


class RecordingRunner:
    name = "recording"

    def __init__(self) -> None:
        self.environments: list[dict[str, str]] = []

    def execute(self, context: RunContext) -> RunOutcome:
        self.environments.append(dict(context.environment))
        return RunOutcome("completed", output="ok")


def test_envs_reach_the_runner_and_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    runner = RecordingRunner()
    responses: list[str] = []

    def keep(response: httpx.Response) -> None:
        response.read()
        responses.append(response.text)

    with LocalServer(server_options(tmp_path, runner=runner)) as server:
        with Http(server.url, API_KEY) as http:
            http._client.event_hooks["response"].append(keep)
            adapter = DeploymentsAdapter(http, "dep_env")
            run = adapter.start({"task": "t"}, envs={"SERVICE_TOKEN": SECRET})
            assert until(lambda: adapter.get(run.id).final)
            list(adapter.list())
            assert SECRET not in repr(adapter) + repr(http)
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}) as c:
            events = c.get(f"/v1/runs/{run.id}/events").text
            raw = c.get(f"/v1/agents/runs/{run.id}").text
    assert runner.environments == [{"SERVICE_TOKEN": SECRET}]
    assert responses
    for text in [*responses, events, raw, caplog.text]:
        assert SECRET not in text
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("control-plane.db*"))
    assert stored
    assert SECRET.encode() not in stored
    assert json.dumps(SECRET).encode() not in stored
