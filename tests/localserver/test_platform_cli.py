"""What the platform's own ``agent`` CLI (the "runs" generation) needs from the server, checked
on the wire: its stream dialect (chosen by its User-Agent), its ``/v1/me`` fields, templates,
the shapes it reads, and clear answers for the platform routes a local server cannot serve."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentsync.localserver.routers.events import announced_status
from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, SteppedRunner

CLI = {"Authorization": f"Bearer {API_KEY}", "User-Agent": "ellipsis-cli/0.1.6"}


def frames_until_close(socket: ClientConnection) -> tuple[list[dict[str, Any]], int | None]:
    frames: list[dict[str, Any]] = []
    try:
        while True:
            frames.append(json.loads(socket.recv(timeout=5)))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd is not None else None


def url(server: LocalServer, run_id: str, query: str = "") -> str:
    return f"ws://{server.host}:{server.port}/v1/runs/{run_id}/stream{query}"


def test_cli_dialect_streams_live_status_output_and_done(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, api = stepped
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    with connect(url(server, run["id"]), additional_headers=CLI) as socket:
        first = json.loads(socket.recv(timeout=5))
        assert first["type"] == "status"
        runner.release.release(6)
        frames, code = frames_until_close(socket)
    assert code == 1000
    statuses = [f["status"] for f in [first, *frames] if f["type"] == "status"]
    assert "running" in statuses
    assert statuses[-1] == "completed"
    output = [f for f in frames if f["type"] == "stdout"]
    assert [f["data"] for f in output] == [f"part {n}" for n in range(6)]
    assert [f["seq"] for f in output] == list(range(2, 8))  # the log's seq: resumable
    assert frames[-1] == {"type": "done", "status": "completed", "exit_status": None}


def test_cli_dialect_resume_past_the_end_still_ends_with_done(
    server: LocalServer, api: httpx.Client, config_id: str
) -> None:
    run = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    with connect(url(server, run["id"]), additional_headers=CLI) as socket:
        frames, _ = frames_until_close(socket)
    last_seq = max(f["seq"] for f in frames if "seq" in f)
    with connect(
        url(server, run["id"], f"?after_seq={last_seq + 10}"), additional_headers=CLI
    ) as socket:
        resumed, code = frames_until_close(socket)
    assert [f["type"] for f in resumed] == ["status", "done"]
    assert resumed[-1]["status"] == "completed"
    assert code == 1000


def test_cli_dialect_errors(server: LocalServer, api: httpx.Client, config_id: str) -> None:
    run = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    bad = {**CLI, "Authorization": "Bearer wrong"}
    with connect(url(server, run["id"]), additional_headers=bad) as socket:
        assert frames_until_close(socket) == ([], 1008)  # the CLI's "bad credentials"
    with connect(url(server, "runs_missing"), additional_headers=CLI) as socket:
        frames, _ = frames_until_close(socket)
    assert frames == [{"type": "error", "message": "run runs_missing not found"}]


def test_protocol_query_selects_the_cli_dialect(server: LocalServer, api: httpx.Client) -> None:
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    with connect(url(server, run["id"], "?protocol=frames"), additional_headers=headers) as socket:
        frames, _ = frames_until_close(socket)
    assert frames[-1]["type"] == "done"
    with connect(url(server, run["id"]), additional_headers=headers) as socket:
        events, _ = frames_until_close(socket)
    assert {"seq", "type", "data", "created_at"} == set(events[0])  # the documented default


def test_me_has_the_fields_the_cli_reads(api: httpx.Client, user: httpx.Client) -> None:
    me = api.get("/v1/me").json()
    assert set(me) >= {
        "customer_id",
        "customer_login",
        "user_id",
        "gh_user",
        "api_key_id",
        "sandbox_id",
    }
    assert me["customer_login"] == "local"
    assert me["api_key_id"].startswith("key_")
    assert user.get("/v1/me").json()["api_key_id"] is None


def test_templates(api: httpx.Client) -> None:
    templates = api.get("/v1/agents/templates").json()["templates"]
    slugs = [t["slug"] for t in templates]
    assert "welcome-to-ellipsis" in slugs
    for template in templates:
        assert set(template) == {
            "slug",
            "name",
            "description",
            "tags",
            "summary",
            "use_case",
            "yaml",
        }
    one = api.get("/v1/agents/templates/pr-review").json()
    assert one["name"] == "Pull request review"
    assert api.get("/v1/agents/templates/nope").status_code == 404
    run = api.post("/v1/agents/runs", json={"template_id": "welcome-to-ellipsis"})
    assert run.status_code == 201


def test_platform_routes_a_local_server_cannot_serve(api: httpx.Client) -> None:
    init = api.post("/v1/agents/configs", json={"template_id": "pr-review", "repository": "app"})
    assert init.status_code == 405
    assert "agent sync apply" in init.json()["detail"]
    login = httpx.post(str(api.base_url) + "/v1/cli-auth/start")
    assert login.status_code == 501
    assert "ELLIPSIS_API_TOKEN" in login.json()["detail"]


def test_config_records_carry_the_cli_fields(api: httpx.Client, config_id: str) -> None:
    record = api.get("/v1/agents/configs").json()["configs"][0]
    assert record["agent_config_source_details"] == {
        "repo_id": None, "repository": "acme/app", "path": "agents/audit.yaml", "branch": "HEAD",
    }  # fmt: skip
    assert record["last_sync_error"] is None
    assert record["edited_by"] is None


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"start": "2000-01-01"}, 1),
        ({"start": "2999-01-01T00:00:00+02:00"}, 0),
        ({"end": "2000-01-01"}, 0),
        ({"end": "2999-12-31"}, 1),
        ({"limit": 5000}, 1),
    ],
)
def test_list_runs_time_bounds_are_parsed(
    api: httpx.Client, config_id: str, params: dict[str, Any], found: int
) -> None:
    api.post("/v1/agents/runs", json={"config_id": config_id})
    response = api.get("/v1/agents/runs", params=params)
    assert response.status_code == 200, response.text
    assert len(response.json()["runs"]) == found


def test_a_bad_time_bound_is_a_clear_422(api: httpx.Client) -> None:
    response = api.get("/v1/agents/runs", params={"start": "yesterday"})
    assert response.status_code == 422
    assert "start must be an ISO 8601 date" in response.json()["detail"]


def test_an_internal_error_is_json_with_its_request_id(
    server: LocalServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(server.control_plane.runs, "find", broken)
    response = api.get("/v1/agents/runs")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "internal error",
        "request_id": response.headers["x-request-id"],
    }


def test_statuses_the_log_announces_are_sent_in_the_logs_order() -> None:
    """A short run may be over before the stream reads ``run.started``: the frame still says
    ``running`` (from the log), and a wake-up that already sees the end waits for its event."""

    def finished() -> str:
        return "completed"

    started = {"type": "run.started", "seq": 1}
    assert announced_status("event", started, finished) == "running"
    assert announced_status("event", {"type": "message.delta", "seq": 2}, finished) is None
    assert announced_status("wake", None, finished) is None
    assert announced_status("event", {"type": "run.completed", "seq": 3}, finished) == "completed"
    assert announced_status("wake", None, lambda: "creating_sandbox") == "creating_sandbox"
    assert announced_status("heartbeat", None, finished) == "completed"
