"""The sandbox-variables API against the real server: values are write-only (never in a
response or a log), encrypted at rest, and resolved into a run's environment by name."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.runners import CommandRunner
from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, server_options, wait_for_final

SECRET = "s3cr3t-Value-9f8e7d6c"
OTHER_SECRET = "another-Secret-0a1b2c3d"


@pytest.fixture
def checked(tmp_path: Path) -> Iterator[tuple[LocalServer, httpx.Client]]:
    """A server whose runs succeed only when the command sees DEPLOY_TOKEN == SECRET."""
    runner = CommandRunner(["sh", "-c", f'test "$DEPLOY_TOKEN" = "{SECRET}"'])
    with (
        LocalServer(server_options(tmp_path, runner=runner, cron_interval=None)) as server,
        httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
        ) as api,
    ):
        yield server, api


def put(api: httpx.Client, **variables: str) -> httpx.Response:
    body = {"variables": [{"name": k, "value": v} for k, v in variables.items()]}
    return api.put("/v1/sandboxes/variables", json=body)


def run_config(*names: str) -> dict[str, Any]:
    return {
        "ellipsis": {"version": "v1", "name": "Deployer"},
        "claude": {"system": "Deploy."},
        "sandbox": {"variables": [{"name": name} for name in names]},
    }


def test_put_list_and_delete_never_show_a_value(api: httpx.Client) -> None:
    assert api.get("/v1/sandboxes/variables").json() == {"variables": []}
    response = put(api, DEPLOY_TOKEN=SECRET, LOG_LEVEL=OTHER_SECRET)
    assert response.status_code == 200, response.text
    listed = response.json()["variables"]
    assert [v["name"] for v in listed] == ["DEPLOY_TOKEN", "LOG_LEVEL"]
    assert all(set(v) == {"name", "created_at", "updated_at"} for v in listed)
    first = listed[0]

    again = put(api, DEPLOY_TOKEN=OTHER_SECRET).json()["variables"][0]
    assert again["created_at"] == first["created_at"]
    assert again["updated_at"] > first["updated_at"]

    listing = api.get("/v1/sandboxes/variables")
    assert [v["name"] for v in listing.json()["variables"]] == ["DEPLOY_TOKEN", "LOG_LEVEL"]
    deleted = api.delete("/v1/sandboxes/variables/LOG_LEVEL")
    assert deleted.status_code == 200  # the platform CLI reads the remaining list
    assert [v["name"] for v in deleted.json()["variables"]] == ["DEPLOY_TOKEN"]
    missing = api.delete("/v1/sandboxes/variables/LOG_LEVEL")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "sandbox variable LOG_LEVEL not found"}
    assert [v["name"] for v in api.get("/v1/sandboxes/variables").json()["variables"]] == [
        "DEPLOY_TOKEN"
    ]
    for text in (response.text, listing.text, deleted.text, missing.text):
        assert SECRET not in text
        assert OTHER_SECRET not in text


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ([{"name": "1TOKEN", "value": SECRET}], "not an environment variable name"),
        ([{"name": "MY-TOKEN", "value": SECRET}], "not an environment variable name"),
        ([{"name": "", "value": SECRET}], "not an environment variable name"),
        ([{"name": "A" * 300, "value": SECRET}], "longer than 256"),
        ([{"name": "A", "value": SECRET}, {"name": "A", "value": SECRET}], "given twice"),
        ([{"name": "NUL", "value": SECRET + "\0"}], "NUL"),
        ([{"name": "BIG", "value": SECRET * 5000}], "longer than 65536"),
        ([{"name": "NUMBER", "value": 12345}], "valid string"),
        ([{"name": "MISSING"}], "Field required"),
        ([{"name": "EXTRA", "value": SECRET, "secret": True}], "Extra inputs"),
    ],
)
def test_invalid_variables_are_refused_and_nothing_is_stored(
    api: httpx.Client, variables: list[dict[str, Any]], message: str
) -> None:
    body = {"variables": [{"name": "GOOD", "value": SECRET}, *variables]}
    response = api.put("/v1/sandboxes/variables", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert SECRET not in response.text
    assert "12345" not in response.text
    assert api.get("/v1/sandboxes/variables").json() == {"variables": []}


def test_values_are_encrypted_at_rest(
    server: LocalServer, api: httpx.Client, tmp_path: Path
) -> None:
    assert put(api, DEPLOY_TOKEN=SECRET).status_code == 200
    database = Path(server_options(tmp_path).db)  # the ``server`` fixture's database
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    assert {p.name for p in files} >= {database.name, database.name + "-wal"}
    for path in files:
        assert SECRET.encode() not in path.read_bytes(), path
    stored = server.control_plane.store.get_variable("DEPLOY_TOKEN")
    assert stored is not None
    assert server.control_plane.vault is not None
    assert server.control_plane.vault.decrypt(stored) == SECRET


def test_a_run_resolves_a_stored_variable(checked: tuple[LocalServer, httpx.Client]) -> None:
    _, api = checked
    assert put(api, DEPLOY_TOKEN=SECRET).status_code == 200
    run = api.post("/v1/agents/runs", json={"config": run_config("DEPLOY_TOKEN")}).json()
    final = wait_for_final(api, run["id"])
    assert final["status"] == "completed", final  # `test "$DEPLOY_TOKEN" = SECRET` held

    assert put(api, DEPLOY_TOKEN=OTHER_SECRET).status_code == 200
    run = api.post("/v1/agents/runs", json={"config": run_config("DEPLOY_TOKEN")}).json()
    final = wait_for_final(api, run["id"])
    assert (final["status"], final["status_reason"]) == ("error", "command exited with code 1")

    for record in (
        api.get(f"/v1/agents/runs/{run['id']}"),
        api.get(f"/v1/runs/{run['id']}/events"),
    ):
        assert SECRET not in record.text
        assert OTHER_SECRET not in record.text


def test_a_run_whose_variable_is_missing_fails_at_once(
    checked: tuple[LocalServer, httpx.Client],
) -> None:
    _, api = checked
    config = run_config("DEPLOY_TOKEN", "SLACK_TOKEN")
    run = api.post("/v1/agents/runs", json={"config": config}).json()
    final = wait_for_final(api, run["id"])
    assert final["status"] == "error"
    assert final["status_reason"] == (
        "sandbox variables DEPLOY_TOKEN, SLACK_TOKEN not set: "
        "add inline values, or set them with `agent sandbox var set NAME`"
    )
    events = api.get(f"/v1/runs/{run['id']}/events").text
    assert "run.started" not in events  # the command never ran
    assert '"type": "run.failed"' in events


def test_values_are_never_logged(
    checked: tuple[LocalServer, httpx.Client], caplog: pytest.LogCaptureFixture
) -> None:
    _, api = checked
    caplog.set_level(logging.DEBUG)
    assert put(api, DEPLOY_TOKEN=SECRET).status_code == 200
    assert put(api, BAD_NAME_=SECRET + "\0").status_code == 422
    run = api.post("/v1/agents/runs", json={"config": run_config("DEPLOY_TOKEN")}).json()
    assert wait_for_final(api, run["id"])["status"] == "completed"
    assert api.delete("/v1/sandboxes/variables/DEPLOY_TOKEN").status_code == 200
    assert caplog.records  # something was logged, and none of it holds the value
    assert SECRET not in caplog.text
