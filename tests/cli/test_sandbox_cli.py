"""``agent sandbox var list|set|rm`` through the real ``agent`` executable, against the real
local control plane: values go in from stdin or a file and never come out."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, server_options

AGENT = str(Path(sys.executable).parent / "agent")
SECRET = "postgres://app:s3cr3t-Pa55@db/app"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(server_options(tmp_path)) as running:
        yield running


def agent(
    server: LocalServer, tmp_path: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ELLIPSIS_API_BASE_URL": server.url,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"),
    }
    return subprocess.run(
        [AGENT, *args], env=env, input=stdin, capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip


def test_set_list_and_remove_without_ever_showing_a_value(
    server: LocalServer, tmp_path: Path
) -> None:
    piped = agent(server, tmp_path, "sandbox", "var", "set", "DATABASE_URL", stdin=SECRET + "\n")
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "stored DATABASE_URL (its value is encrypted and never shown)\n"
    value_file = tmp_path / "token.txt"
    value_file.write_text("lin_api_0123456789abcdef\n")
    from_file = agent(
        server, tmp_path, "sandbox", "var", "set", "LINEAR_API_KEY", "--from-file", str(value_file)
    )
    assert from_file.returncode == 0, from_file.stderr
    listed = agent(server, tmp_path, "sandbox", "var", "list")
    assert listed.stdout.splitlines()[0].split() == ["NAME", "CREATED", "UPDATED"]
    stored = json.loads(agent(server, tmp_path, "sandbox", "var", "list", "--json").stdout)
    assert [v["name"] for v in stored] == ["DATABASE_URL", "LINEAR_API_KEY"]
    assert all(set(v) == {"name", "created_at", "updated_at"} for v in stored)
    removed = agent(server, tmp_path, "sandbox", "var", "rm", "DATABASE_URL")
    assert removed.stderr == "deleted DATABASE_URL\n"
    after = json.loads(agent(server, tmp_path, "sandbox", "var", "list", "--json").stdout)
    assert [v["name"] for v in after] == ["LINEAR_API_KEY"]
    for result in (piped, from_file, listed, removed):
        assert "s3cr3t" not in result.stdout + result.stderr
        assert "0123456789abcdef" not in result.stdout + result.stderr


def test_a_denied_or_empty_variable_is_refused_in_one_line(
    server: LocalServer, tmp_path: Path
) -> None:
    denied = agent(server, tmp_path, "sandbox", "var", "set", "LD_PRELOAD", stdin="/tmp/x.so")
    assert denied.returncode == 1
    assert denied.stderr.startswith(
        "agent: the control plane refused LD_PRELOAD: name LD_PRELOAD is refused: it changes "
        "how a process starts (the dynamic loader"
    )  # not "invalid config: variables.0: ...": no config is involved
    assert denied.stderr.count("\n") == 1
    empty = agent(server, tmp_path, "sandbox", "var", "set", "EMPTY", stdin="")
    assert empty.returncode == 2
    assert "no value for EMPTY" in empty.stderr


def test_quiet_prints_nothing_and_verbose_logs_each_request(
    server: LocalServer, tmp_path: Path
) -> None:
    quiet = agent(server, tmp_path, "-q", "sandbox", "var", "set", "REGION", stdin="eu-west-1")
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    verbose = agent(server, tmp_path, "-v", "sandbox", "var", "list")
    assert f"agent: httpx: HTTP Request: GET {server.url}/v1/sandboxes/variables" in verbose.stderr
    assert "REGION" in verbose.stdout
    assert API_KEY not in verbose.stderr
