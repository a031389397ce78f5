"""Variables that change how a process starts (BASH_ENV, LD_PRELOAD, PATH...) and names that are
not environment variable names (``A=B``) never reach a process: the control plane refuses them
on every route that takes a variable name, and the command runner refuses a run that still
carries one (a config or variable stored before they were refused).

The command is a real bash script run by the real command runner, against the real local control
plane. Each value would leave a file behind if it reached bash: ``BASH_ENV`` expands its value
(running the command substitution) before the script; a ``PATH`` makes the runner itself start
the ``bash`` it finds there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
import yaml

from agentsync.localserver.runners import CommandRunner
from agentsync.localserver.server import LocalServer

from .conftest import API_KEY, server_options, sync_valid_config, wait_for_final

REFUSED = "changes how a process starts"
NOT_A_NAME = "not an environment variable name"


class Bash(NamedTuple):
    server: LocalServer
    api: httpx.Client
    root: Path  # where the script, the fake programs and the evidence live

    @property
    def ran(self) -> Path:
        """Written by the agent's script: the command started."""
        return self.root / "ran"

    @property
    def owned(self) -> Path:
        """Written only by an injected command."""
        return self.root / "owned"


@pytest.fixture
def bash(tmp_path: Path) -> Iterator[Bash]:
    script = tmp_path / "agent.sh"
    script.write_text(f"echo started > {tmp_path / 'ran'}\n")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    fake_bash = fake_bin / "bash"  # found first if a config's PATH reached the runner
    fake_bash.write_text(f"#!/bin/sh\nid > {tmp_path / 'owned'}\n")
    fake_bash.chmod(0o755)
    runner = CommandRunner(["bash", str(script)])
    with (
        LocalServer(server_options(tmp_path, runner=runner, cron_interval=None)) as server,
        httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
        ) as api,
    ):
        yield Bash(server, api, tmp_path)


# Per name: a value that does harm, or breaks the run, if it reaches a process ({root}: the
# test's directory). Lowercase names are refused too, though Linux keeps them apart.
PAYLOADS = {
    "BASH_ENV": "$(id > {root}/owned)",
    "LD_PRELOAD": "{root}/evil.so",
    "PATH": "{root}/bin",
    "A=B": "distinct-value-7c1e",
    "bash_env": "$(id > {root}/owned)",
    "ld_preload": "{root}/evil.so",
    "path": "{root}/bin",
}


def payload(root: Path, name: str) -> tuple[str, str]:
    return name, PAYLOADS[name].format(root=root)


def payloads(root: Path) -> list[tuple[str, str]]:
    return [payload(root, name) for name in PAYLOADS]


def message_for(name: str) -> str:
    return f"{name!r} is {NOT_A_NAME}" if "=" in name else f"{name} is refused"


def config(*variables: tuple[str, str | None]) -> dict[str, Any]:
    return {
        "ellipsis": {"version": "v1", "name": "Builder"},
        "claude": {"system": "Build."},
        "sandbox": {
            "variables": [
                {"name": name} if value is None else {"name": name, "value": value}
                for name, value in variables
            ]
        },
    }


def assert_refused(response: httpx.Response, name: str, value: str) -> None:
    assert response.status_code == 422, (name, response.text)
    assert message_for(name) in response.text, response.text
    assert value not in response.text, name  # a value is never repeated


def test_a_config_with_fine_variables_runs(bash: Bash) -> None:
    """The control for every test below: the script runs and nothing is injected."""
    variables = [("LOG_LEVEL", "debug"), ("GIT_AUTHOR_NAME", "Release bot"), ("NODE_ENV", "ci")]
    run = bash.api.post("/v1/agents/runs", json={"config": config(*variables)}).json()
    final = wait_for_final(bash.api, run["id"])
    assert final["status"] == "completed", final
    assert bash.ran.exists()
    assert not bash.owned.exists()


# the control plane refuses them on every route (each test tries every case on one server) -----


def test_an_inline_config_is_refused_and_nothing_runs(bash: Bash) -> None:
    for name, value in payloads(bash.root):
        response = bash.api.post("/v1/agents/runs", json={"config": config((name, value))})
        assert_refused(response, name, value)
        assert response.json()["detail"][0]["rule"] == "denied-variable"
    assert bash.api.get("/v1/agents/runs").json()["runs"] == []
    assert not bash.owned.exists()
    assert not bash.ran.exists()


def test_run_overrides_are_refused(bash: Bash) -> None:
    config_id = sync_valid_config(bash.api)
    first = bash.api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    assert wait_for_final(bash.api, first["id"])["status"] == "completed"
    for name, value in payloads(bash.root):
        override = {"sandbox": {"variables": [{"name": name, "value": value}]}}
        response = bash.api.post(
            "/v1/agents/runs", json={"config_id": config_id, "config_override": override}
        )
        assert_refused(response, name, value)
        response = bash.api.post(
            "/v1/agents/runs",
            json={"config_id": config_id, "config_override_yaml": yaml.safe_dump(override)},
        )
        assert_refused(response, name, value)
        replay = bash.api.post(
            f"/v1/agents/runs/{first['id']}/replay", json={"config_override": override}
        )
        assert_refused(replay, name, value)
    assert len(bash.api.get("/v1/agents/runs").json()["runs"]) == 1
    assert not bash.owned.exists()


def test_a_synced_config_is_refused(bash: Bash) -> None:
    for name, value in payloads(bash.root):
        text = yaml.safe_dump(config((name, value)))
        body = {"repository": "acme/app", "path": "agents/x.yaml", "yaml": text}
        assert_refused(bash.api.put("/v1/sync/configs", json=body), name, value)
    listing = bash.api.get("/v1/sync/configs", params={"repository": "acme/app"})
    assert listing.json()["configs"] == []


def test_the_variables_api_refuses_them_and_stores_nothing(bash: Bash) -> None:
    for name, value in payloads(bash.root):
        body = {
            "variables": [{"name": "LOG_LEVEL", "value": "debug"}, {"name": name, "value": value}]
        }
        response = bash.api.put("/v1/sandboxes/variables", json=body)
        assert_refused(response, name, value)
        problem = response.json()["detail"][0]
        # agent-lint's rule for such a name in a config: it said "sandbox-variables", no rule's
        assert (problem["path"], problem["rule"]) == ("variables.1", "denied-variable")
    assert bash.api.get("/v1/sandboxes/variables").json() == {"variables": []}
    twice = {"variables": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]}
    assert bash.api.put("/v1/sandboxes/variables", json=twice).json()["detail"][0]["rule"] == (
        "request"
    )


def test_deployment_envs_are_refused(bash: Bash) -> None:
    for index, (name, value) in enumerate(payloads(bash.root)):
        response = bash.api.post(
            "/v1/agent-deployments/dep_1/runs",
            json={"input": {"task": "build"}, "envs": {"LOG_LEVEL": "debug", name: value}},
            headers={"Idempotency-Key": f"key-{index}"},
        )
        assert_refused(response, name, value)
        assert "LOG_LEVEL" not in response.text  # only the refused name is named
    assert bash.api.get("/v1/agent-deployments/dep_1/runs").json()["runs"] == []
    assert not bash.owned.exists()
    assert not bash.ran.exists()


# the runner refuses what is already stored --------------------------------------------------


def store_config(bash: Bash, *variables: tuple[str, str | None]) -> str:
    """A config as a database written before these names were refused holds it."""
    config_id = sync_valid_config(bash.api)
    store = bash.server.control_plane.store
    record = store.get_config(config_id)
    assert record is not None
    data = {**record.agent_config, "sandbox": config(*variables)["sandbox"]}
    store.replace_config(record.model_copy(update={"agent_config": data}))
    return config_id


@pytest.mark.parametrize("denied", list(PAYLOADS))
def test_a_stored_config_is_refused_by_the_runner(bash: Bash, denied: str) -> None:
    name, value = payload(bash.root, denied)
    config_id = store_config(bash, ("LOG_LEVEL", "debug"), (name, value))
    run = bash.api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    final = wait_for_final(bash.api, run["id"])
    assert final["status"] == "error"
    assert final["status_reason"].startswith(f"not started: variable {message_for(name)}")
    assert "LOG_LEVEL" not in final["status_reason"]
    assert value not in final["status_reason"]
    assert not bash.owned.exists()  # neither BASH_ENV's command nor the fake bash ran
    assert not bash.ran.exists()  # the command never started


def test_a_stored_variable_under_a_denied_name_is_refused_by_the_runner(bash: Bash) -> None:
    vault = bash.server.control_plane.vault
    assert vault is not None
    value = f"$(id > {bash.owned})"
    bash.server.control_plane.store.put_variable("BASH_ENV", vault.encrypt(value))
    config_id = store_config(bash, ("BASH_ENV", None))
    run = bash.api.post("/v1/agents/runs", json={"config_id": config_id}).json()
    final = wait_for_final(bash.api, run["id"])
    assert final["status"] == "error"
    assert final["status_reason"] == (
        "not started: variable BASH_ENV is refused: it changes how a process starts "
        "(bash runs the file it names before a script)"
    )
    assert not bash.owned.exists()
    assert not bash.ran.exists()
    # it can still be deleted, which is how an operator cleans up such a store
    assert bash.api.delete("/v1/sandboxes/variables/BASH_ENV").status_code == 200
