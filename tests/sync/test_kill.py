"""``kill -9`` of ``agent sync apply`` midway, then apply again: the control plane converges.

The real CLI runs as a subprocess against the real local control plane, through a loopback
proxy that holds every write ~10 ms, so an apply of hundreds of configs takes seconds and the
kill lands midway. The apply after the kill must finish the job (exit 0) and a third must write
nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from agentsync.controlplane.client import Client
from agentsync.controlplane.server import LocalServer
from agentsync.sync.state import SyncState
from tests.controlplane.conftest import API_KEY
from tests.sync.support import INVALID_TEXTS, Expected, FaultProxy, Git, valid_text

REPO = "acme/app"
AGENT = Path(sys.executable).parent / "agent"
CONFIGS = 300
SLOW_WRITE = 0.01  # seconds the proxy holds each write


@pytest.fixture
def direct(server: LocalServer) -> Iterator[Client]:
    with Client(server.url, API_KEY) as client:
        yield client


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.url, write_delay=SLOW_WRITE) as running:
        yield running


class Cli:
    """``agent sync ...`` in a subprocess, talking to the control plane through the proxy."""

    def __init__(self, repo: Path, proxy: FaultProxy, tmp_path: Path) -> None:
        self.repo = repo
        self.state_file = tmp_path / "sync-state.json"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("ELLIPSIS_")}
        self.environ = environ | {
            "ELLIPSIS_API_BASE_URL": proxy.url,
            "ELLIPSIS_API_TOKEN": API_KEY,
            "ELLIPSIS_CONFIG_DIR": str(tmp_path / "no-config"),
        }

    def args(self, command: str, *extra: str) -> list[str]:
        return [
            str(AGENT), "sync", command, str(self.repo), "--repository", REPO,
            "--state-file", str(self.state_file), *extra,
        ]  # fmt: skip

    def run(self, command: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.args(command, *extra),
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def kill_apply_when(self, ready: Callable[[], bool]) -> None:
        """Start ``apply --yes``, and SIGKILL it as soon as ``ready()``."""
        process = subprocess.Popen(
            self.args("apply", "--yes"),
            env=self.environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        try:
            while not ready():
                assert process.poll() is None, "the apply finished before the kill"
                assert time.monotonic() < deadline, "the apply made no progress"
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.kill()  # a no-op when it is dead already
            process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL


def active_count(client: Client) -> int:
    return sum(1 for _ in client.iter_sync_configs(repository=REPO))


def test_a_killed_apply_is_finished_by_the_next(
    tmp_path: Path, direct: Client, proxy: FaultProxy
) -> None:
    git = Git(tmp_path / "repo")
    cli = Cli(git.root, proxy, tmp_path)
    expected = Expected()
    content = iter(range(10_000))

    def commit(files: Mapping[str, str | None]) -> str:
        for path, text in files.items():
            if text is None:
                del expected.files[path]
            else:
                expected.files[path] = text
        return git.commit(files)

    def apply_after_kill(head: str) -> None:
        proxy.wait_idle()  # a write the killed apply left in flight lands first
        proxy.write_delay = 0
        done = cli.run("apply", "--yes")
        assert done.returncode == 0, done.stdout + done.stderr
        expected.applied()
        expected.check(direct, REPO, state=SyncState(cli.state_file), commit=head)

    # 1. Create 300 configs; kill once the control plane holds some but not all.
    paths = [f"agents/k{n:03}.yaml" for n in range(CONFIGS)]
    head = commit({path: valid_text(next(content)) for path in paths})
    cli.kill_apply_when(lambda: active_count(direct) >= 20)
    assert 20 <= active_count(direct) < CONFIGS
    assert direct.get_repository_commit(REPO) is None  # recorded only when all writes succeed
    apply_after_kill(head)
    assert active_count(direct) == CONFIGS

    # 2. Edits, renames, deletes, new files and breaks; kill after a third of the writes.
    proxy.write_delay = SLOW_WRITE
    renamed = {path: path.replace("agents/", "agents/moved/") for path in paths[50:80]}
    head = commit(
        {path: valid_text(next(content)) for path in paths[:50]}
        | dict.fromkeys(renamed)
        | {new: expected.files[old] for old, new in renamed.items()}
        | dict.fromkeys(paths[80:110])
        | {f"agents/new/n{n:02}.yaml": valid_text(next(content)) for n in range(40)}
        | dict.fromkeys(paths[110:115], INVALID_TEXTS[0])
    )
    planned = 50 + 30 + 30 + 40 + 5
    started = len(proxy.writes())
    cli.kill_apply_when(lambda: len(proxy.writes()) - started >= planned // 3)
    proxy.wait_idle()
    assert len(proxy.writes()) - started < planned
    ids = {old: expected.configs[old].id for old in renamed}
    apply_after_kill(head)
    assert {old: expected.configs[new].id for old, new in renamed.items()} == ids

    # 3. Nothing is left to do: the plan is empty and an apply writes no config.
    plan = cli.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    started = len(proxy.writes())
    again = cli.run("apply", "--yes")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Applied 0 of 0 change(s)" in again.stdout
    configs_written = [w for w in proxy.writes()[started:] if w[1].startswith("/v1/sync/configs")]
    assert configs_written == []
