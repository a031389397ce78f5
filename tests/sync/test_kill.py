"""``kill -9`` of ``agent sync apply`` midway, then apply again: the control plane converges.

The real CLI runs as a subprocess against the real local control plane, through a loopback
proxy that holds every write ~10 ms, so an apply of hundreds of configs takes seconds and the
kill lands midway. The apply after the kill must finish the job (exit 0) and a third must write
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.sync.state import SyncState
from tests.sync.support import INVALID_TEXTS, Cli, Expected, FaultProxy, Git, valid_text

REPO = "acme/app"
CONFIGS = 300
SLOW_WRITE = 0.01  # seconds the proxy holds each write


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.url, write_delay=SLOW_WRITE) as running:
        yield running


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

    def apply_after_kill(head: str, exit_code: int) -> None:
        proxy.wait_idle()  # a write the killed apply left in flight lands first
        proxy.write_delay = 0
        done = cli.run("apply", "--yes")
        assert done.returncode == exit_code, done.stdout + done.stderr
        expected.applied()
        expected.check(direct, REPO, state=SyncState(cli.state_file), commit=head)

    # 1. Create 300 configs; kill once the control plane holds some but not all.
    paths = [f"agents/k{n:03}.yaml" for n in range(CONFIGS)]
    head = commit({path: valid_text(next(content)) for path in paths})
    cli.kill_apply_when(lambda: active_count(direct) >= 20)
    assert 20 <= active_count(direct) < CONFIGS
    assert direct.get_repository_commit(REPO) is None  # recorded only when all writes succeed
    apply_after_kill(head, exit_code=0)
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
    apply_after_kill(head, exit_code=1)  # five files were broken: invalid
    assert {old: expected.configs[new].id for old, new in renamed.items()} == ids

    # 3. Nothing is left to do: the plan is empty and an apply writes no config.
    plan = cli.run("plan", "--detailed-exitcode")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    started = len(proxy.writes())
    again = cli.run("apply", "--yes")
    assert again.returncode == 1, again.stdout + again.stderr  # the five are still invalid
    assert "Applied 0 of 0 changes" in again.stdout
    assert "; 5 invalid: 5 already recorded." in again.stdout
    configs_written = [w for w in proxy.writes()[started:] if w[1].startswith("/v1/sync/configs")]
    assert configs_written == []
