"""Contract tests: each dialect endpoint, called and parsed exactly as its API reference shows."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from agentsync.localserver.dialects import inputs_of
from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, SteppedRunner, server_options
from tests.platforms.conftest import until

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
DEPLOYMENT_FIELDS = {
    "id", "deployment_id", "version_id", "mode", "status", "input", "created_at", "updated_at",
    "retain_on_failure", "retention_seconds", "sandbox_id", "process_id", "exit_code",
    "failure_reason", "output_manifest", "started_at", "completed_at", "idempotency_key",
}  # fmt: skip
DEPLOYMENT_STATUSES = {
    "queued", "starting", "installing", "running", "succeeded", "failed", "cancelled", "timed_out"
}  # fmt: skip
LIST_ITEM_FIELDS = {
    "run_id", "org_id", "thread_id", "status", "model", "persona_id", "total_input_tokens",
    "total_output_tokens", "total_cost_usd", "duration_ms", "cache_hit_rate", "credits_used",
    "created_at", "completed_at", "failed_at", "created_by_user_id", "created_by_user_name",
    "created_by_email",
}  # fmt: skip
AUTH = {"Authorization": f"Bearer {API_KEY}"}
AMBIENT_STATES = {"QUEUED", "PENDING", "CLAIMED", "INPROGRESS", "SUCCEEDED", "FAILED"}


def _deployment_run(api: httpx.Client, key: str = "key-1", **body: Any) -> httpx.Response:
    body = {"version_id": "v7", "input": {"task": "hi"}, **body}
    return api.post("/v1/agent-deployments/dep_1/runs", json=body, headers={"Idempotency-Key": key})


# 001 ------------------------------------------------------------------------------------------


def test_001_create_returns_the_seed_fields(api: httpx.Client) -> None:
    response = _deployment_run(api, retain_on_failure=True, retention_seconds=2)
    assert response.status_code == 201, response.text
    run = response.json()
    assert set(run) == DEPLOYMENT_FIELDS
    assert isinstance(run["id"], str)
    assert run["deployment_id"] == "dep_1"
    assert run["version_id"] == "v7"
    assert run["mode"] in {"job", "service"}
    assert run["status"] in DEPLOYMENT_STATUSES
    assert run["input"] == {"task": "hi"}
    assert RFC3339.match(run["created_at"])
    assert RFC3339.match(run["updated_at"])
    assert run["retain_on_failure"] is True
    assert run["retention_seconds"] == 2
    assert run["idempotency_key"] == "key-1"
    assert isinstance(run["output_manifest"], dict)


def test_001_finished_run_has_exit_code_and_times(api: httpx.Client) -> None:
    run_id = _deployment_run(api).json()["id"]
    path = f"/v1/agent-deployments/dep_1/runs/{run_id}"
    run = until(lambda: (r := api.get(path).json())["status"] == "succeeded" and r)
    assert run["exit_code"] == 0
    assert run["failure_reason"] is None
    assert RFC3339.match(run["started_at"])
    assert RFC3339.match(run["completed_at"])
    assert run["output_manifest"]["outputs"]
    assert api.get(f"/v1/agent-deployments/dep_other/runs/{run_id}").status_code == 404


def test_001_requires_idempotency_key(api: httpx.Client) -> None:
    response = api.post("/v1/agent-deployments/dep_1/runs", json={"input": {}})
    assert response.status_code in (400, 422)
    assert "Idempotency-Key" in response.text


def test_001_same_key_same_run_other_body_409(api: httpx.Client) -> None:
    first = _deployment_run(api, key="k")
    again = _deployment_run(api, key="k")
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replay"] == "true"
    assert _deployment_run(api, key="k", input={"task": "other"}).status_code == 409


def test_001_validation(api: httpx.Client) -> None:
    assert _deployment_run(api, key="a", retention_seconds=0).status_code == 422
    assert _deployment_run(api, key="b", envs={"A": 1}).status_code == 422
    assert _deployment_run(api, key="c", envs={"1BAD": "x"}).status_code == 422
    for key, name in enumerate(["BASH_ENV", "LD_PRELOAD", "PATH", "ld_preload", "A=B"]):
        refused = _deployment_run(api, key=f"e{key}", envs={name: "/tmp/value-7f1c"})
        assert refused.status_code == 422, refused.text
        assert name in refused.text
        assert "/tmp/value-7f1c" not in refused.text
    response = api.post(
        "/v1/agent-deployments/dep_1/runs", json={}, headers={"Idempotency-Key": "d"}
    )
    assert response.status_code == 201  # every field is optional


def test_001_needs_bearer(server: LocalServer) -> None:
    response = httpx.post(
        f"{server.url}/v1/agent-deployments/dep_1/runs",
        json={},
        headers={"Idempotency-Key": "x"},
    )
    assert response.status_code == 401


def test_001_list_and_cancel_ours(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    _, runner, api = stepped
    ids = [_deployment_run(api, key=f"k{n}").json()["id"] for n in range(3)]
    page = api.get("/v1/agent-deployments/dep_1/runs", params={"limit": 2}).json()
    assert [r["id"] for r in page["runs"]] == ids[::-1][:2]
    rest = api.get(
        "/v1/agent-deployments/dep_1/runs", params={"limit": 2, "cursor": page["next_cursor"]}
    ).json()
    assert [r["id"] for r in rest["runs"]] == ids[:1]
    assert rest["next_cursor"] is None
    cancelled = api.post(f"/v1/agent-deployments/dep_1/runs/{ids[0]}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    runner.release.release(100)
    path = f"/v1/agent-deployments/dep_1/runs/{ids[0]}"
    run = until(lambda: (r := api.get(path).json())["status"] == "cancelled" and r)
    assert run["failure_reason"]


# 003 ------------------------------------------------------------------------------------------


def test_003_create_list_get(api: httpx.Client) -> None:
    created = api.post("/v1/threads/thr_1/runs", json={"persona_id": "coder@2"})
    assert created.status_code == 201
    body = created.json()
    assert set(body) == {"run_id", "trace_id"}
    run_id = body["run_id"]
    assert api.post("/v1/threads/thr_2/runs", json={}).status_code == 201

    items = api.get("/v1/threads/thr_1/runs", params={"limit": 10}).json()
    assert [set(i) for i in items] == [{"run_id", "status", "created_at"}]
    assert items[0]["run_id"] == run_id

    detail = until(
        lambda: (r := api.get(f"/v1/runs/{run_id}").json())["status"] == "completed" and r
    )
    assert set(detail) == {
        "run_id", "org_id", "thread_id", "created_by_user_id", "status", "created_at", "trace_id"
    }  # fmt: skip
    assert detail["thread_id"] == "thr_1"
    assert detail["trace_id"] == body["trace_id"]

    runs = api.get("/v1/runs", params={"limit": 10}).json()
    assert isinstance(runs, list)
    assert len(runs) == 2
    assert all(set(r) == LIST_ITEM_FIELDS for r in runs)
    mine = next(r for r in runs if r["run_id"] == run_id)
    assert mine["persona_id"] == "coder@2"
    assert isinstance(mine["total_input_tokens"], int)
    assert isinstance(mine["total_cost_usd"], float)
    assert isinstance(mine["duration_ms"], int)
    assert RFC3339.match(mine["completed_at"])
    assert mine["failed_at"] is None


def test_003_list_pages_with_before_and_filters_status(api: httpx.Client) -> None:
    ids = [api.post("/v1/threads/t/runs", json={}).json()["run_id"] for _ in range(3)]
    first = api.get("/v1/runs", params={"limit": 2}).json()
    assert [r["run_id"] for r in first] == ids[::-1][:2]
    second = api.get("/v1/runs", params={"limit": 2, "before": first[-1]["run_id"]}).json()
    assert [r["run_id"] for r in second] == ids[:1]
    until(lambda: all(api.get(f"/v1/runs/{i}").json()["status"] == "completed" for i in ids))
    assert len(api.get("/v1/runs", params={"status": "completed"}).json()) == 3
    assert api.get("/v1/runs", params={"status": "failed"}).json() == []
    assert api.get("/v1/runs", params={"status": "bogus"}).status_code == 422
    assert api.get("/v1/runs", params={"before": "nope"}).status_code == 422


def test_003_cancel_and_input(stepped: tuple[LocalServer, SteppedRunner, httpx.Client]) -> None:
    _, runner, api = stepped
    run_id = api.post("/v1/threads/t/runs", json={}).json()["run_id"]
    assert api.post(f"/v1/runs/{run_id}/input", json={"content": "yes"}).status_code == 409
    too_big = {"content": "x" * (32 * 1024 + 1)}
    assert api.post(f"/v1/runs/{run_id}/input", json=too_big).status_code == 422
    response = api.post(f"/v1/runs/{run_id}:cancel")
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    runner.release.release(100)
    until(lambda: api.get(f"/v1/runs/{run_id}").json()["status"] == "cancelled")
    assert api.post(f"/v1/runs/{run_id}:cancel").status_code == 409
    assert api.post("/v1/runs/missing:cancel").status_code == 404


def test_003_does_not_shadow_events(api: httpx.Client) -> None:
    run_id = api.post("/v1/threads/t/runs", json={}).json()["run_id"]
    until(lambda: api.get(f"/v1/runs/{run_id}").json()["status"] == "completed")
    events = api.get(f"/v1/runs/{run_id}/events")
    assert events.status_code == 200
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "run.completed" in events.text


def test_003_runs_of_other_dialects_are_not_found(api: httpx.Client) -> None:
    run_id = _deployment_run(api).json()["id"]
    assert api.get(f"/v1/runs/{run_id}").status_code == 404
    assert api.get("/v1/runs").json() == []


# 004 ------------------------------------------------------------------------------------------


def test_004_run_and_get(api: httpx.Client) -> None:
    created = api.post("/agent/run", json={"prompt": "Fix the flaky test", "team": True})
    assert created.status_code == 200
    body = created.json()
    assert set(body) == {"run_id", "state"}
    assert body["state"] in AMBIENT_STATES
    run = until(
        lambda: (r := api.get(f"/agent/runs/{body['run_id']}").json())["state"] == "SUCCEEDED" and r
    )
    assert {"run_id", "title", "state", "prompt", "created_at", "updated_at"} <= set(run)
    assert set(run) <= {
        "run_id", "title", "state", "prompt", "created_at", "updated_at", "started_at",
        "source", "session_id", "session_link",
    }  # fmt: skip
    assert run["prompt"] == "Fix the flaky test"
    assert run["title"] == "Fix the flaky test"
    assert run["source"] == "API"
    assert RFC3339.match(run["started_at"])
    assert api.post("/agent/run", json={"title": "no prompt"}).status_code == 422


def test_004_list_pages_newest_first_and_filters(api: httpx.Client) -> None:
    ids = [
        api.post("/agent/run", json={"prompt": f"task {n}", "title": f"T{n}"}).json()["run_id"]
        for n in range(3)
    ]
    first = api.get("/agent/runs", params={"limit": 2}).json()
    assert [r["run_id"] for r in first["runs"]] == ids[::-1][:2]
    assert first["page_info"]["has_next_page"] is True
    second = api.get(
        "/agent/runs", params={"limit": 2, "cursor": first["page_info"]["next_cursor"]}
    ).json()
    assert [r["run_id"] for r in second["runs"]] == ids[:1]
    assert second["page_info"]["has_next_page"] is False

    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert api.get("/agent/runs", params={"created_after": future}).json()["runs"] == []
    assert len(api.get("/agent/runs", params={"created_before": future}).json()["runs"]) == 3
    assert len(api.get("/agent/runs", params={"source": "API"}).json()["runs"]) == 3
    assert api.get("/agent/runs", params={"source": "LOCAL"}).json()["runs"] == []
    assert api.get("/agent/runs", params={"limit": 0}).status_code == 422
    assert api.get("/agent/runs", params={"limit": 501}).status_code == 422
    assert api.get("/agent/runs", params={"created_after": "yesterday"}).status_code == 422
    assert api.get("/agent/runs/missing").status_code == 404


# 003: interactive input, and the event stream's types -----------------------------------------


class AskingRunner:
    """Asks for input once, then completes with the answer as its output."""

    name = "asking"

    def __init__(self) -> None:
        self.server: LocalServer | None = None

    def execute(self, context: RunContext) -> RunOutcome:
        assert self.server is not None
        context.emit("tool.call", {"name": "deploy"})
        answer = inputs_of(self.server.control_plane).ask(context, "Deploy?", timeout=10)
        context.emit("tool.result", {"name": "deploy", "answer": answer})
        return RunOutcome("completed", output=f"answer: {answer}")


def test_003_input_is_taken_only_while_waiting_for_input(tmp_path: Path) -> None:
    runner = AskingRunner()
    server = LocalServer(server_options(tmp_path, runner=runner))
    runner.server = server
    with server, httpx.Client(base_url=server.url, headers=AUTH, timeout=10) as api:
        run_id = api.post("/v1/threads/t/runs", json={}).json()["run_id"]
        until(lambda: api.get(f"/v1/runs/{run_id}").json()["status"] == "waiting_for_input")
        listed = api.get("/v1/runs", params={"status": "waiting_for_input"}).json()
        assert [r["run_id"] for r in listed] == [run_id]
        assert api.get("/v1/threads/t/runs").json()[0]["status"] == "waiting_for_input"
        too_big = api.post(f"/v1/runs/{run_id}/input", json={"content": "x" * (32 * 1024 + 1)})
        assert too_big.status_code == 422
        exactly = api.post(f"/v1/runs/{run_id}/input", json={"content": "y" * 32 * 1024})
        assert exactly.status_code == 200
        assert exactly.json() == {"ok": True}
        until(lambda: api.get(f"/v1/runs/{run_id}").json()["status"] == "completed")
        late = api.post(f"/v1/runs/{run_id}/input", json={"content": "again"})
        assert late.status_code == 409
        assert api.post(f"/v1/runs/{run_id}/input", json={}).status_code == 422
        stream = api.get(f"/v1/runs/{run_id}/events", headers={"Accept": "text/event-stream"})
        resumed = api.get(f"/v1/runs/{run_id}/events", params={"after_seq": 3}).text
    frames = [
        json.loads(line[6:]) for line in stream.text.splitlines() if line.startswith("data: ")
    ]
    assert [f["type"] for f in frames] == [
        "run.started", "tool.call", "run.waiting_for_input", "tool.result", "run.completed"
    ]  # fmt: skip
    assert all(set(f) == {"seq", "type", "data", "created_at"} for f in frames)
    assert [f["seq"] for f in frames] == [1, 2, 3, 4, 5]
    assert frames[2]["data"] == {"content": "Deploy?"}
    assert [
        json.loads(line[6:])["seq"] for line in resumed.splitlines() if line[:6] == "data: "
    ] == [4, 5]


# 004: every filter, and the limit's bounds ------------------------------------------------------


def test_004_filters_by_config_name_model_and_creator(api: httpx.Client) -> None:
    run_id = api.post("/agent/run", json={"prompt": "p"}).json()["run_id"]
    creator = api.get(f"/v1/agents/runs/{run_id}").json()["metadata"]["created_by"]
    runs = api.get("/agent/runs").json()["runs"]
    assert [r["run_id"] for r in runs] == [run_id]
    assert len(api.get("/agent/runs", params={"config_name": "ambient agent"}).json()["runs"]) == 1
    assert api.get("/agent/runs", params={"config_name": "other"}).json()["runs"] == []
    assert api.get("/agent/runs", params={"model_id": "no-such-model"}).json()["runs"] == []
    assert api.get("/agent/runs", params={"creator": "user_nobody"}).json()["runs"] == []
    assert len(api.get("/agent/runs", params={"creator": creator}).json()["runs"]) == 1
    assert api.get("/agent/runs", params={"limit": 500}).status_code == 200
    assert api.get("/agent/runs", params={"limit": 1}).status_code == 200
    assert api.get("/agent/runs", params={"cursor": "nope"}).status_code == 422
    assert api.get("/agent/runs", params={"source": "EMAIL"}).status_code == 422


def test_004_list_limit_defaults_to_20(api: httpx.Client) -> None:
    ids = [api.post("/agent/run", json={"prompt": f"p{n}"}).json()["run_id"] for n in range(21)]
    page = api.get("/agent/runs").json()
    assert [r["run_id"] for r in page["runs"]] == ids[::-1][:20]
    assert page["page_info"]["has_next_page"] is True
    rest = api.get("/agent/runs", params={"cursor": page["page_info"]["next_cursor"]}).json()
    assert [r["run_id"] for r in rest["runs"]] == ids[:1]


def test_003_thread_list_honours_limit(api: httpx.Client) -> None:
    ids = [api.post("/v1/threads/t9/runs", json={}).json()["run_id"] for _ in range(3)]
    items = api.get("/v1/threads/t9/runs", params={"limit": 2}).json()
    assert [i["run_id"] for i in items] == ids[::-1][:2]
    assert api.get("/v1/threads/t9/runs", params={"limit": 0}).status_code == 422
