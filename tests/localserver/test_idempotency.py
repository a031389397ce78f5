"""One ``Idempotency-Key`` handling for the core API and the agent deployments dialect: a
repeated key with the same request replays the first response, a different request is a 409,
and the dialect's keys live apart from the core API's. The dialect's write-only ``envs`` are
left out of the comparison, and out of what is kept."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import httpx

from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, wait_for_final

DEPLOYMENT_RUNS = "/v1/agent-deployments/dep_1/runs"
SECRET = "value-3c9e-secret"
TABLES = ("idempotency", "runs", "run_events")


def test_one_key_on_the_core_api_and_on_the_dialect_starts_one_run_each(
    api: httpx.Client,
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    core = api.post("/v1/agents/runs", json={"template_id": "pr-review"}, headers=key)
    dialect = api.post(DEPLOYMENT_RUNS, json={"input": {"task": "a"}}, headers=key)
    assert core.status_code == dialect.status_code == 201
    assert core.json()["id"] != dialect.json()["id"]
    assert "idempotent-replay" not in dialect.headers


def test_both_refuse_a_reused_key_with_the_same_message(api: httpx.Client) -> None:
    key = {"Idempotency-Key": "reused"}
    api.post("/v1/agents/runs", json={"template_id": "pr-review"}, headers=key)
    api.post(DEPLOYMENT_RUNS, json={"input": {"task": "a"}}, headers=key)
    core = api.post("/v1/agents/runs", json={"template_id": "other"}, headers=key)
    dialect = api.post(DEPLOYMENT_RUNS, json={"input": {"task": "b"}}, headers=key)
    assert core.status_code == dialect.status_code == 409
    assert core.json() == dialect.json()
    assert "already used for a different request" in core.json()["detail"]


def test_a_retry_that_differs_only_in_envs_replays_and_keeps_no_value(
    tmp_path: Path, api: httpx.Client
) -> None:
    key = {"Idempotency-Key": "with-envs"}
    first = api.post(DEPLOYMENT_RUNS, json={"input": {}, "envs": {"A": SECRET}}, headers=key)
    again = api.post(DEPLOYMENT_RUNS, json={"input": {}, "envs": {"A": "other"}}, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["idempotent-replay"] == "true"
    wait_for_final(api, first.json()["id"])  # the run's events are written as it runs
    with contextlib.closing(sqlite3.connect(tmp_path / "control-plane.db")) as database:
        kept = [database.execute(f"SELECT * FROM {t}").fetchall() for t in TABLES]
    assert all(kept)
    assert SECRET not in repr(kept)


def test_a_key_repeated_with_the_token_spaced_differently_replays_the_run(
    server: LocalServer,
) -> None:
    """The same credential is one scope: the key's run was started twice, under two api key
    ids, when a retry's ``Authorization`` had two spaces after ``Bearer`` instead of one."""
    body: dict[str, str] = {"template_id": "pr-review"}
    seen: list[tuple[str, str]] = []  # (run id, api key id)
    for spaces in (" ", "  "):
        headers = {"Authorization": f"Bearer{spaces}{API_KEY}", "Idempotency-Key": "k-spaces"}
        response = httpx.post(f"{server.url}/v1/agents/runs", json=body, headers=headers)
        assert response.status_code == 201, response.text
        me = httpx.get(f"{server.url}/v1/me", headers=headers).json()
        seen.append((response.json()["id"], me["api_key_id"]))
    assert seen[0] == seen[1]


def test_a_key_over_255_characters_is_refused_and_starts_nothing(api: httpx.Client) -> None:
    """A key of 64 KB was stored with the response, and the dialect echoes it in every run."""
    for route, body in (
        ("/v1/agents/runs", {"template_id": "pr-review"}),
        (DEPLOYMENT_RUNS, {"input": {"task": "a"}}),
    ):
        refused = api.post(route, json=body, headers={"Idempotency-Key": "k" * 256})
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"][0]["message"] == "Idempotency-Key is over 255 characters"
        assert api.post(route, json=body, headers={"Idempotency-Key": "k" * 255}).status_code == 201
    assert len(api.get("/v1/agents/runs").json()["runs"]) == 2  # the two of 255 only
    assert len(api.get(DEPLOYMENT_RUNS).json()["runs"]) == 1
