"""``agent run ... --platform NAME`` on all four platforms, end to end: a profile file in a
temporary config directory, the local control plane on loopback serving every dialect, and the
CLI as users run it. Requests are counted server-side, so "refused before any call" is checked.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from starlette.types import ASGIApp, Receive, Scope, Send

from agentsync.cli.main import cli
from agentsync.localserver.dialects import inputs_of
from agentsync.localserver.runners import RunContext, RunOutcome
from agentsync.localserver.server import LocalServer, ServerOptions
from tests.conftest import run_agent

API_KEY = "platforms-cli-key-0123456789"
SECRET = "env-secret-value-9d8c7b"
PLATFORMS = ("elli", "deploy", "threads", "ambient")


class ScriptedRunner:
    """Does what the run's prompt says: ``hold-run`` (until cancelled), ``fail-run``,
    ``ask-run`` (for interactive input), else completes at once. Records each run's environment."""

    name = "scripted"

    def __init__(self) -> None:
        self.server: LocalServer | None = None
        self.environments: list[dict[str, str]] = []

    def execute(self, context: RunContext) -> RunOutcome:
        self.environments.append(dict(context.environment))
        prompt = context.prompt
        context.emit("message.delta", {"content": "working"})
        if "hold-run" in prompt:
            context.cancelled.wait(15)
            return RunOutcome("cancelled", "cancelled by request")
        if "fail-run" in prompt:
            return RunOutcome("error", "it failed on purpose")
        if "ask-run" in prompt:
            assert self.server is not None
            answer = inputs_of(self.server.control_plane).ask(context, "Proceed?", timeout=15)
            return RunOutcome("completed", output=f"answer: {answer}")
        return RunOutcome("completed", output="done", cost_tokens=500, tokens_total=42)


class Counting:
    """ASGI middleware: every HTTP request the server receives, as ``METHOD path``."""

    def __init__(self, app: ASGIApp, seen: list[str]) -> None:
        self.app = app
        self.seen = seen

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.seen.append(f"{scope['method']} {scope['path']}")
        await self.app(scope, receive, send)


@dataclass
class Env:
    server: LocalServer
    runner: ScriptedRunner
    requests: list[str]
    profiles: Path
    tmp: Path
    environ: dict[str, str | None] = field(default_factory=dict)

    def __call__(self, *args: str, input: str | None = None, **environ: str | None) -> Result:
        runner = CliRunner(env={**self.environ, **environ}, catch_exceptions=False)
        return runner.invoke(cli, list(args), input=input)


PROFILES = """\
[platforms.elli]
kind = "ellipsis"
base_url = "{url}"
token_env = "ELLI_TOKEN"

[platforms.deploy]
kind = "deployments"
base_url = "{url}"
token_env = "DEPLOY_TOKEN"
deployment = "dep_1"

[platforms.threads]
kind = "threads"
base_url = "{url}"
token_env = "THREADS_TOKEN"

[platforms.ambient]
kind = "ambient"
base_url = "{url}/"
token_env = "AMBIENT_TOKEN"
"""


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    runner = ScriptedRunner()
    requests: list[str] = []
    options = ServerOptions(
        db=str(tmp_path / "control-plane.db"),
        api_tokens=[API_KEY],
        runner=runner,
        key_file=tmp_path / "k",
    )
    server = LocalServer(options)
    server.app.add_middleware(Counting, seen=requests)
    runner.server = server
    with server:
        profiles = tmp_path / "config" / "agentsync" / "platforms.toml"
        profiles.parent.mkdir(parents=True)
        profiles.write_text(PROFILES.format(url=server.url))
        yield Env(
            server,
            runner,
            requests,
            profiles,
            tmp_path,
            {
                "XDG_CONFIG_HOME": str(tmp_path / "config"),
                "AGENTSYNC_PLATFORMS_FILE": None,
                "AGENTSYNC_PLATFORM": None,
                "ELLIPSIS_API_BASE_URL": None,
                "ELLIPSIS_API_BASE": None,
                "ELLIPSIS_API_TOKEN": None,
                "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"),
                **{f"{n}_TOKEN": API_KEY for n in ("ELLI", "DEPLOY", "THREADS", "AMBIENT")},
            },
        )


def start_args(platform: str, what: str) -> list[str]:
    """``agent run start`` options that make a run whose prompt says ``what``."""
    return {
        "elli": ["-t", "pr-review", "-p", what],
        "deploy": ["--input", json.dumps({"task": what}), "--version-id", "v3"],
        "threads": ["--thread", f"thr-{what}", "--persona-id", "coder@1"],
        "ambient": ["-p", f"please {what}", "--title", f"T {what}", "--team"],
    }[platform]


def start(env: Env, platform: str, what: str, *more: str) -> Result:
    return env("run", "start", "--platform", platform, *start_args(platform, what), *more)


def one_error_line(result: Result) -> str:
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("agent: ")
    return lines[0]


def until(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


# the same commands everywhere -----------------------------------------------------------------


@pytest.mark.parametrize("platform", PLATFORMS)
def test_start_watch_get_list_the_same_on_every_platform(env: Env, platform: str) -> None:
    watched = start(env, platform, "go", "--watch")
    assert watched.exit_code == 0, watched.output
    lines = watched.stdout.splitlines()
    run_id = lines[0].split()[0]
    assert re.fullmatch(rf"{run_id} [a-z_]+ \(\w+\)", lines[0])
    assert re.fullmatch(rf"{run_id} succeeded \(\w+\) \(cost (\$\d\.\d{{4}}|-)\)", lines[-1])
    if platform in ("elli", "threads"):  # these stream the run's log
        assert any(re.fullmatch(r"\d+ message.delta: working", line) for line in lines)
        assert re.fullmatch(r"\d+ run.completed: completed", lines[-2])

    shown = json.loads(env("run", "get", run_id, "--platform", platform, "--json").stdout)
    platform_kind = {"elli": "ellipsis", "deploy": "deployments"}.get(platform, platform)
    assert (shown["id"], shown["platform"], shown["status"]) == (run_id, platform_kind, "succeeded")
    text = env("run", "get", run_id, "--platform", platform)
    assert re.search(
        rf"^status:\s+succeeded \({shown['native_status']}\)$", text.stdout, re.MULTILINE
    )

    start(env, platform, "go")
    table = env("run", "list", "--platform", platform)
    assert table.exit_code == 0, table.output
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["ID", "STATUS", "NATIVE", "CREATED", "COST", "TOKENS"]
    assert len(rows) == 2
    assert rows[1].split()[0] == run_id
    listed = json.loads(env("run", "list", "--platform", platform, "-l", "1", "--json").stdout)
    assert len(listed) == 1
    assert listed[0]["id"] != run_id  # newest first


@pytest.mark.parametrize("platform", PLATFORMS)
def test_watch_exits_1_when_the_run_fails(env: Env, platform: str) -> None:
    result = start(env, platform, "fail-run", "-w", "--json")
    assert result.exit_code == 1, result.output
    final = json.loads(result.stdout.splitlines()[-1])
    assert final["status"] == "failed"
    assert final["native_status"] in {"error", "failed", "FAILED"}


@pytest.mark.parametrize("platform", ["elli", "deploy", "threads"])
def test_cancel_a_live_run_then_watch_exits_1(env: Env, platform: str) -> None:
    run_id = json.loads(start(env, platform, "hold-run", "--json").stdout)["id"]
    until(lambda: env.runner.environments)
    watching: list[subprocess.CompletedProcess[str]] = []
    watcher = threading.Thread(  # a process of its own: see run_agent
        target=lambda: watching.append(
            run_agent("run", "get", run_id, "-P", platform, "-w", env=env.environ)
        )
    )
    watcher.start()
    cancelled = env("run", "cancel", run_id, "--platform", platform)
    assert cancelled.exit_code == 0, cancelled.output
    assert cancelled.stdout.startswith(f"{run_id} ")
    watcher.join(30)
    (watched,) = watching
    assert watched.returncode == 1, watched.stderr
    assert watched.stdout.splitlines()[-1].startswith(f"{run_id} cancelled (")


@pytest.mark.parametrize("platform", ["deploy", "ambient"])
def test_watching_a_finished_run_on_a_polled_platform_asks_once(env: Env, platform: str) -> None:
    run_id = json.loads(start(env, platform, "go", "-w", "--json").stdout.splitlines()[-1])["id"]
    before = len(env.requests)
    watched = env("run", "get", run_id, "-P", platform, "-w")
    assert watched.exit_code == 0, watched.output
    assert len(env.requests) == before + 1  # the get; watch adds nothing for a final run
    assert watched.stdout.splitlines()[-1].startswith(f"{run_id} succeeded (")


def test_ambient_has_no_cancel_and_no_input(env: Env) -> None:
    run_id = json.loads(start(env, "ambient", "go", "--json").stdout)["id"]
    cancel = env("run", "cancel", run_id, "--platform", "ambient")
    assert cancel.exit_code == 2
    assert "the ambient agents API has no cancel" in one_error_line(cancel)
    answer = env("run", "input", run_id, "yes", "--platform", "ambient")
    assert answer.exit_code == 2
    assert "ambient runs take no interactive input" in one_error_line(answer)


def test_the_platform_can_come_from_the_environment(env: Env) -> None:
    result = env(
        "run", "start", *start_args("threads", "go"), "--json", AGENTSYNC_PLATFORM="threads"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["platform"] == "threads"


def test_a_profile_can_be_defined_by_environment_variables(env: Env) -> None:
    env.profiles.unlink()
    result = env(
        "run",
        "list",
        "--platform",
        "ci-ambient",
        AGENTSYNC_PLATFORM_CI_AMBIENT_KIND="ambient",
        AGENTSYNC_PLATFORM_CI_AMBIENT_BASE_URL=env.server.url,
        AGENTSYNC_PLATFORM_CI_AMBIENT_TOKEN_ENV="AMBIENT_TOKEN",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "no runs\n"


def test_the_default_stays_ellipsis(env: Env) -> None:
    result = env("run", "list", ELLIPSIS_API_BASE_URL=env.server.url, ELLIPSIS_API_TOKEN=API_KEY)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split() == ["no", "runs"]
    refused = env("run", "start", "--thread", "t", ELLIPSIS_API_TOKEN=API_KEY)
    assert refused.exit_code == 2
    assert "--thread: Ellipsis runs take no such option; give --platform NAME" in refused.stderr


# threads: interactive input --------------------------------------------------------------------


def test_threads_input_only_while_waiting_for_input(env: Env) -> None:
    run_id = json.loads(start(env, "threads", "ask-run", "--json").stdout)["id"]

    def status() -> str:
        shown = env("run", "get", run_id, "--platform", "threads", "--json").stdout
        return str(json.loads(shown)["status"])

    until(lambda: status() == "waiting_for_input")
    listed = env("run", "list", "-P", "threads", "--status", "waiting_for_input", "--json")
    assert [r["id"] for r in json.loads(listed.stdout)] == [run_id]

    before = len(env.requests)
    too_big = env("run", "input", run_id, "-", "--platform", "threads", input="x" * 40 * 1024)
    assert too_big.exit_code == 2
    assert "input is 40960 bytes; the limit is 32768 (32 KB)" in one_error_line(too_big)
    assert len(env.requests) == before  # refused before any call

    sent = env("run", "input", run_id, "yes, go on", "--platform", "threads")
    assert sent.exit_code == 0, sent.output
    assert sent.stdout == f"{run_id}: input sent\n"
    watched = env("run", "get", run_id, "--platform", "threads", "--watch")
    assert watched.exit_code == 0
    assert any("run.waiting_for_input: Proceed?" in line for line in watched.stdout.splitlines())
    before = len(env.requests)
    again = env("run", "input", run_id, "more", "--platform", "threads")
    assert again.exit_code == 1
    assert "is completed, not waiting_for_input: input not sent" in one_error_line(again)
    assert env.requests[before:] == [f"GET /v1/runs/{run_id}"]  # the content was not sent
    rows = env.server.control_plane.store.events_after(run_id, 0)
    assert all("yes, go on" not in json.dumps(e.data) for e in rows)


# deployments: envs are write-only ----------------------------------------------------------------


def test_envs_reach_the_agent_and_are_never_printed_logged_or_stored(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    result = start(env, "deploy", "go", "--env", f"SERVICE_TOKEN={SECRET}", "-w", "--json")
    assert result.exit_code == 0, result.output
    run_id = json.loads(result.stdout.splitlines()[-1])["id"]
    assert env.runner.environments[-1]["SERVICE_TOKEN"] == SECRET
    outputs = [
        result.output,
        env("run", "get", run_id, "-P", "deploy").output,
        env("run", "get", run_id, "-P", "deploy", "--json").output,
        env("run", "list", "-P", "deploy", "--json").output,
        caplog.text,
    ]
    for text in outputs:
        assert SECRET not in text
    stored = b"".join(p.read_bytes() for p in env.tmp.glob("control-plane.db*"))
    assert SECRET.encode() not in stored
    malformed = start(env, "deploy", "go", "--env", SECRET)
    assert malformed.exit_code == 2
    assert SECRET not in malformed.output


def test_deployments_fields_reach_the_platform(env: Env) -> None:
    result = start(
        env, "deploy", "go", "--retention-seconds", "60", "--no-retain-on-failure", "--json"
    )
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["native"]["retention_seconds"] == 60
    assert run["native"]["retain_on_failure"] is False
    assert run["native"]["input"] == {"task": "go"}
    assert run["links"]["deployment_id"] == "dep_1"
    shown = env("run", "get", run["id"], "-P", "deploy").stdout
    assert re.search(r"^mode:\s+job$", shown, re.MULTILINE)
    assert run["links"]["version_id"] == "v3"
    other = env("run", "list", "-P", "deploy", "--deployment", "dep_2")
    assert other.stdout == "no runs\n"


# refused locally, before any call ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["start", "-P", "deploy", "--retention-seconds", "0"],
         "--retention-seconds must be an integer >= 1"),
        (["start", "-P", "deploy", "--input", "[1]"], "must be a JSON object, not list"),
        (["start", "-P", "deploy", "--input", "{nope"], "not JSON: Expecting property name"),
        (["start", "-P", "ambient", "-p", "x", "--thread", "t"],
         "--thread: not an option of start on the ambient platform"),
        (["start", "-P", "ambient", "-p", " "], "a prompt is required"),
        (["start", "-P", "deploy", "--retention-seconds", str(2**63)], "at most 2^63-1"),
        (["start", "-P", "deploy", "--version-id", ""], "--version-id must be a non-empty string"),
        (["start", "-P", "threads", "--thread", "t", "--persona-id", "coder"],
         "--persona-id must be persona_key@version"),
        (["list", "-P", "ambient", "--creator", ""], "--creator must be a non-empty string"),
        (["start", "-P", "threads"], "--thread: required to start a run on the threads platform"),
        (["start", "-P", "ambient"], "--prompt: required to start a run on the ambient platform"),
        (["start", "-P", "elli", "-t", "a", "-c", "b"],
         "exactly one of a config id, a config or a template"),
        (["list", "-P", "ambient", "--page-size", "501"], "--page-size must be 1-500, got 501"),
        (["list", "-P", "ambient", "--created-after", "yesterday"],
         "--created-after: not an RFC 3339 date-time"),
        (["list", "-P", "ambient", "--source", "EMAIL"], "--source must be one of LINEAR"),
        (["list", "-P", "ambient", "--status", "running"], "--status: not an option of list"),
        (["list", "-P", "threads", "--status", "done"], "--status must be one of running"),
        (["list", "-P", "elli", "--source", "pigeon"], "--source must be one of react"),
        (["list", "-P", "deploy", "--thread", "t"], "--thread: not an option of list"),
        (["get", "x", "-P", "threads", "--deployment", "d"],
         "--deployment applies only to deployments"),
        (["get", "x", "-P", "nowhere"],
         "no platform profile 'nowhere': add [platforms.nowhere] to"),
    ],
)  # fmt: skip
def test_bad_input_is_a_usage_error_before_any_call(
    env: Env, args: list[str], message: str
) -> None:
    result = env("run", *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in " ".join(result.stderr.split())
    assert env.requests == []


def test_a_missing_token_variable_is_named(env: Env) -> None:
    result = env("run", "list", "-P", "threads", THREADS_TOKEN=None)
    assert result.exit_code == 2
    line = one_error_line(result)
    assert "platform 'threads': its token variable THREADS_TOKEN is not set" in line
    assert f"{env.profiles}:12" in line


def test_a_deployments_platform_needs_a_deployment(env: Env) -> None:
    env.profiles.write_text(
        f'[platforms.d]\nkind = "deployments"\nbase_url = "{env.server.url}"\n'
        'token_env = "DEPLOY_TOKEN"\n'
    )
    result = env("run", "list", "-P", "d")
    assert result.exit_code == 2
    assert "give --deployment ID" in one_error_line(result)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[platforms.x]\nkind = \n", ":2:8: invalid TOML: Invalid value"),
        ('[platforms.x]\nkind = "threads"\nbase_url = "http://h"\ntoken = "sk-1"\n',
         ":4: platform 'x': token: never put a token here"),
        ('[platforms.x]\nkind = "mainframe"\n', ":2: platform 'x': kind: must be one of ellipsis"),
        ('[platforms.x]\nkind = "threads"\ntoken_env = "T"\n',
         ":1: platform 'x': base_url: required for the threads platform"),
        ('[platforms.x]\nkind = "ambient"\nbase_url = "ftp://h"\ntoken_env = "T"\n',
         ":3: platform 'x': base_url: must start with http:// or https://"),
        ('[platforms.x]\nkind = "ambient"\nbase_url = "http://h"\ntoken_env = "sk-live-1"\n',
         ":4: platform 'x': token_env: is the NAME of an environment variable"),
        ('[platforms.x]\nkind = "ambient"\ncolour = "red"\n',
         ":3: platform 'x': colour: unknown key"),
        ('default = "x"\n', ":1: unknown key 'default'"),
        ("x = " + "[" * 100_000, ": invalid TOML: arrays or tables are nested too deeply"),
    ],
)  # fmt: skip
def test_a_bad_profile_file_names_file_and_line(env: Env, text: str, message: str) -> None:
    env.profiles.write_text(text)
    result = env("run", "list", "-P", "x")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert f"agent: {env.profiles}{message}" in line
    assert "sk-1" not in line


def test_the_profile_file_can_be_named_by_a_variable(env: Env) -> None:
    other = env.tmp / "elsewhere.toml"
    other.write_text(env.profiles.read_text().replace("[platforms.ambient]", "[platforms.amb2]"))
    result = env("run", "list", "-P", "amb2", AGENTSYNC_PLATFORMS_FILE=str(other))
    assert result.exit_code == 0, result.output
