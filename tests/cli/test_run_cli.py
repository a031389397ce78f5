"""``agent run``, ``agent config`` and ``agent control-plane`` against a real control plane on
loopback, configured the way users do it: ``ELLIPSIS_API_BASE_URL`` and ``ELLIPSIS_API_TOKEN``."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from agentsync.cli import run as run_module
from agentsync.cli.main import cli
from agentsync.localserver.runners import CommandRunner, DryRunRunner, RunContext, RunOutcome
from agentsync.localserver.server import LocalServer, ServerOptions
from tests.conftest import run_agent

API_KEY = "cli-test-api-key-0123456789"
USER_TOKEN = "cli-test-user-token-0123456789"
REQUEST_ID = r"request req_[A-Za-z0-9]{16}"

VALID_YAML = """\
ellipsis:
  version: v1
  name: Nightly audit
triggers:
  - type: cron
    schedule: "0 3 * * *"
claude:
  system: Audit the dependencies.
"""

NEEDS_A_SECRET = """\
ellipsis:
  version: v1
  name: Needs a secret
claude:
  system: Use the key.
sandbox:
  variables:
    - name: MISSING_KEY
"""

INVALID_YAML = """\
ellipsis:
  version: v1
  name: Broken
claude:
  system: Audit.
triggers:
  - type: cron
    schedule: "not a cron"
"""


class HeldRunner:
    """Runs until cancelled: a run that is live while the test acts on it."""

    name = "held"

    def execute(self, context: RunContext) -> RunOutcome:
        context.emit("message.delta", {"content": "working"})
        context.cancelled.wait(10)
        return RunOutcome("cancelled", "cancelled by request")


def start_server(tmp_path: Path, runner: Any) -> LocalServer:
    return LocalServer(
        ServerOptions(
            db=str(tmp_path / "control-plane.db"),
            api_tokens=[API_KEY],
            cli_tokens=[USER_TOKEN],
            runner=runner,
            key_file=tmp_path / "vault.key",
        )
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with start_server(tmp_path, DryRunRunner()) as running:
        yield running


@pytest.fixture
def environment(server: LocalServer, tmp_path: Path) -> dict[str, str | None]:
    return {
        "ELLIPSIS_API_BASE_URL": server.url,
        "ELLIPSIS_API_BASE": None,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "ELLIPSIS_CONFIG_DIR": str(tmp_path / "settings"),
    }


@pytest.fixture
def api(server: LocalServer) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
    ) as client:
        yield client


class Agent:
    def __init__(self, environment: dict[str, str | None]) -> None:
        self.environment = environment

    def __call__(self, *args: str, **environment: str | None) -> Result:
        runner = CliRunner(env={**self.environment, **environment}, catch_exceptions=False)
        return runner.invoke(cli, list(args))


@pytest.fixture
def agent(environment: dict[str, str | None]) -> Agent:
    return Agent(environment)


def one_error_line(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("agent: ")
    return lines[0]


# run start / get --watch ------------------------------------------------------------------


def test_start_watch_prints_events_and_exits_0_when_the_run_completes(agent: Agent) -> None:
    result = agent("run", "start", "-t", "pr-review", "-p", "hello", "--watch")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    run_id = lines[0].split()[0]
    assert lines[0] == f"{run_id} scheduled"
    assert lines[1] == "1 run.started: dry-run" or lines[1].startswith("1 run.started: ")
    assert "3 tool.call: dry_run.inspect_config" in result.stdout
    assert "5 run.completed: dry run: nothing was executed" in lines
    assert lines[-1] == f"{run_id} completed: dry run: nothing was executed (cost $0.0000)"
    assert result.stderr == ""


def test_watch_json_is_ndjson_events_then_the_run(agent: Agent) -> None:
    result = agent("run", "start", "-t", "pr-review", "-w", "--json")
    assert result.exit_code == 0, result.output
    objects = [json.loads(line) for line in result.stdout.splitlines()]
    *events, run = objects
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[-1]["type"] == "run.completed"
    assert (run["status"], run["source"]) == ("completed", "api")


def test_watch_exits_1_when_the_run_fails(agent: Agent, tmp_path: Path) -> None:
    config = tmp_path / "needs-secret.yaml"
    config.write_text(NEEDS_A_SECRET)
    result = agent("run", "start", "-f", str(config), "-w")
    assert result.exit_code == 1, result.output
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(r"runs_\w+ error: .*MISSING_KEY.* \(cost \$0\.0000\)", last)


def test_get_shows_a_run_and_watch_follows_it(agent: Agent) -> None:
    started = agent("run", "start", "-t", "pr-review", "--json", "-m", "trigger=ci")
    assert started.exit_code == 0
    run = json.loads(started.stdout)
    assert run["metadata"]["trigger"] == "ci"
    shown = agent("run", "get", run["id"])
    assert shown.exit_code == 0
    assert re.search(rf"^id:\s+{run['id']}$", shown.stdout, re.MULTILINE)
    assert re.search(r"^metadata:\s+.*trigger=ci", shown.stdout, re.MULTILINE)
    assert "agentsync_request_id" not in shown.stdout  # the client's bookkeeping, not the user's
    assert (
        "agentsync_request_id"
        in json.loads(agent("run", "get", run["id"], "--json").stdout)["metadata"]
    )
    watched = agent("run", "get", run["id"], "--watch", "--json")
    assert watched.exit_code == 0
    assert json.loads(watched.stdout.splitlines()[-1])["status"] == "completed"
    assert json.loads(agent("run", "get", run["id"], "--json").stdout)["id"] == run["id"]


def test_start_with_an_inline_config_file_and_an_override(agent: Agent, tmp_path: Path) -> None:
    config = tmp_path / "audit.yaml"
    config.write_text(VALID_YAML)
    override = tmp_path / "override.yaml"
    override.write_text("limits:\n  run: 2\n")
    result = agent("run", "start", "-t", "pr-review", "--config-override-file", str(override))
    assert result.exit_code == 0, result.output
    inline = agent("run", "start", "-f", str(config), "-o", "limits: {run: 3}", "--json")
    assert inline.exit_code == 2  # refused before the call, naming the flags typed
    assert (
        "-o/--config-override merges onto a saved config or a template (-c, -t): with -f, "
        "edit the file instead"
    ) in " ".join(inline.stderr.split())
    plain = agent("run", "start", "-f", str(config), "--json")
    snapshot = json.loads(plain.stdout)["config_snapshot"]
    assert snapshot["ellipsis"]["name"] == "Nightly audit"


def test_an_invalid_config_file_fails_with_file_line_col_before_any_call(
    agent: Agent, tmp_path: Path, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(run_module, "client_from_environment", lambda: calls.append("client"))
    config = tmp_path / "broken.yaml"
    config.write_text(INVALID_YAML)
    result = agent("run", "start", "-f", str(config), "--watch")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith(f"agent: {config}:8:16: invalid schedule 'not a cron'")
    assert line.endswith("[cron-schedule]")
    assert calls == []
    assert api.get("/v1/agents/runs").json()["runs"] == []


# list, replay, cancel ---------------------------------------------------------------------


def test_list_prints_a_table_and_filters(agent: Agent) -> None:
    ids = [
        json.loads(agent("run", "start", "-t", "pr-review", "--json").stdout)["id"]
        for _ in range(2)
    ]
    by_user = agent("run", "start", "-t", "pr-review", "--json", ELLIPSIS_API_TOKEN=USER_TOKEN)
    user_run = json.loads(by_user.stdout)["id"]
    table = agent("run", "list")
    assert table.exit_code == 0
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "STATUS", "SOURCE", "CREATED", "COST", "REASON"]
    assert [row.split()[0] for row in rows] == [user_run, *reversed(ids)]
    name = json.loads(by_user.stdout)["config_snapshot"]["ellipsis"]["name"]
    assert re.search(rf"^{user_run}\s+{re.escape(name)}\s+completed\s+cli\s", rows[0]), rows[0]
    when_cost_reason = (
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\$0\.0000\s+dry run: nothing was executed$"
    )
    assert re.search(when_cost_reason, rows[0]), rows[0]
    only_api = agent("run", "list", "-s", "api", "-l", "1", "--json")
    assert [r["id"] for r in json.loads(only_api.stdout)] == [ids[1]]
    assert agent("run", "list", "-c", "agent_none").stdout == "no runs\n"
    assert agent("run", "list", "-d", "1", "--start", "2000-01-01T00:00:00Z").exit_code == 0


def test_replay_clears_the_prompt_and_watches(agent: Agent) -> None:
    run = json.loads(agent("run", "start", "-t", "pr-review", "-p", "p", "--json").stdout)
    cleared = agent("run", "replay", run["id"], "-p", "", "--json")
    assert cleared.exit_code == 0
    replayed = json.loads(cleared.stdout)
    assert (replayed["prompt"], replayed["metadata"]["replay_of"]) == (None, run["id"])
    watched = agent("run", "replay", run["id"], "-o", "limits: {run: 1}", "-w")
    assert watched.exit_code == 0
    assert watched.stdout.splitlines()[-1].split()[1] == "completed:"


def test_cancel_of_a_finished_run_is_an_error_with_the_request_id(agent: Agent) -> None:
    run = json.loads(
        agent("run", "start", "-t", "pr-review", "-w", "--json").stdout.split("\n")[-2]
    )
    result = agent("run", "cancel", run["id"])
    assert result.exit_code == 1
    line = one_error_line(result)
    assert re.fullmatch(
        rf"agent: run {run['id']} already finished \(completed\) \(HTTP 409, {REQUEST_ID}\)", line
    )


def test_cancel_a_live_run_then_watch_exits_1(tmp_path: Path) -> None:
    with start_server(tmp_path, HeldRunner()) as live:
        agent = Agent({"ELLIPSIS_API_BASE_URL": live.url, "ELLIPSIS_API_TOKEN": API_KEY})
        run_id = json.loads(agent("run", "start", "-t", "pr-review", "--json").stdout)["id"]
        watching: list[subprocess.CompletedProcess[str]] = []
        watcher = threading.Thread(  # a process of its own: see run_agent
            target=lambda: watching.append(
                run_agent("run", "get", run_id, "-w", env=agent.environment)
            )
        )
        watcher.start()
        cancelled = agent("run", "cancel", run_id)
        assert cancelled.exit_code == 0
        assert cancelled.stdout.startswith(f"{run_id} ")
        watcher.join(30)
        (watched,) = watching
        assert watched.returncode == 1, watched.stderr
        assert watched.stdout.splitlines()[-1].startswith(f"{run_id} cancelled")


# configs ----------------------------------------------------------------------------------


def test_config_list_and_get(agent: Agent, api: httpx.Client) -> None:
    assert agent("config", "list").stdout == "no configs\n"
    created = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/audit.yaml", "yaml": VALID_YAML},
    ).json()
    header, row = agent("config", "list").stdout.splitlines()
    assert header.split() == ["ID", "NAME", "SOURCE", "ENABLED", "UPDATED", "SYNC"]
    assert row.startswith(created["id"])
    assert "Nightly audit  acme/app:agents/audit.yaml  yes" in row
    shown = agent("config", "get", created["id"])
    assert re.search(r"^source:\s+acme/app:agents/audit.yaml$", shown.stdout, re.MULTILINE)
    assert shown.stdout.endswith(VALID_YAML)
    as_json = json.loads(agent("config", "get", created["id"], "--json").stdout)
    assert as_json["id"] == created["id"]
    assert json.loads(agent("config", "list", "--json").stdout)[0]["id"] == created["id"]
    missing = agent("config", "get", "agent_missing")
    assert missing.exit_code == 1
    assert re.fullmatch(
        rf"agent: config agent_missing not found \(HTTP 404, {REQUEST_ID}\)",
        one_error_line(missing),
    )


# errors -----------------------------------------------------------------------------------


def test_a_wrong_token_is_one_line_and_never_printed(agent: Agent) -> None:
    secret = "sk-live-SECRET-never-printed"
    result = agent("run", "list", ELLIPSIS_API_TOKEN=secret)
    assert result.exit_code == 1
    line = one_error_line(result)
    assert re.fullmatch(rf"agent: missing or invalid bearer token \(HTTP 401, {REQUEST_ID}\)", line)
    watched = agent("run", "get", "runs_x", "-w", ELLIPSIS_API_TOKEN=secret)
    assert watched.exit_code == 1
    for output in (result.output, watched.output):
        assert secret not in output


def test_the_token_can_come_from_the_agent_cli_settings_file(
    agent: Agent, tmp_path: Path, server: LocalServer
) -> None:
    missing = agent("run", "list", ELLIPSIS_API_TOKEN=None)
    assert missing.exit_code == 2
    assert one_error_line(missing) == (
        "agent: no API token: set ELLIPSIS_API_TOKEN, or store one with `agent auth login` "
        f'("token" in {tmp_path / "settings" / "config.json"})'
    )
    settings = tmp_path / "settings"
    settings.mkdir()
    (settings / "config.json").write_text(json.dumps({"token": USER_TOKEN, "apiBase": server.url}))
    from_file = agent("run", "start", "-t", "pr-review", "--json", ELLIPSIS_API_TOKEN=None)
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout)["source"] == "cli"


def test_a_server_422_is_one_line(agent: Agent) -> None:
    result = agent("run", "start", "-t", "pr-review", "-o", "limits: {run: nope}")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert line.startswith("agent: invalid config: limits.run: ")
    assert re.search(rf"\(HTTP 422, {REQUEST_ID}\)$", line)


@pytest.mark.parametrize(
    "args",
    [
        ["run", "start"],
        ["run", "start", "-c", "agent_x", "-t", "pr-review"],
        ["run", "start", "-t", "pr-review", "-m", "no-equals-sign"],
        ["run", "list", "-s", "carrier-pigeon"],
        ["run", "get"],
    ],
)
def test_usage_errors_exit_2(agent: Agent, args: list[str]) -> None:
    result = agent(*args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_both_override_options_are_a_usage_error(agent: Agent, tmp_path: Path) -> None:
    override = tmp_path / "o.yaml"
    override.write_text("limits: {run: 1}\n")
    result = agent("run", "start", "-t", "x", "-o", "a: 1", "--config-override-file", str(override))
    assert result.exit_code == 2
    assert "at most one of --config-override and --config-override-file" in one_error_line(result)


def test_an_unexpected_error_is_a_message_and_exit_3(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("something\nbroke")

    monkeypatch.setattr(run_module, "client_from_environment", broken)
    result = agent("run", "list")
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    message, report = result.stderr.splitlines()
    assert message == "agent: internal error: RuntimeError: something broke"
    assert report.startswith("agent: this is a bug in agentsync: please report it at https://")


def test_the_installed_entry_point_keeps_the_exit_status(
    environment: dict[str, str | None],
) -> None:
    env = {k: v for k, v in {**os.environ, **environment}.items() if v is not None}
    done = subprocess.run(
        [sys.executable, "-m", "agentsync", "run", "get", "runs_missing"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert re.fullmatch(
        rf"agent: run runs_missing not found \(HTTP 404, {REQUEST_ID}\)\n", done.stderr
    )
    ok = subprocess.run(
        [sys.executable, "-m", "agentsync", "run", "start", "-t", "pr-review", "-w"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr


def test_agent_help_imports_no_http_stack() -> None:
    probe = (
        "import sys; from agentsync.cli.main import cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    modules = set(json.loads(done.stdout.replace("'", '"')))
    assert modules.isdisjoint({"httpx", "websockets", "fastapi", "uvicorn", "pydantic"})
    help_text = CliRunner().invoke(cli, ["--help"]).output
    for group in ("run", "config", "control-plane"):
        assert re.search(rf"^\s+{group}\s", help_text, re.MULTILINE)


# control-plane serve ----------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[ServerOptions, str, int]]:
    calls: list[tuple[ServerOptions, str, int]] = []
    monkeypatch.setattr(
        "agentsync.localserver.server.serve",
        lambda config, host, port: calls.append((config, host, port)),
    )
    monkeypatch.delenv("AGENTSYNC_CONTROL_PLANE_TOKENS", raising=False)
    monkeypatch.delenv("AGENTSYNC_CONTROL_PLANE_CLI_TOKENS", raising=False)
    return calls


def test_serve_refuses_to_start_without_a_token(
    served: list[tuple[ServerOptions, str, int]],
) -> None:
    result = CliRunner().invoke(cli, ["control-plane", "serve"])
    assert result.exit_code == 2
    assert "refusing to serve without a token" in result.stderr
    assert served == []


def test_serve_takes_tokens_from_flags_and_the_environment(
    served: list[tuple[ServerOptions, str, int]], tmp_path: Path
) -> None:
    result = CliRunner(
        env={
            "AGENTSYNC_CONTROL_PLANE_TOKENS": "env-a, env-b",
            "AGENTSYNC_CONTROL_PLANE_CLI_TOKENS": "env-c",
        }
    ).invoke(
        cli,
        [
            "control-plane",
            "serve",
            "--token",
            "flag-a",
            "--cli-token",
            "flag-c",
            "--port",
            "9999",
            "--db",
            str(tmp_path / "cp.db"),
            "--max-run-limit",
            "5",
        ],
    )
    assert result.exit_code == 0, result.output
    ((options, host, port),) = served
    assert (host, port) == ("127.0.0.1", 9999)
    assert options.api_tokens == ["flag-a", "env-a", "env-b"]
    assert options.cli_tokens == ["flag-c", "env-c"]
    assert (options.db, options.settings.max_run_limit) == (str(tmp_path / "cp.db"), 5.0)
    assert isinstance(options.runner, DryRunRunner)


def test_serve_with_the_command_runner(served: list[tuple[ServerOptions, str, int]]) -> None:
    args = ["control-plane", "serve", "--token", "t", "--runner", "command"]
    missing = CliRunner().invoke(cli, args)
    assert missing.exit_code == 2
    assert "--runner command needs --command CMD" in missing.stderr
    result = CliRunner().invoke(cli, [*args, "--command", "python3 agent.py --fast 'two words'"])
    assert result.exit_code == 0, result.output
    runner = served[0][0].runner
    assert isinstance(runner, CommandRunner)
    assert runner.argv == ["python3", "agent.py", "--fast", "two words"]


def test_the_hidden_metadata_is_the_clients_request_id() -> None:
    from agentsync.cli.printers import INTERNAL_METADATA
    from agentsync.client.api import REQUEST_ID_KEY

    assert frozenset({REQUEST_ID_KEY}) == INTERNAL_METADATA


def test_run_statuses_are_coloured_when_asked(agent: Agent) -> None:
    run = json.loads(
        agent("run", "start", "-t", "pr-review", "--json", "-w").stdout.splitlines()[-1]
    )
    assert run["status"] == "completed"
    plain = agent("run", "list")
    assert "\x1b[" not in plain.stdout
    coloured = agent("--color", "always", "run", "list")
    header, row = coloured.stdout.splitlines()[:2]
    assert "\x1b[" not in header
    assert row.startswith(f"\x1b[32m{run['id']}")  # completed: green
    shown = agent("--color", "always", "run", "get", run["id"])
    assert re.search(r"^status:\s+\x1b\[32mcompleted", shown.stdout, re.MULTILINE)
