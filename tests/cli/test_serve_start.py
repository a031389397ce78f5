"""``agent serve`` starting up, as an operator sees it: every missing setting in one message,
a busy port refused before anything starts (as ``agent control-plane serve`` refuses one), a
one-line banner once it listens, and help for every option."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import click
import pytest

from agentsync.cli.serve import serve_group, worker_command

AGENT = str(Path(sys.executable).parent / "agent")
CONTROL_PLANE = "http://127.0.0.1:9/control-plane"  # never called: nothing starts a job
SETTINGS = {
    "AGENTSYNC_WEBHOOK_SECRET": "a-webhook-secret-of-some-length",
    "AGENTSYNC_GITHUB_TOKEN": "not-a-real-token",
    "ELLIPSIS_API_TOKEN": "not-a-real-token",
    "ELLIPSIS_API_BASE_URL": CONTROL_PLANE,
}


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    bare = {k: v for k, v in os.environ.items() if k not in SETTINGS and "GITHUB_APP" not in k}
    return {**bare, "XDG_STATE_HOME": str(tmp_path), "ELLIPSIS_CONFIG_DIR": str(tmp_path)}


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def test_every_missing_setting_is_reported_at_once(environment: dict[str, str]) -> None:
    done = subprocess.run(
        [AGENT, "serve", "--port", "0"], env=environment, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "3 settings are missing or wrong" in done.stderr
    for named in ("AGENTSYNC_GITHUB_TOKEN", "ELLIPSIS_API_TOKEN", "AGENTSYNC_WEBHOOK_SECRET"):
        assert named in done.stderr


def test_a_busy_port_is_refused_before_anything_starts(
    environment: dict[str, str], busy_port: int, tmp_path: Path
) -> None:
    database = tmp_path / "service.db"
    done = subprocess.run(
        [AGENT, "serve", "--port", str(busy_port), "--database", str(database)],
        env={**environment, **SETTINGS}, capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr
        == f"agent: cannot listen on 127.0.0.1:{busy_port} (in use): pick another --port\n"
    )
    assert not database.exists()  # no store opened, no worker started, no job taken


def test_the_local_control_plane_refuses_a_busy_port_before_it_opens_its_database(
    environment: dict[str, str], busy_port: int, tmp_path: Path
) -> None:
    database = tmp_path / "control-plane.db"
    command = [AGENT, "control-plane", "serve", "--port", str(busy_port), "--db", str(database)]
    done = subprocess.run(
        [*command, "--token", "a-control-plane-token-0123"],
        env=environment, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr
        == f"agent: cannot listen on 127.0.0.1:{busy_port} (in use): pick another --port\n"
    )
    assert not database.exists()


def _first_lines_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stderr is not None
    lines = [process.stderr.readline()]
    while marker not in lines[-1] and lines[-1] and len(lines) < 50:
        lines.append(process.stderr.readline())
    return lines


class Stopped(NamedTuple):
    returncode: int
    first: list[str]  # stderr's lines up to the one holding the marker
    rest: str  # stderr after the signal


def start_then_stop(
    argv: list[str], env: dict[str, str], marker: str, signum: int = signal.SIGTERM
) -> Stopped:
    """Run ``argv`` until its stderr shows ``marker`` (its start-up line), then send it
    ``signum`` and wait for it to end."""
    with subprocess.Popen(
        argv, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    ) as process:
        first = _first_lines_until(process, marker)
        process.send_signal(signum)
        _, rest = process.communicate(timeout=30)
    return Stopped(process.returncode, first, rest)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_a_started_service_logs_one_banner_line(
    environment: dict[str, str], tmp_path: Path, log_format: str
) -> None:
    """The banner names where it listens, the database and its backend, and the workers; the
    logs are JSON lines for collectors (the default off a terminal), or readable text."""
    database = tmp_path / "service.db"
    command = [AGENT, "serve", "--port", "0", "--database", str(database), "--workers", "2"]
    argv = [*command, "--log-format", log_format]
    lines = start_then_stop(argv, {**environment, **SETTINGS}, "agent serve:", signal.SIGINT).first
    banner = json.loads(lines[-1])["message"] if log_format == "json" else lines[-1].rstrip("\n")
    assert re.search(
        rf"agent serve: webhooks on http://127\.0\.0\.1:\d+/webhooks/github, "
        rf"database {re.escape(str(database))} \(SQLite\), "
        rf"control plane {re.escape(CONTROL_PLANE)}, 2 workers$",
        banner,
    ), lines
    if log_format == "text":
        assert re.match(r"\d\d:\d\d:\d\d info +agent serve:", banner)


def test_an_endpoint_without_workers_needs_only_its_webhook_secret(
    environment: dict[str, str], tmp_path: Path
) -> None:
    """The web endpoint of a PostgreSQL deployment only queues deliveries: it used to refuse to
    start without GitHub's credentials and the control plane's token, which it never uses (and,
    facing the internet, should not hold). It stops on SIGTERM with status 0."""
    database = tmp_path / "service.db"
    command = [AGENT, "serve", "--port", "0", "--database", str(database), "--workers", "0"]
    secret_only = {"AGENTSYNC_WEBHOOK_SECRET": SETTINGS["AGENTSYNC_WEBHOOK_SECRET"]}
    stopped = start_then_stop(
        [*command, "--log-format", "json"], {**environment, **secret_only}, "agent serve:"
    )
    assert stopped.returncode == 0, stopped.first
    banner = json.loads(stopped.first[-1])["message"]
    assert banner.endswith(f"database {database} (SQLite), 0 workers")
    assert "stopped" in [json.loads(line)["message"] for line in stopped.rest.splitlines()]
    without_secret = subprocess.run(
        command, env=environment, capture_output=True, text=True, timeout=60, check=False
    )
    assert without_secret.returncode == 2
    assert "AGENTSYNC_WEBHOOK_SECRET" in without_secret.stderr
    assert "ELLIPSIS_API_TOKEN" not in without_secret.stderr, without_secret.stderr


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600])
def test_a_secret_file_others_may_read_is_warned_about(
    environment: dict[str, str], tmp_path: Path, mode: int
) -> None:
    """Its mode is the operator's to change: the warning says how, and never the secret."""
    secret = tmp_path / "webhook-secret"
    secret.write_text(SETTINGS["AGENTSYNC_WEBHOOK_SECRET"] + "\n")
    secret.chmod(mode)
    command = [AGENT, "serve", "--port", "0", "--database", str(tmp_path / "service.db")]
    options = ["--workers", "0", "--webhook-secret-file", str(secret), "--log-format", "json"]
    lines = start_then_stop([*command, *options], environment, "agent serve:").first
    messages = [json.loads(line)["message"] for line in lines]
    warned = f"{secret}: the webhook secret is readable by its group or others (mode {mode:04o}): "
    expected = [f"{warned}chmod 600 {secret}"] if mode != 0o600 else []
    assert [m for m in messages if "readable by" in m] == expected, messages
    assert SETTINGS["AGENTSYNC_WEBHOOK_SECRET"] not in "".join(lines)


def test_a_started_worker_logs_its_database_and_threads(
    environment: dict[str, str], tmp_path: Path
) -> None:
    database = tmp_path / "service.db"
    command = [AGENT, "worker", "--database", str(database), "--threads", "2"]
    stopped = start_then_stop(
        [*command, "--log-format", "json"], {**environment, **SETTINGS}, "agent worker:",
        signal.SIGINT,
    )  # fmt: skip
    assert stopped.returncode == 0
    lines = stopped.first
    banner = json.loads(lines[-1])["message"]
    assert banner == (
        f"agent worker: database {database} (SQLite), control plane {CONTROL_PLANE}, 2 threads"
    ), lines


def test_every_option_of_serve_and_worker_says_what_it_is_for() -> None:
    commands = [serve_group, worker_command, *serve_group.commands.values()]
    bare = [
        f"{command.name} {option.opts[0]}"
        for command in commands
        for option in command.params
        if isinstance(option, click.Option) and not option.help and option.name != "help"
    ]
    assert bare == []
