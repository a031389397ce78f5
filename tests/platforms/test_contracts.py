"""Contract tests of the adapters' side: each request is checked as the platform's API
reference shows it (method, path, query, headers, body), and each answer is the reference's own
example, parsed field by field.

A recording ``httpx.MockTransport`` stands in for the platform; ``test_dialects.py`` checks the
local server's side of the same contracts, and ``test_adapters.py`` the two together.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, get_args

import httpx
import pytest

from agentsync.platform_statuses import AmbientState, DeploymentStatus, ThreadStatus
from agentsync.platforms.ambient import AmbientAdapter
from agentsync.platforms.base import Http
from agentsync.platforms.deployments import DeploymentsAdapter
from agentsync.platforms.errors import InvalidInput, PlatformError, PlatformHTTPError
from agentsync.platforms.threads import EVENT_TYPES, ThreadsAdapter
from agentsync.platforms.watch import watch

TOKEN = "contract-token-1"
SECRET = "envs-value-must-not-leak-41"
Handler = Callable[[httpx.Request], httpx.Response]


class Platform:
    """A scripted platform: answers in order, and every request it received."""

    def __init__(self, *answers: httpx.Response | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if not self.answers:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        answer = self.answers.pop(0)
        return answer(request) if callable(answer) else answer

    def http(self, **options: Any) -> Http:
        options.setdefault("sleep", lambda _: None)
        return Http(
            "https://api.platform.test", TOKEN, transport=httpx.MockTransport(self), **options
        )

    def body(self, n: int) -> Any:
        return json.loads(self.requests[n].content)


def query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


# 001: POST /v1/agent-deployments/{deployment_id}/runs ---------------------------------------

# the API reference's example answer, with the two required fields it leaves out (mode, status)
SEED_001_RUN = {
    "id": "adrun_1234abcd",
    "deployment_id": "<string>",
    "version_id": "<string>",
    "mode": "job",
    "status": "succeeded",
    "input": {},
    "created_at": "2023-11-07T05:31:56Z",
    "updated_at": "2023-11-07T05:31:56Z",
    "retain_on_failure": True,
    "retention_seconds": 2,
    "sandbox_id": "<string>",
    "process_id": 123,
    "exit_code": 123,
    "failure_reason": "<string>",
    "output_manifest": {},
    "started_at": "2023-11-07T05:31:56Z",
    "completed_at": "2023-11-07T05:31:56Z",
    "idempotency_key": "<string>",
}


def test_001_create_sends_the_seed_request_and_parses_every_field() -> None:
    answer = {
        **SEED_001_RUN,
        "deployment_id": "dep/1",
        "version_id": "ver_7",
        "input": {"ref": "main", "nested": {"n": [1, None]}},
        "sandbox_id": "sbx_9",
        "process_id": 4_294_967_295,  # integer<uint32>
        "exit_code": 3,
        "failure_reason": None,
        "output_manifest": {"outputs": [{"path": "report.md"}]},
        "idempotency_key": "key-1",
    }
    platform = Platform(httpx.Response(201, json=answer))
    with platform.http() as http:
        run = DeploymentsAdapter(http, "dep/1").start(
            {"ref": "main", "nested": {"n": [1, None]}},
            version_id="ver_7",
            envs={"API_KEY": SECRET},
            retain_on_failure=True,
            retention_seconds=2,
            idempotency_key="key-1",
        )
    (request,) = platform.requests
    assert request.method == "POST"
    assert request.url.raw_path == b"/v1/agent-deployments/dep%2F1/runs"
    assert request.headers["Idempotency-Key"] == "key-1"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert platform.body(0) == {
        "version_id": "ver_7",
        "input": {"ref": "main", "nested": {"n": [1, None]}},  # verbatim
        "envs": {"API_KEY": SECRET},
        "retain_on_failure": True,
        "retention_seconds": 2,
    }
    assert (run.id, run.platform, run.status, run.native_status) == (
        "adrun_1234abcd", "deployments", "succeeded", "succeeded"
    )  # fmt: skip
    assert run.created_at == run.started_at == run.completed_at == "2023-11-07T05:31:56Z"
    assert run.exit_code == 3
    assert run.failure_reason is None
    assert run.output == {"outputs": [{"path": "report.md"}]}
    assert run.links == {
        "deployment_id": "dep/1",
        "version_id": "ver_7",
        "sandbox_id": "sbx_9",
        "idempotency_key": "key-1",
    }
    assert run.native == {
        "mode": "job",
        "process_id": 4_294_967_295,
        "retain_on_failure": True,
        "retention_seconds": 2,
        "input": {"ref": "main", "nested": {"n": [1, None]}},
        "updated_at": "2023-11-07T05:31:56Z",
    }
    assert SECRET not in run.model_dump_json()


def test_001_seed_example_parses_with_its_failure_fields() -> None:
    platform = Platform(httpx.Response(201, json={**SEED_001_RUN, "status": "failed"}))
    with platform.http() as http:
        run = DeploymentsAdapter(http, "d").start()
    assert platform.body(0) == {"input": {}}  # the optional fields are left out
    assert "Idempotency-Key" in platform.requests[0].headers  # a fresh key, always sent
    assert (run.status, run.exit_code, run.failure_reason) == ("failed", 123, "<string>")
    assert run.output is None  # an empty manifest
    assert run.native["process_id"] == 123


@pytest.mark.parametrize("status", get_args(DeploymentStatus))
def test_001_every_status_of_the_seed_parses(status: str) -> None:
    expected = {"installing": "starting"}.get(status, status)
    mode = "service" if status == "running" else "job"
    platform = Platform(httpx.Response(200, json={**SEED_001_RUN, "status": status, "mode": mode}))
    with platform.http() as http:
        run = DeploymentsAdapter(http, "d").get("adrun_1234abcd")
    assert (run.status, run.native_status, run.native["mode"]) == (expected, status, mode)
    assert platform.requests[0].url.path == "/v1/agent-deployments/d/runs/adrun_1234abcd"


def test_001_a_retried_create_keeps_its_given_key() -> None:
    platform = Platform(
        httpx.Response(502, json={"detail": "bad gateway"}),
        httpx.Response(429, headers={"Retry-After": "0"}, json={"detail": "slow down"}),
        httpx.Response(201, json=SEED_001_RUN),
    )
    with platform.http() as http:
        DeploymentsAdapter(http, "d").start(idempotency_key="ci-build-77")
    assert [r.headers["Idempotency-Key"] for r in platform.requests] == ["ci-build-77"] * 3
    assert len({r.content for r in platform.requests}) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retention_seconds": 0}, "retention_seconds must be an integer >= 1"),
        ({"retention_seconds": -5}, "retention_seconds must be an integer >= 1"),
        ({"retention_seconds": 2**63}, r"at most 2\^63-1"),
        ({"retention_seconds": 1.5}, "retention_seconds must be an integer"),
        ({"retain_on_failure": "yes"}, "retain_on_failure must be true, false or omitted"),
        ({"version_id": ""}, "version_id must be a non-empty string"),
        ({"idempotency_key": " "}, "Idempotency-Key must be a non-empty string"),
        ({"envs": ["A"]}, "envs must be an object"),
    ],
)
def test_001_bad_options_are_refused_before_any_request(
    options: dict[str, Any], message: str
) -> None:
    platform = Platform()
    with platform.http() as http, pytest.raises(InvalidInput, match=message):
        DeploymentsAdapter(http, "d").start({}, **options)
    assert platform.requests == []


def test_001_retention_of_one_second_is_accepted() -> None:
    platform = Platform(httpx.Response(201, json=SEED_001_RUN))
    with platform.http() as http:
        DeploymentsAdapter(http, "d").start(retention_seconds=1)
    assert platform.body(0)["retention_seconds"] == 1


def test_001_an_error_that_echoes_envs_is_redacted() -> None:
    echo = {"detail": [{"loc": ["body", "envs", "K"], "msg": "bad", "input": SECRET}]}
    platform = Platform(httpx.Response(400, json={"detail": f"refused envs {{'K': '{SECRET}'}}"}))
    with platform.http() as http, pytest.raises(PlatformHTTPError) as error:
        DeploymentsAdapter(http, "d").start(envs={"K": SECRET})
    assert SECRET not in str(error.value)
    assert SECRET not in repr(error.value.detail)
    assert "***" in str(error.value)
    platform = Platform(httpx.Response(422, json=echo))
    with platform.http() as http, pytest.raises(PlatformHTTPError) as error:
        DeploymentsAdapter(http, "d").start(envs={"K": SECRET})
    assert SECRET not in str(error.value)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({k: v for k, v in SEED_001_RUN.items() if k != "status"}, "no field 'status'"),
        ({**SEED_001_RUN, "status": "paused"}, "unknown deployments run status 'paused'"),
        ({**SEED_001_RUN, "id": 7}, "id"),
        ({**SEED_001_RUN, "exit_code": "boom"}, "exit_code"),
        (["not", "a", "run"], "unexpected answer"),
    ],
)
def test_001_an_answer_outside_the_seed_is_one_clear_error(answer: Any, message: str) -> None:
    platform = Platform(httpx.Response(200, json=answer))
    with platform.http() as http, pytest.raises(PlatformError, match=message) as error:
        DeploymentsAdapter(http, "d").get("r")
    assert str(error.value).startswith("unexpected answer from the deployments platform")


# 003: threads ----------------------------------------------------------------------------------

SEED_003_ITEM = {
    "run_id": "run_1",
    "org_id": "org_1",
    "thread_id": "thr_1",
    "status": "completed",
    "model": "claude-3-5-sonnet",
    "persona_id": None,
    "total_input_tokens": 1000,
    "total_output_tokens": 500,
    "total_cost_usd": 0.005,
    "duration_ms": 3200,
    "cache_hit_rate": 0.4,
    "credits_used": 5,
    "created_at": "2024-01-01T00:00:00Z",
    "completed_at": "2024-01-01T00:00:03Z",
    "failed_at": None,
    "created_by_user_id": "user_1",
    "created_by_user_name": "alice",
    "created_by_email": "alice@example.com",
}
SEED_003_DETAIL = {
    "run_id": "run_1",
    "org_id": "org_1",
    "thread_id": "thr_1",
    "created_by_user_id": "user_1",
    "status": "completed",
    "created_at": "2024-01-01T00:00:00Z",
    "trace_id": "trace_1",
}


def detail(status: str, **more: Any) -> httpx.Response:
    return httpx.Response(200, json={**SEED_003_DETAIL, "status": status, **more})


def test_003_create_posts_route_and_persona_and_keeps_the_trace_id() -> None:
    platform = Platform(
        httpx.Response(201, json={"run_id": "run_1", "trace_id": "trace_1"}),
        detail("running", trace_id=None),
    )
    with platform.http() as http:
        run = ThreadsAdapter(http).start("thr_1", route_id="route_9", persona_id="coder@2")
    create, get = platform.requests
    assert (create.method, create.url.path) == ("POST", "/v1/threads/thr_1/runs")
    assert platform.body(0) == {"route_id": "route_9", "persona_id": "coder@2"}
    assert (get.method, get.url.path) == ("GET", "/v1/runs/run_1")
    assert (run.id, run.status, run.native_status) == ("run_1", "running", "running")
    assert run.links["trace_id"] == "trace_1"  # from the create, the detail had none


def test_003_create_without_options_sends_an_empty_body() -> None:
    platform = Platform(
        httpx.Response(201, json={"run_id": "run_1", "trace_id": "t"}), detail("running")
    )
    with platform.http() as http:
        ThreadsAdapter(http).start("thr_1", persona_id="")  # empty: the default persona
    assert platform.body(0) == {}


def test_003_get_parses_the_seed_detail() -> None:
    platform = Platform(detail("completed"))
    with platform.http() as http:
        run = ThreadsAdapter(http).get("run_1")
    assert (run.status, run.native_status, run.created_at) == (
        "succeeded", "completed", "2024-01-01T00:00:00Z"
    )  # fmt: skip
    assert run.links == {"thread_id": "thr_1", "trace_id": "trace_1", "org_id": "org_1"}
    assert run.native == {"created_by_user_id": "user_1"}
    assert run.cost_usd is None  # the detail carries no usage
    assert run.tokens is None


def test_003_global_list_parses_usage_and_pages_with_before_and_status() -> None:
    second = {**SEED_003_ITEM, "run_id": "run_2", "status": "failed", "completed_at": None,
              "failed_at": "2024-01-01T00:00:09Z"}  # fmt: skip
    platform = Platform(
        httpx.Response(200, json=[SEED_003_ITEM, second]),
        httpx.Response(200, json=[{**SEED_003_ITEM, "run_id": "run_3"}]),
    )
    with platform.http() as http:
        runs = list(ThreadsAdapter(http).list(limit=10, page_size=2, status="completed"))
    first, then = platform.requests
    assert (first.method, first.url.path) == ("GET", "/v1/runs")
    assert query(first) == {"limit": "2", "status": "completed"}
    assert query(then) == {"limit": "2", "before": "run_2", "status": "completed"}
    assert [r.id for r in runs] == ["run_1", "run_2", "run_3"]
    run = runs[0]
    assert (run.tokens, run.cost_usd) == (1500, 0.005)
    assert run.completed_at == "2024-01-01T00:00:03Z"
    assert runs[1].completed_at == "2024-01-01T00:00:09Z"  # failed_at
    assert run.links == {"thread_id": "thr_1", "org_id": "org_1", "model": "claude-3-5-sonnet"}
    assert run.native == {
        "total_input_tokens": 1000,
        "total_output_tokens": 500,
        "total_cost_usd": 0.005,
        "duration_ms": 3200,
        "cache_hit_rate": 0.4,
        "credits_used": 5,
        "created_by_user_id": "user_1",
        "created_by_user_name": "alice",
        "created_by_email": "alice@example.com",
    }


@pytest.mark.parametrize("status", ["running", "completed", "failed", "cancelled"])
def test_003_the_seed_status_filters_are_sent(status: str) -> None:
    platform = Platform(httpx.Response(200, json=[]))
    with platform.http() as http:
        assert list(ThreadsAdapter(http).list(limit=5, status=status)) == []
    assert query(platform.requests[0]) == {"limit": "5", "status": status}


def test_003_thread_list_sends_limit_and_parses_the_seed_items() -> None:
    items = [{"run_id": "run_1", "status": "completed", "created_at": "2024-01-01T00:00:00Z"}]
    platform = Platform(httpx.Response(200, json=items))
    with platform.http() as http:
        (run,) = ThreadsAdapter(http).list(limit=7, thread_id="thr_1")
    assert platform.requests[0].url.path == "/v1/threads/thr_1/runs"
    assert query(platform.requests[0]) == {"limit": "7"}
    assert (run.id, run.status, run.created_at) == ("run_1", "succeeded", "2024-01-01T00:00:00Z")
    assert run.links == {"thread_id": "thr_1"}


@pytest.mark.parametrize("status", get_args(ThreadStatus))
def test_003_every_status_parses(status: str) -> None:
    platform = Platform(detail(status))
    with platform.http() as http:
        assert ThreadsAdapter(http).get("run_1").native_status == status


def test_003_cancel_posts_colon_cancel_and_checks_ok() -> None:
    platform = Platform(httpx.Response(200, json={"ok": True}), detail("cancelled"))
    with platform.http() as http:
        run = ThreadsAdapter(http).cancel("run_1")
    assert platform.requests[0].method == "POST"
    assert platform.requests[0].url.raw_path == b"/v1/runs/run_1:cancel"
    assert run.status == "cancelled"
    platform = Platform(httpx.Response(200, json={"ok": False}))
    with platform.http() as http, pytest.raises(PlatformError, match="did not confirm the cancel"):
        ThreadsAdapter(http).cancel("run_1")


def test_003_input_is_sent_only_while_waiting_for_input() -> None:
    content = "é" * (16 * 1024)  # 32 KB of UTF-8 exactly
    platform = Platform(detail("waiting_for_input"), httpx.Response(200, json={"ok": True}))
    with platform.http() as http:
        ThreadsAdapter(http).send_input("run_1", content)
    get, post = platform.requests
    assert (get.method, get.url.path) == ("GET", "/v1/runs/run_1")
    assert (post.method, post.url.path) == ("POST", "/v1/runs/run_1/input")
    assert platform.body(1) == {"content": content}

    platform = Platform(detail("running"))
    with (
        platform.http() as http,
        pytest.raises(PlatformError, match="run_1 is running, not waiting_for_input: input not"),
    ):
        ThreadsAdapter(http).send_input("run_1", "yes")
    assert [r.method for r in platform.requests] == ["GET"]  # the content was never sent

    platform = Platform()
    with platform.http() as http:
        with pytest.raises(InvalidInput, match="32769 bytes; the limit is 32768"):
            ThreadsAdapter(http).send_input("run_1", "x" * (32 * 1024 + 1))
        with pytest.raises(InvalidInput, match="not valid UTF-8"):
            ThreadsAdapter(http).send_input("run_1", "\udcff")
    assert platform.requests == []


def sse(*frames: dict[str, Any] | str) -> httpx.Response:
    lines = [f if isinstance(f, str) else f"data: {json.dumps(f)}" for f in frames]
    body = "\n\n".join(lines) + "\n\n"
    return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, text=body)


def test_003_events_parse_the_seed_frames_and_end_with_the_run() -> None:
    platform = Platform(
        sse(
            ": keepalive",
            {"seq": 1, "type": "run.started", "data": {}, "created_at": "2024-01-01T00:00:00Z"},
            {"seq": 2, "type": "message.delta", "data": {"content": "..."}},
            {"seq": 99, "type": "run.completed", "data": {}},
        )
    )
    with platform.http() as http:
        events = list(ThreadsAdapter(http).events("run_1"))
    (request,) = platform.requests
    assert request.url.path == "/v1/runs/run_1/events"
    assert query(request) == {"after_seq": "0"}
    assert request.headers["Accept"] == "text/event-stream"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert [(e.seq, e.type) for e in events] == [
        (1, "run.started"), (2, "message.delta"), (99, "run.completed")
    ]  # fmt: skip
    assert events[0].created_at == "2024-01-01T00:00:00Z"
    assert events[1].data == {"content": "..."}
    assert events[1].created_at is None


def test_003_every_seed_event_type_is_read_and_the_stream_resumes_after_seq() -> None:
    frames = [{"seq": n, "type": t, "data": {}} for n, t in enumerate(EVENT_TYPES[:5], 1)]
    platform = Platform(
        sse(*frames[:3]),  # the connection ends early...
        detail("running"),  # ...while the run goes on
        sse(*frames[2:], {"seq": 6, "type": "run.failed", "data": {"error": "x"}}),
    )
    with platform.http() as http:
        events = list(ThreadsAdapter(http).events("run_1", after_seq=0))
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]  # seq 3 was not repeated
    assert [e.type for e in events] == [*EVENT_TYPES[:5], "run.failed"]
    assert query(platform.requests[2]) == {"after_seq": "3"}
    assert set(EVENT_TYPES) == {
        "run.started", "message.delta", "tool.call", "tool.result", "run.waiting_for_input",
        "run.completed", "run.failed", "run.cancelled",
    }  # fmt: skip
    for final in ("run.cancelled", "run.completed"):
        platform = Platform(sse({"seq": 1, "type": final, "data": {}}))
        with platform.http() as http:
            assert [e.type for e in ThreadsAdapter(http).events("r", after_seq=0)] == [final]


@pytest.mark.parametrize(
    ("persona", "ok"), [("coder@2", True), ("coder", False), ("a@b@c", False), ("@1", False)]
)
def test_003_persona_id_is_key_at_version(persona: str, ok: bool) -> None:
    answers = [httpx.Response(201, json={"run_id": "r", "trace_id": "t"}), detail("running")]
    platform = Platform(*answers)
    with platform.http() as http:
        if ok:
            ThreadsAdapter(http).start("thr", persona_id=persona)
        else:
            with pytest.raises(InvalidInput, match="persona_id must be persona_key@version"):
                ThreadsAdapter(http).start("thr", persona_id=persona)
            assert platform.requests == []


def test_003_an_answer_outside_the_seed_is_one_clear_error() -> None:
    platform = Platform(httpx.Response(201, json={"id": "r"}))
    with platform.http() as http, pytest.raises(PlatformError, match="no field 'run_id'"):
        ThreadsAdapter(http).start("thr")
    platform = Platform(httpx.Response(200, json={"runs": []}))
    with platform.http() as http, pytest.raises(PlatformError, match="unexpected answer"):
        list(ThreadsAdapter(http).list())


# 004: ambient agents -----------------------------------------------------------------------------

SEED_004_RUN = {
    "run_id": "run_a1",
    "title": "Fix the flaky test",
    "state": "INPROGRESS",
    "prompt": "Fix the flaky test in ci.yml",
    "created_at": "2024-01-01T00:00:00Z",
    "updated_at": "2024-01-01T00:00:05Z",
    "started_at": "2024-01-01T00:00:01Z",
    "source": "API",
    "session_id": "2f0c2a8e-7c55-4a8c-9a8f-0d0e1e3b9c11",
    "session_link": "https://app.example.dev/session/2f0c2a8e",
}


def test_004_run_posts_prompt_title_team_and_parses_the_detail() -> None:
    platform = Platform(
        httpx.Response(200, json={"run_id": "run_a1", "state": "QUEUED"}),
        httpx.Response(200, json=SEED_004_RUN),
    )
    with platform.http() as http:
        run = AmbientAdapter(http).start("Fix the flaky test in ci.yml", title="t", team=True)
    create, get = platform.requests
    assert (create.method, create.url.path) == ("POST", "/agent/run")
    assert platform.body(0) == {
        "prompt": "Fix the flaky test in ci.yml",
        "title": "t",
        "team": True,
    }
    assert (get.method, get.url.path) == ("GET", "/agent/runs/run_a1")
    assert (run.id, run.status, run.native_status) == ("run_a1", "running", "INPROGRESS")
    assert (run.created_at, run.started_at) == ("2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z")
    assert run.links == {
        "title": "Fix the flaky test",
        "source": "API",
        "session_id": "2f0c2a8e-7c55-4a8c-9a8f-0d0e1e3b9c11",
        "session_link": "https://app.example.dev/session/2f0c2a8e",
    }
    assert run.native == {
        "prompt": "Fix the flaky test in ci.yml",
        "updated_at": "2024-01-01T00:00:05Z",
    }


def test_004_run_without_options_sends_team_false() -> None:
    minimal = {k: SEED_004_RUN[k] for k in ("run_id", "title", "state", "prompt")}
    platform = Platform(
        httpx.Response(200, json={"run_id": "run_a1", "state": "QUEUED"}),
        httpx.Response(200, json={**minimal, "created_at": "x", "updated_at": "y"}),
    )
    with platform.http() as http:
        run = AmbientAdapter(http).start("p")
    assert platform.body(0) == {"prompt": "p", "team": False}
    assert run.started_at is None
    assert run.links == {"title": "Fix the flaky test"}


@pytest.mark.parametrize("state", get_args(AmbientState))
def test_004_every_state_parses(state: str) -> None:
    expected = {
        "QUEUED": "queued", "PENDING": "starting", "CLAIMED": "starting", "INPROGRESS": "running",
        "SUCCEEDED": "succeeded", "FAILED": "failed",
    }[state]  # fmt: skip
    platform = Platform(httpx.Response(200, json={**SEED_004_RUN, "state": state}))
    with platform.http() as http:
        run = AmbientAdapter(http).get("run_a1")
    assert (run.status, run.native_status) == (expected, state)


def test_004_list_sends_every_filter_and_follows_the_cursor() -> None:
    def page(ids: list[str], cursor: str | None) -> httpx.Response:
        runs = [{**SEED_004_RUN, "run_id": i} for i in ids]
        info = {"has_next_page": cursor is not None, "next_cursor": cursor}
        return httpx.Response(200, json={"runs": runs, "page_info": info})

    platform = Platform(page(["a", "b"], "c-1"), page(["c"], None))
    filters = {
        "config_name": "triage",
        "model_id": "claude-sonnet-4",
        "creator": "user_42",
        "source": "SCHEDULED_AGENT",
        "created_after": "2024-01-01T00:00:00Z",
        "created_before": "2024-02-01T10:30:00.5+02:00",
    }
    with platform.http() as http:
        runs = list(AmbientAdapter(http).list(limit=20, page_size=2, **filters))
    assert [r.id for r in runs] == ["a", "b", "c"]
    first, then = platform.requests
    assert (first.method, first.url.path) == ("GET", "/agent/runs")
    sent = {**filters, "created_after": "2024-01-01T00:00:00+00:00",
            "created_before": "2024-02-01T10:30:00.500000+02:00"}  # fmt: skip
    assert query(first) == {**sent, "limit": "2"}
    assert query(then) == {**sent, "limit": "2", "cursor": "c-1"}


@pytest.mark.parametrize("source", ["LINEAR", "API", "SLACK", "LOCAL", "SCHEDULED_AGENT"])
def test_004_every_source_is_a_filter(source: str) -> None:
    platform = Platform(
        httpx.Response(200, json={"runs": [], "page_info": {"has_next_page": False}})
    )
    with platform.http() as http:
        assert list(AmbientAdapter(http).list(limit=20, source=source)) == []
    assert query(platform.requests[0]) == {"limit": "20", "source": source}


def test_004_limit_is_1_to_500_a_page() -> None:
    pages = [
        httpx.Response(
            200,
            json={
                "runs": [{**SEED_004_RUN, "run_id": f"r{n}"} for n in range(500)],
                "page_info": {"has_next_page": True, "next_cursor": "next"},
            },
        ),
        httpx.Response(200, json={"runs": [SEED_004_RUN], "page_info": {"has_next_page": False}}),
    ]
    platform = Platform(*pages)
    with platform.http() as http:
        runs = list(AmbientAdapter(http).list(limit=501))
    assert len(runs) == 501
    assert [query(r)["limit"] for r in platform.requests] == ["500", "1"]
    platform = Platform()
    with platform.http() as http:
        for bad in (0, 501):
            with pytest.raises(InvalidInput, match="page size must be 1-500"):
                list(AmbientAdapter(http).list(page_size=bad))
        for name in ("config_name", "creator", "model_id"):
            with pytest.raises(InvalidInput, match=f"{name} must be a non-empty string"):
                list(AmbientAdapter(http).list(**{name: ""}))  # type: ignore[arg-type]
    assert platform.requests == []


def test_004_an_answer_outside_the_seed_is_one_clear_error() -> None:
    platform = Platform(httpx.Response(200, json={"run_id": "r", "state": "RUNNING"}))
    with platform.http() as http, pytest.raises(PlatformError, match="unknown ambient run status"):
        AmbientAdapter(http).start("p")
    platform = Platform(httpx.Response(200, json=[SEED_004_RUN]))
    with platform.http() as http, pytest.raises(PlatformError, match="unexpected answer"):
        list(AmbientAdapter(http).list())


# watch: no request beyond one per poll interval ---------------------------------------------------


def test_polling_watch_from_a_fetched_run_waits_before_its_first_request() -> None:
    states = iter(["QUEUED", "QUEUED", "INPROGRESS", "SUCCEEDED"])
    platform = Platform(
        *[lambda _r: httpx.Response(200, json={**SEED_004_RUN, "state": next(states)})] * 4
    )
    sleeps: list[float] = []
    with platform.http() as http:
        adapter = AmbientAdapter(http)
        first = adapter.get("run_a1")
        updates = list(watch(adapter, "run_a1", sleep=sleeps.append, initial=first))
    assert len(platform.requests) == 4  # the get, then one per interval
    assert sleeps == [0.5, 1.0, 0.5]  # backoff, back to the first after a change
    assert [getattr(u, "native_status", None) for u in updates] == ["INPROGRESS", "SUCCEEDED"]


def test_watching_a_final_run_sends_nothing_more() -> None:
    platform = Platform(httpx.Response(200, json={**SEED_001_RUN, "status": "timed_out"}))
    with platform.http() as http:
        adapter = DeploymentsAdapter(http, "d")
        run = adapter.get("r")
        assert list(watch(adapter, "r", sleep=lambda _: None, initial=run)) == [run]
    assert len(platform.requests) == 1
