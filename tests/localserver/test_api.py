"""The local control plane's /v1 surface over real HTTP on loopback: auth, errors, runs,
replay semantics, the config read side, the sync API, idempotency and event streams."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from agentsync.localserver.middleware import MAX_BODY_BYTES
from agentsync.localserver.routers import events as events_router
from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, VALID_YAML, SteppedRunner, wait_for_final

# auth and errors ---------------------------------------------------------------------------

V1_ROUTES = [
    ("GET", "/v1/agents/runs"),
    ("POST", "/v1/agents/runs"),
    ("GET", "/v1/agents/runs/runs_x"),
    ("POST", "/v1/agents/runs/runs_x/replay"),
    ("POST", "/v1/agents/runs/runs_x/cancel"),
    ("GET", "/v1/agents/configs"),
    ("GET", "/v1/agents/configs/agent_x"),
    ("PUT", "/v1/sync/configs"),
    ("GET", "/v1/sync/configs"),
    ("POST", "/v1/sync/configs/agent_x/move"),
    ("DELETE", "/v1/sync/configs/agent_x"),
    ("POST", "/v1/sync/configs/agent_x/restore"),
    ("POST", "/v1/sync/configs/agent_x/error"),
    ("GET", "/v1/sync/repositories/acme/app"),
    ("PUT", "/v1/sync/repositories/acme/app"),
    ("GET", "/v1/me"),
    ("GET", "/v1/runs/runs_x/events"),
]


@pytest.mark.parametrize(("method", "path"), V1_ROUTES)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {API_KEY}", "Bearer"])
def test_every_v1_route_needs_a_configured_token(
    shared_server: LocalServer, method: str, path: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = httpx.request(method, shared_server.url + path, headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == {"detail": "missing or invalid bearer token"}
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["www-authenticate"] == "Bearer"


def test_request_ids_are_unique_and_on_every_response(api: httpx.Client) -> None:
    ids = {api.get(path).headers["x-request-id"] for path in ("/v1/me", "/nope", "/v1/me")}
    assert len(ids) == 3


def test_errors_are_json_detail(api: httpx.Client) -> None:
    missing = api.get("/v1/agents/runs/runs_nope")
    assert (missing.status_code, missing.json()) == (404, {"detail": "run runs_nope not found"})
    bad = api.post(
        "/v1/agents/runs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert bad.status_code == 422
    assert isinstance(bad.json()["detail"], list)


def test_request_bodies_are_capped(api: httpx.Client) -> None:
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "a/b", "path": "agents/x.yaml", "yaml": "#" * MAX_BODY_BYTES},
    )
    assert response.status_code == 413
    assert "limit" in response.json()["detail"]


# runs --------------------------------------------------------------------------------------


def test_source_comes_from_the_credential_never_the_body(
    api: httpx.Client, user: httpx.Client, config_id: str
) -> None:
    by_key = api.post("/v1/agents/runs", json={"config_id": config_id, "source": "cron"})
    by_user = user.post("/v1/agents/runs", json={"config_id": config_id, "source": "cron"})
    assert (by_key.status_code, by_key.json()["source"]) == (201, "api")
    assert (by_user.status_code, by_user.json()["source"]) == (201, "cli")


def test_run_object_and_dry_run_outcome(api: httpx.Client, config_id: str) -> None:
    before = api.get(f"/v1/agents/configs/{config_id}").json()["updated_at"]
    created = api.post(
        "/v1/agents/runs",
        json={"config_id": config_id, "prompt": "Focus on lockfiles.", "metadata": {"sha": "abc"}},
    ).json()
    assert created["id"].startswith("runs_")
    assert created["status"] == "scheduled"
    run = wait_for_final(api, created["id"])
    assert run["status"] == "completed"
    assert run["agent_config_id"] == config_id
    assert run["metadata"] == {"sha": "abc"}
    assert run["prompt"] == "Focus on lockfiles."
    assert run["output"] == "Audit the dependencies.\n\nFocus on lockfiles."
    assert run["config_snapshot"]["claude"]["system"] == "Audit the dependencies."
    for money in ("cost_tokens", "cost_sandbox_cpu", "cost_sandbox_memory", "cost_fee"):
        assert run[money] == 0
    config = api.get(f"/v1/agents/configs/{config_id}").json()
    assert config["last_job_run_id"] == run["id"]
    assert config["updated_at"] == before  # a run is not an edit of its config


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "give exactly one of config_id, config or template_id"),
        ({"config_id": "x", "template_id": "pr-review"}, "give exactly one of"),
        (
            {"template_id": "pr-review", "config_override": {}, "config_override_yaml": ""},
            "give at most one of config_override and config_override_yaml",
        ),
        (
            {"config": {"ellipsis": {}, "claude": {"system": "x"}}, "config_override": {}},
            "config_override applies only with config_id or template_id",
        ),
    ],
)
def test_start_run_request_rules(api: httpx.Client, body: dict[str, Any], detail: str) -> None:
    response = api.post("/v1/agents/runs", json=body)
    assert response.status_code == 422
    assert detail in response.json()["detail"]


def test_inline_config_and_template(api: httpx.Client) -> None:
    inline = api.post(
        "/v1/agents/runs", json={"config": {"ellipsis": {}, "claude": {"system": "Say hi."}}}
    )
    assert inline.status_code == 201
    assert inline.json()["agent_config_id"] is None
    template = api.post("/v1/agents/runs", json={"template_id": "pr-review"})
    assert template.status_code == 201
    unknown = api.post("/v1/agents/runs", json={"template_id": "nope"})
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "template 'nope' not found")


def test_invalid_inline_config_gets_diagnostics(api: httpx.Client) -> None:
    response = api.post(
        "/v1/agents/runs", json={"config": {"ellipsis": {"version": "v2"}, "triggers": []}}
    )
    assert response.status_code == 422
    rules = {d["rule"] for d in response.json()["detail"]}
    assert rules == {"version", "system-prompt"}


def test_override_is_merged_and_revalidated(api: httpx.Client, config_id: str) -> None:
    ok = api.post(
        "/v1/agents/runs",
        json={"config_id": config_id, "config_override_yaml": "limits:\n  run: 2.5\n"},
    ).json()
    assert ok["config_snapshot"]["limits"]["run"] == 2.5
    assert ok["config_snapshot"]["claude"]["system"] == "Audit the dependencies."
    bad = api.post(
        "/v1/agents/runs",
        json={
            "config_id": config_id,
            "config_override": {"triggers": [{"type": "cron", "schedule": "61 * * * *"}]},
        },
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["rule"] == "cron-schedule"
    assert bad.json()["detail"][0]["path"] == "triggers[0].schedule"
    broken_yaml = api.post(
        "/v1/agents/runs", json={"config_id": config_id, "config_override_yaml": "limits: [\n"}
    )
    assert broken_yaml.status_code == 422


def test_list_runs_filters_and_order(api: httpx.Client, user: httpx.Client, config_id: str) -> None:
    first = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    second = user.post("/v1/agents/runs", json={"config_id": config_id}).json()
    third = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    everything = api.get("/v1/agents/runs").json()["runs"]
    assert [r["id"] for r in everything] == [third["id"], second["id"], first["id"]]
    by_config = api.get("/v1/agents/runs", params={"config_id": config_id}).json()["runs"]
    assert [r["id"] for r in by_config] == [second["id"], first["id"]]
    by_source = api.get("/v1/agents/runs", params=[("source", "cli"), ("source", "cron")]).json()
    assert [r["id"] for r in by_source["runs"]] == [second["id"]]
    both = api.get("/v1/agents/runs", params=[("source", "cli"), ("source", "api")]).json()
    assert len(both["runs"]) == 3
    assert len(api.get("/v1/agents/runs", params={"limit": 2}).json()["runs"]) == 2
    assert len(api.get("/v1/agents/runs", params={"days": 1}).json()["runs"]) == 3
    future = api.get("/v1/agents/runs", params={"start": "2999-01-01T00:00:00Z"}).json()
    assert future["runs"] == []
    past = api.get("/v1/agents/runs", params={"end": "2000-01-01T00:00:00Z"}).json()
    assert past["runs"] == []


def test_replay_reuses_the_frozen_snapshot(api: httpx.Client, config_id: str) -> None:
    original = api.post("/v1/agents/runs", json={"config_id": config_id, "prompt": "first"}).json()
    changed = VALID_YAML.replace("Audit the dependencies.", "Something else entirely.")
    api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/audit.yaml", "yaml": changed},
    )
    replay = api.post(f"/v1/agents/runs/{original['id']}/replay", json={}).json()
    assert replay["config_snapshot"] == original["config_snapshot"]
    assert replay["prompt"] == "first"
    assert replay["metadata"]["replay_of"] == original["id"]
    current = api.post(
        f"/v1/agents/runs/{original['id']}/replay", json={"config_id": config_id, "prompt": ""}
    ).json()
    assert current["config_snapshot"]["claude"]["system"] == "Something else entirely."
    assert current["prompt"] is None
    raised = api.post(
        f"/v1/agents/runs/{original['id']}/replay",
        json={"config_override_yaml": "limits:\n  run: 10.0", "prompt": "again"},
    ).json()
    assert raised["config_snapshot"]["limits"]["run"] == 10.0
    assert raised["prompt"] == "again"


def test_cancel(api: httpx.Client, config_id: str) -> None:
    run = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    wait_for_final(api, run["id"])
    finished = api.post(f"/v1/agents/runs/{run['id']}/cancel")
    assert finished.status_code == 409
    assert "already finished" in finished.json()["detail"]
    assert api.post("/v1/agents/runs/runs_nope/cancel").status_code == 404


def test_idempotency_key_returns_the_same_run(api: httpx.Client, config_id: str) -> None:
    headers = {"Idempotency-Key": "deploy-42"}
    body = {"config_id": config_id, "metadata": {"deploy": "42"}}
    first = api.post("/v1/agents/runs", json=body, headers=headers)
    second = api.post("/v1/agents/runs", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replay"] == "true"
    assert len(api.get("/v1/agents/runs").json()["runs"]) == 1
    other = api.post("/v1/agents/runs", json={"config_id": config_id}, headers=headers)
    assert other.status_code == 409


# configs and the sync API -----------------------------------------------------------------------


def test_config_record_shape(api: httpx.Client, config_id: str) -> None:
    record = api.get(f"/v1/agents/configs/{config_id}").json()
    assert set(record) >= {
        "id", "customer_id", "created_at", "updated_at", "deleted", "last_job_run_id",
        "last_synced_commit_sha", "last_sync_error", "agent_config", "repository", "path",
        "sha", "yaml", "enabled", "agent_config_source_details", "edited_by", "sync_error",
    }  # fmt: skip
    assert record["agent_config"]["enabled"] is True  # normalized: defaults filled in
    assert record["sha"].startswith("sha256:")
    listed = api.get("/v1/agents/configs").json()["configs"]
    assert [c["id"] for c in listed] == [config_id]


def test_invalid_yaml_changes_nothing(api: httpx.Client, config_id: str) -> None:
    before = api.get(f"/v1/agents/configs/{config_id}").json()
    response = api.put(
        "/v1/sync/configs",
        json={
            "repository": "acme/app",
            "path": "agents/audit.yaml",
            "yaml": "ellipsis: {version: v2}\n",
        },
    )
    assert response.status_code == 422
    assert {d["rule"] for d in response.json()["detail"]} == {"version", "system-prompt"}
    assert api.get(f"/v1/agents/configs/{config_id}").json() == before


def test_sync_lifecycle(api: httpx.Client, config_id: str) -> None:
    updated = api.put(
        "/v1/sync/configs",
        json={
            "repository": "acme/app",
            "path": "agents/audit.yaml",
            "yaml": VALID_YAML + "enabled: false\n",
            "commit": "c2",
        },
    )
    assert (updated.status_code, updated.json()["id"]) == (200, config_id)
    assert updated.json()["enabled"] is False
    assert updated.json()["last_synced_commit_sha"] == "c2"
    error = api.post(
        f"/v1/sync/configs/{config_id}/error",
        json={"message": "invalid", "commit": "c3", "diagnostics": [{"rule": "version"}]},
    ).json()
    assert error["last_sync_error"] == "invalid"
    assert error["sync_error"]["commit"] == "c3"
    assert error["sync_error"]["diagnostics"] == [{"rule": "version"}]
    assert error["agent_config"] == updated.json()["agent_config"]  # last good stays in force
    moved = api.post(f"/v1/sync/configs/{config_id}/move", json={"path": "agents/moved.yaml"})
    assert moved.json()["path"] == "agents/moved.yaml"
    deleted = api.delete(f"/v1/sync/configs/{config_id}").json()
    assert deleted["deleted"] is True
    assert api.get("/v1/sync/configs", params={"repository": "acme/app"}).json()["configs"] == []
    with_deleted = api.get(
        "/v1/sync/configs", params={"repository": "acme/app", "include_deleted": True}
    ).json()
    assert [c["id"] for c in with_deleted["configs"]] == [config_id]
    refused = api.post("/v1/agents/runs", json={"config_id": config_id})
    assert refused.status_code == 404
    restored = api.post(f"/v1/sync/configs/{config_id}/restore").json()
    assert restored["deleted"] is False
    assert api.get(f"/v1/agents/configs/{config_id}").json()["id"] == config_id


def test_move_onto_an_occupied_path_conflicts(api: httpx.Client, config_id: str) -> None:
    api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/b.yaml", "yaml": VALID_YAML},
    )
    response = api.post(f"/v1/sync/configs/{config_id}/move", json={"path": "agents/b.yaml"})
    assert response.status_code == 409


def test_sync_listing_pages_with_a_cursor(api: httpx.Client) -> None:
    ids = {
        api.put(
            "/v1/sync/configs",
            json={"repository": "acme/app", "path": f"agents/{n}.yaml", "yaml": VALID_YAML},
        ).json()["id"]
        for n in range(5)
    }
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"repository": "acme/app", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/v1/sync/configs", params=params).json()
        seen += [c["id"] for c in page["configs"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert (pages, sorted(seen)) == (3, sorted(ids))


def test_limits_are_clamped_on_save_and_both_values_shown(api: httpx.Client) -> None:
    record = api.put(
        "/v1/sync/configs",
        json={
            "repository": "acme/app",
            "path": "agents/big.yaml",
            "yaml": "ellipsis: {}\nclaude: {system: hi}\nlimits: {run: 80, day: 500}\n",
        },
    ).json()
    assert record["agent_config"]["limits"]["run"] == 50.0
    assert record["requested_limits"]["run"] == 80.0


def test_repository_commit_state(api: httpx.Client) -> None:
    assert api.get("/v1/sync/repositories/acme/app").json() == {
        "repository": "acme/app",
        "commit": None,
    }
    api.put("/v1/sync/repositories/acme/app", json={"commit": "abc123"})
    assert api.get("/v1/sync/repositories/acme/app").json()["commit"] == "abc123"


def test_schema_and_me(server: LocalServer, api: httpx.Client) -> None:
    schema = httpx.get(server.url + "/agents/schema").json()
    assert schema["title"] == "Ellipsis agent config (v1)"
    assert api.get("/v1/me").json()["credential"] == "api"


# event streams ---------------------------------------------------------------------------------


def _ws_url(server: LocalServer, run_id: str, after_seq: int) -> str:
    return f"ws://{server.host}:{server.port}/v1/runs/{run_id}/stream?after_seq={after_seq}"


def test_websocket_streams_live_and_resumes_without_loss_or_repeat(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, api = stepped
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    seen: list[int] = []
    with connect(_ws_url(server, run["id"], 0), additional_headers=headers) as socket:
        runner.release.release(2)
        while len(seen) < 3:  # run.started + 2 deltas, live
            frame = json.loads(socket.recv(timeout=5))
            if frame["type"] != "heartbeat":
                seen.append(frame["seq"])
    # the connection dropped; the run goes on without us
    runner.release.release(4)
    with connect(_ws_url(server, run["id"], seen[-1]), additional_headers=headers) as socket:
        while True:
            frame = json.loads(socket.recv(timeout=5))
            seen.append(frame["seq"])
            if frame["type"] == "run.completed":
                break
        assert close_code(socket) == 1000
    assert seen == list(range(1, 9))  # started, 6 deltas, completed


def close_code(socket: ClientConnection) -> int | None:
    """Read until the server closes the socket; the close code it sent (None: no close frame)."""
    try:
        while True:
            socket.recv(timeout=5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def test_websocket_close_codes(server: LocalServer, api: httpx.Client, config_id: str) -> None:
    run = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    bad = {"Authorization": "Bearer bad"}
    with connect(_ws_url(server, run["id"], 0), additional_headers=bad) as socket:
        assert close_code(socket) == 4401
    good = {"Authorization": f"Bearer {API_KEY}"}
    with connect(_ws_url(server, "runs_missing", 0), additional_headers=good) as socket:
        assert close_code(socket) == 4403


def test_a_server_error_closes_the_websocket_with_1011(
    server: LocalServer, api: httpx.Client, config_id: str
) -> None:
    run = api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    server.control_plane.store.close()  # every read fails from now on
    good = {"Authorization": f"Bearer {API_KEY}"}
    with connect(_ws_url(server, run["id"], 0), additional_headers=good) as socket:
        assert close_code(socket) == 1011


def test_sse_resumes_with_after_seq(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    _, runner, api = stepped
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    runner.release.release(6)
    wait_for_final(api, run["id"])

    def read(after_seq: int) -> list[dict[str, Any]]:
        with api.stream(
            "GET", f"/v1/runs/{run['id']}/events", params={"after_seq": after_seq}
        ) as stream:
            return [
                json.loads(line[6:]) for line in stream.iter_lines() if line.startswith("data: ")
            ]

    everything = read(0)
    assert [e["seq"] for e in everything] == list(range(1, 9))
    assert [e["type"] for e in everything][:2] == ["run.started", "message.delta"]
    assert everything[-1]["type"] == "run.completed"
    assert set(everything[0]) == {"seq", "type", "data", "created_at"}
    assert [e["seq"] for e in read(5)] == [6, 7, 8]


def test_the_event_stream_sends_an_id_and_a_data_line_per_event_and_heartbeat_comments(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, runner, api = stepped
    monkeypatch.setattr(events_router, "HEARTBEAT_SECONDS", 0.05)
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    with api.stream("GET", f"/v1/runs/{run['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-cache"
        chunks = stream.iter_raw()
        first = b""
        while b": heartbeat\n\n" not in first:  # the run is quiet until released
            first += next(chunks)
        runner.release.release(6)
        raw = (first + b"".join(chunks)).decode()
    messages = raw.split("\n\n")
    assert messages[-1] == ""  # the stream ends after the last message, when the run ends
    heartbeats = [m for m in messages if m == ": heartbeat"]
    events = [m.split("\n") for m in messages[:-1] if m != ": heartbeat"]
    assert heartbeats
    assert "\r" not in raw
    for seq, (id_line, data_line) in enumerate(events, start=1):
        assert id_line == f"id: {seq}"
        assert json.loads(data_line.removeprefix("data: "))["seq"] == seq
    assert len(events) == 8
    assert json.loads(events[-1][1][6:])["type"] == "run.completed"


def test_cancel_a_live_run(stepped: tuple[LocalServer, SteppedRunner, httpx.Client]) -> None:
    _, runner, api = stepped
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    runner.release.release(1)
    deadline = time.monotonic() + 5
    while api.get(f"/v1/agents/runs/{run['id']}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    cancelled = api.post(f"/v1/agents/runs/{run['id']}/cancel")
    assert cancelled.status_code == 200
    runner.release.release(1)
    final = wait_for_final(api, run["id"])
    assert final["status"] == "cancelled"
    events = api.get(f"/v1/runs/{run['id']}/events").text
    assert '"type": "run.cancelled"' in events


def test_a_reader_that_leaves_a_quiet_run_is_released_at_once(
    stepped: tuple[LocalServer, SteppedRunner, httpx.Client],
) -> None:
    server, runner, api = stepped
    run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
    headers = {"Authorization": f"Bearer {API_KEY}"}
    bus = server.control_plane.runs.bus
    with connect(_ws_url(server, run["id"], 0), additional_headers=headers) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "run.started"
        assert bus.subscribers(run["id"]) == 1
    # The run is quiet (no event for 20 s would pass before a send could notice the client
    # left), yet its follower is gone as soon as the client closes.
    deadline = time.monotonic() + 2
    while bus.subscribers(run["id"]):
        assert time.monotonic() < deadline, "the stream kept following a client that left"
        time.sleep(0.01)
    runner.release.release(6)
    assert wait_for_final(api, run["id"])["status"] == "completed"


def test_every_stream_ends_with_the_final_event(
    server: LocalServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader must never see a finished run whose log has not ended: the run's final state
    and its final event are stored together. Slow event writes widen any gap between the two
    (were they stored apart, a reader would close the stream before the final event)."""
    store = server.control_plane.store
    append = store.append_event

    def slow_append(run_id: str, type_: str, data: dict[str, Any]) -> Any:
        time.sleep(0.05)
        return append(run_id, type_, data)

    monkeypatch.setattr(store, "append_event", slow_append)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    for _ in range(3):
        run = api.post("/v1/agents/runs", json={"template_id": "pr-review"}).json()
        with connect(_ws_url(server, run["id"], 0), additional_headers=headers) as socket:
            frames = []
            with contextlib.suppress(ConnectionClosed):
                while True:
                    frames.append(json.loads(socket.recv(timeout=5)))
        assert [f["type"] for f in frames][-1:] == ["run.completed"], frames
        assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))


def test_an_unknown_run_source_is_refused(api: httpx.Client) -> None:
    """``?source=bogus`` is a 422 naming the allowed sources, never an empty list."""
    refused = api.get("/v1/agents/runs", params={"source": "bogus"})
    assert refused.status_code == 422
    assert "cron" in refused.text
    assert api.get("/v1/agents/runs", params={"source": ["cron", "api"]}).status_code == 200


def test_the_cli_knows_every_run_source() -> None:
    from typing import get_args

    from agentsync.cli.run import SOURCES
    from agentsync.client.records import RunSource

    assert get_args(RunSource) == SOURCES
