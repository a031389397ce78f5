"""The command runner against the real server: the stdin payload, an environment of only the
named variables, live deltas, exit codes, timeouts, cancellation, cost reports and limits.run.

The commands are a scripted agent (``AGENT``, steps from the run's metadata), ``env`` and ``sh``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from agentsync.localserver.runners import MINIMAL_PATH, CommandRunner, RunContext, RunOutcome
from agentsync.localserver.server import LocalServer
from agentsync.localserver.settings import ServerSettings

from .conftest import API_KEY, server_options

AGENT = r"""
import json, os, signal, sys, time
payload = json.load(sys.stdin)
for op, arg in json.loads(payload["run"]["metadata"].get("steps", "[]")):
    if op == "say":
        print(arg, flush=True)
    elif op == "report":
        print(json.dumps({"agentsync_result": arg}), flush=True)
    elif op == "stderr":
        print(arg, file=sys.stderr, flush=True)
    elif op == "payload":
        print(json.dumps({
            "run_id": payload["run"]["id"],
            "status": payload["run"]["status"],
            "name": payload["config"]["ellipsis"]["name"],
            "prompt": payload["prompt"],
        }), flush=True)
    elif op == "wait_for":
        while not os.path.exists(arg):
            time.sleep(0.01)
    elif op == "sleep":
        time.sleep(arg)
    elif op == "signal":
        os.kill(os.getpid(), getattr(signal, arg))
    elif op == "exit":
        sys.exit(arg)
"""
AGENT_ARGV = [sys.executable, "-c", AGENT]

FINAL = ("completed", "error", "cancelled", "stopped")


def inline_config(**sections: Any) -> dict[str, Any]:
    return {
        "ellipsis": {"version": "v1", "name": "Scripted agent"},
        "claude": {"system": "Follow the steps."},
        **sections,
    }


Serve = Callable[..., httpx.Client]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """``serve(runner, **overrides)``: a real server with that runner, and a client for it."""
    with ExitStack() as stack:

        def start(runner: CommandRunner, **overrides: object) -> httpx.Client:
            path = tmp_path / "server"
            path.mkdir()
            server = stack.enter_context(
                LocalServer(server_options(path, runner=runner, cron_interval=None, **overrides))
            )
            return stack.enter_context(
                httpx.Client(
                    base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}, timeout=10
                )
            )

        yield start


def start_run(
    api: httpx.Client, steps: list[Any] | None = None, *, prompt: str | None = None, **config: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"config": inline_config(**config)}
    if steps is not None:
        body["metadata"] = {"steps": json.dumps(steps)}
    if prompt is not None:
        body["prompt"] = prompt
    response = api.post("/v1/agents/runs", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def wait_for(api: httpx.Client, run_id: str, statuses: tuple[str, ...] = FINAL) -> dict[str, Any]:
    deadline = time.monotonic() + 15
    while True:
        run = api.get(f"/v1/agents/runs/{run_id}").json()
        if run["status"] in statuses:
            return dict(run)
        assert time.monotonic() < deadline, run
        time.sleep(0.02)


def events(api: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    """The whole log of a finished run."""
    text = api.get(f"/v1/runs/{run_id}/events").text
    return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]


def deltas(api: httpx.Client, run_id: str) -> list[str]:
    return [e["data"]["content"] for e in events(api, run_id) if e["type"] == "message.delta"]


# the protocol ------------------------------------------------------------------------------


def test_stdin_carries_the_run_its_config_and_the_resolved_prompt(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    run = start_run(api, [["payload", None]], prompt="Focus on the tests.")
    final = wait_for(api, run["id"])
    assert final["status"] == "completed", final
    assert final["status_reason"] is None
    seen = json.loads(final["output"])
    assert seen == {
        "run_id": run["id"],
        "status": "running",
        "name": "Scripted agent",
        "prompt": "Follow the steps.\n\nFocus on the tests.",
    }
    types = [e["type"] for e in events(api, run["id"])]
    assert types == ["run.started", "message.delta", "run.completed"]


def test_the_environment_is_only_the_named_variables(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENTSYNC_SERVER_ONLY", "must-not-leak")
    api = serve(CommandRunner(["env"]))
    variables = [{"name": "LOG_LEVEL", "value": "info"}, {"name": "REGION", "value": "eu-west-1"}]
    run = start_run(api, sandbox={"variables": variables})
    final = wait_for(api, run["id"])
    assert final["status"] == "completed", final
    seen = dict(line.split("=", 1) for line in final["output"].splitlines())
    assert seen == {"PATH": MINIMAL_PATH, "LOG_LEVEL": "info", "REGION": "eu-west-1"}


def test_stdout_lines_stream_as_they_arrive(serve: Serve, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    api = serve(CommandRunner(AGENT_ARGV))
    run = start_run(api, [["say", "first"], ["wait_for", str(gate)], ["say", "second"]])
    with api.stream("GET", f"/v1/runs/{run['id']}/events") as stream:
        lines = stream.iter_lines()
        for line in lines:  # the first delta arrives while the command is still running
            if line.startswith("data: ") and "message.delta" in line:
                assert json.loads(line[6:])["data"] == {"content": "first\n"}
                break
        assert api.get(f"/v1/agents/runs/{run['id']}").json()["status"] == "running"
        gate.touch()
        rest = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert [e["type"] for e in rest] == ["message.delta", "run.completed"]
    final = wait_for(api, run["id"])
    assert final["output"] == "first\nsecond\n"
    assert deltas(api, run["id"]) == ["first\n", "second\n"]


def test_a_line_that_only_looks_like_json_is_a_delta(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    lines = ["{not json", '{"other": 1}', '["agentsync_result"]']
    run = start_run(api, [["say", line] for line in lines])
    assert wait_for(api, run["id"])["status"] == "completed"
    assert deltas(api, run["id"]) == [line + "\n" for line in lines]


# how it ends -------------------------------------------------------------------------------


def test_a_non_zero_exit_is_an_error_naming_the_code_and_the_last_stderr_line(
    serve: Serve,
) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    steps = [["stderr", "warming up"], ["stderr", "boom: disk full"], ["stderr", ""], ["exit", 3]]
    run = start_run(api, steps)
    final = wait_for(api, run["id"])
    assert final["status"] == "error"
    assert final["status_reason"] == "command exited with code 3: boom: disk full"
    assert events(api, run["id"])[-1]["type"] == "run.failed"


def test_the_stderr_line_in_the_reason_is_truncated(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    run = start_run(api, [["stderr", "x" * 5000], ["exit", 1]])
    reason = wait_for(api, run["id"])["status_reason"]
    assert reason.startswith("command exited with code 1: xxx")
    assert reason.endswith("…")
    assert len(reason) < 300


def test_a_command_killed_by_a_signal(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    run = start_run(api, [["signal", "SIGTERM"]])
    final = wait_for(api, run["id"])
    assert (final["status"], final["status_reason"]) == (
        "error",
        "command was killed by signal SIGTERM",
    )


def test_a_command_that_cannot_start(serve: Serve, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-agent")
    api = serve(CommandRunner([missing]))
    final = wait_for(api, start_run(api)["id"])
    assert final["status"] == "error"
    assert final["status_reason"] == f"could not start {missing}: No such file or directory"


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (absent, or a zombie nobody has reaped yet)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_the_runner_timeout_kills_the_whole_process_group(serve: Serve, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    script = 'sleep 60 & echo $! > "$PID_FILE"; wait'
    api = serve(CommandRunner(["sh", "-c", script], timeout=0.5))
    started = time.monotonic()
    run = start_run(api, sandbox={"variables": [{"name": "PID_FILE", "value": str(pid_file)}]})
    final = wait_for(api, run["id"])
    assert time.monotonic() - started < 5
    assert (final["status"], final["status_reason"]) == ("error", "timed out after 0.5s")
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(child):  # the shell's child, in the same group, was killed too
        assert time.monotonic() < deadline, f"process {child} survived the timeout"
        time.sleep(0.02)


def test_the_config_timeout_wins_over_the_runner_default(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV, timeout=600))
    run = start_run(api, [["sleep", 60]], sandbox={"compute": {"timeout": "1s"}})
    final = wait_for(api, run["id"])
    assert (final["status"], final["status_reason"]) == ("error", "timed out after 1s")


def test_cancel_kills_the_command(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    run = start_run(api, [["say", "started"], ["sleep", 60]])
    assert first_delta(api, run["id"]) == "started\n"
    started = time.monotonic()
    assert api.post(f"/v1/agents/runs/{run['id']}/cancel").status_code == 200
    final = wait_for(api, run["id"])
    assert time.monotonic() - started < 5
    assert (final["status"], final["status_reason"]) == ("cancelled", "cancelled by request")
    assert events(api, run["id"])[-1]["type"] == "run.cancelled"


def first_delta(api: httpx.Client, run_id: str) -> str:
    """Follow the live stream until the first delta (the command is running by then)."""
    with api.stream("GET", f"/v1/runs/{run_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                if event["type"] == "message.delta":
                    return str(event["data"]["content"])
    raise AssertionError("the run ended without a delta")


# cost reports and limits.run -----------------------------------------------------------------


def test_a_result_line_sets_the_outcome_and_is_not_a_delta(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    report = {
        "output": "All dependencies are current.",
        "structured_output": {"summary": "ok", "pull_request_url": ""},
        "cost_millicents": 1234,
        "tokens_total": 99,
    }
    run = start_run(api, [["say", "working"], ["report", report]])
    final = wait_for(api, run["id"])
    assert final["status"] == "completed", final
    assert final["output"] == "All dependencies are current."
    assert final["structured_output"] == {"summary": "ok", "pull_request_url": ""}
    assert final["cost_tokens"] == 1234  # the reported cost is recorded as cost_tokens
    assert final["tokens_total"] == 99
    assert (final["cost_sandbox_cpu"], final["cost_sandbox_memory"], final["cost_fee"]) == (0, 0, 0)
    assert deltas(api, run["id"]) == ["working\n"]
    assert "agentsync_result" not in api.get(f"/v1/runs/{run['id']}/events").text


def test_the_last_report_wins_and_stdout_is_the_output_without_one(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    steps = [
        ["report", {"cost_millicents": 100}],
        ["say", "step two"],
        ["report", {"cost_millicents": 300, "tokens_total": 7}],
    ]
    final = wait_for(api, start_run(api, steps)["id"])
    assert (final["status"], final["cost_tokens"], final["tokens_total"]) == ("completed", 300, 7)
    assert final["output"] == "step two\n"
    assert final["structured_output"] is None


def nested(depth: int) -> dict[str, Any]:
    """``{"a": {"a": ... 1}}``, ``depth`` objects deep."""
    value: dict[str, Any] = {"a": 1}
    for _ in range(depth - 1):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("report", "problem"),
    [
        ({"cost_millicents": -5}, "cost_millicents"),
        ({"cost_millicents": "12"}, "cost_millicents"),
        ({"cost_milicents": 12}, "cost_milicents"),  # a typo must not pass as zero cost
        ("done", "agentsync_result"),
        # what no answer could carry: the run ended stuck in "running", or its GET was a 500
        ({"output": "bad \ud800 text"}, "output is not valid Unicode"),
        ({"structured_output": {"score": float("nan")}}, "structured_output.score is NaN"),
        ({"structured_output": nested(150)}, "nested more than 100 levels deep"),
    ],
)
def test_a_malformed_report_fails_the_run(serve: Serve, report: Any, problem: str) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    final = wait_for(api, start_run(api, [["report", report], ["sleep", 60]])["id"])
    assert final["status"] == "error"
    assert final["status_reason"].startswith("invalid agentsync_result: ")
    assert problem in final["status_reason"]
    assert api.get("/v1/agents/runs").status_code == 200


def test_a_cost_over_limits_run_stops_the_run(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV))
    steps = [
        ["report", {"cost_millicents": 1000}],  # exactly limits.run: still fine
        ["say", "still going"],
        ["report", {"cost_millicents": 1500}],
        ["say", "never seen"],
        ["sleep", 60],
    ]
    started = time.monotonic()
    run = start_run(api, steps, limits={"run": 0.01})
    final = wait_for(api, run["id"])
    assert time.monotonic() - started < 10
    assert final["status"] == "stopped"
    assert final["status_reason"] == (
        "stopped by limits.run $0.01: the command reported a cost of $0.015"
    )
    assert final["cost_tokens"] == 1500  # what was spent stays on the record
    assert deltas(api, run["id"]) == ["still going\n"]
    assert events(api, run["id"])[-1]["type"] == "run.failed"


def test_limits_run_is_clamped_before_the_runner_sees_it(serve: Serve) -> None:
    api = serve(CommandRunner(AGENT_ARGV), settings=ServerSettings(max_run_limit=0.01))
    run = start_run(api, [["report", {"cost_millicents": 2000}]], limits={"run": 5})
    final = wait_for(api, run["id"])
    assert final["status"] == "stopped"
    assert final["status_reason"].startswith("stopped by limits.run $0.01:")


class UnstorableRunner:
    """A runner whose outcome no store can hold (a runner's bug)."""

    name = "unstorable"

    def execute(self, context: RunContext) -> RunOutcome:
        return RunOutcome("completed", output="bad \ud800 text", cost_tokens=42)


def test_an_outcome_the_store_refuses_still_ends_the_run(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The run stayed "running" for ever, and nothing said why."""
    options = server_options(tmp_path, runner=UnstorableRunner(), cron_interval=None)
    with (
        LocalServer(options) as server,
        httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {API_KEY}"}) as api,
    ):
        final = wait_for(api, start_run(api)["id"])
    assert final["status"] == "error"
    assert final["status_reason"].startswith("its outcome could not be stored: ")
    assert final["cost_tokens"] == 42
    assert "its outcome could not be stored" in caplog.text
