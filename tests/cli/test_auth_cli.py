"""``agent auth login|status|logout`` through the real ``agent`` executable, against the real
local control plane: a token is checked before it is stored, stored 0600, never printed."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, server_options

AGENT = str(Path(sys.executable).parent / "agent")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(server_options(tmp_path)) as running:
        yield running


def agent(
    tmp_path: Path, *args: str, stdin: str = "", **more_env: str
) -> subprocess.CompletedProcess[str]:
    bare = {k: v for k, v in os.environ.items() if not k.startswith("ELLIPSIS_")}
    env = {**bare, "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"), **more_env}
    return subprocess.run(
        [AGENT, *args], env=env, input=stdin, capture_output=True, text=True, check=False,
        timeout=60,
    )  # fmt: skip


def test_login_status_logout(server: LocalServer, tmp_path: Path) -> None:
    config = tmp_path / "ellipsis" / "config.json"
    login = agent(tmp_path, "auth", "login", "--base-url", server.url, stdin=API_KEY + "\n")
    assert login.returncode == 0, login.stderr
    assert login.stdout.startswith(f"logged in to {server.url} as ")
    assert json.loads(config.read_text()) == {"token": API_KEY, "apiBase": server.url}
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    status = agent(tmp_path, "auth", "status")
    assert status.returncode == 0, status.stderr
    assert f"(token from {config})" in status.stdout
    from_env = agent(tmp_path, "auth", "status", ELLIPSIS_API_TOKEN=API_KEY)
    assert "(token from the ELLIPSIS_API_TOKEN environment variable)" in from_env.stdout
    logout = agent(tmp_path, "auth", "logout")
    assert logout.returncode == 0
    assert json.loads(config.read_text()) == {"apiBase": server.url}
    after = agent(tmp_path, "auth", "status")
    assert after.returncode == 2
    assert "not logged in" in after.stderr
    for result in (login, status, from_env, logout, after):
        assert API_KEY not in result.stdout + result.stderr


def test_a_refused_token_is_not_stored(server: LocalServer, tmp_path: Path) -> None:
    refused = agent(tmp_path, "auth", "login", "--base-url", server.url, stdin="wrong-token\n")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert "wrong-token" not in refused.stdout + refused.stderr
    assert not (tmp_path / "ellipsis" / "config.json").exists()
