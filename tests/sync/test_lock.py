"""Two ``agent sync apply`` runs at once with one state file: the second waits for the first
(``--lock-timeout``) or stops at once, naming the holder; never do both write.

The real CLI runs as subprocesses against the real local control plane, through a loopback
proxy that holds every write a little, so the first apply is still writing when the second
starts."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.errors import UsageError
from agentsync.localserver.server import LocalServer
from agentsync.sync.lock import apply_lock
from tests.sync.support import Cli, FaultProxy, Git, valid_text

CONFIGS = 120


@pytest.fixture
def proxy(server: LocalServer) -> Iterator[FaultProxy]:
    with FaultProxy(server.url, write_delay=0.01) as running:
        yield running


@pytest.fixture
def cli(tmp_path: Path, proxy: FaultProxy) -> Cli:
    git = Git(tmp_path / "repo")
    git.commit({f"agents/c{n:03}.yaml": valid_text(n) for n in range(CONFIGS)})
    return Cli(git.root, proxy, tmp_path)


def test_a_second_apply_stops_at_once_naming_the_holder(cli: Cli, direct: Client) -> None:
    with apply_lock(cli.state_file):
        refused = cli.run("apply", "--yes")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"agent: another apply is running (pid {os.getpid()}) with the sync state "
        f"{cli.state_file}: wait for it to finish, or pass --lock-timeout SECONDS to wait for it"
    )
    assert refused.stdout == ""  # it did not even plan
    assert list(direct.iter_sync_configs(repository=cli.repository)) == []
    with apply_lock(cli.state_file):
        waited = cli.run("apply", "--yes", "--lock-timeout", "0.2")
    assert waited.returncode == 1
    assert waited.stderr.strip().endswith(
        f"with the sync state {cli.state_file}, still after 0.2 s: wait for it to finish, or "
        "pass a longer --lock-timeout to wait for it"
    )  # not "pass --lock-timeout SECONDS", which it had


def test_two_applies_at_once_write_each_change_once(
    cli: Cli, proxy: FaultProxy, direct: Client
) -> None:
    first = cli.start("apply", "--yes", "--lock-timeout", "60")
    deadline = time.monotonic() + 30
    while not proxy.writes():  # the first holds the lock and is writing
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first apply made no write"
        time.sleep(0.01)
    second = cli.start("apply", "--yes", "--lock-timeout", "60")
    first_out, first_err = first.communicate(timeout=120)
    second_out, second_err = second.communicate(timeout=120)

    assert (first.returncode, second.returncode) == (0, 0), first_err + second_err
    assert f"Applied {CONFIGS} of {CONFIGS} changes" in first_out
    assert "waiting for another apply (pid " in second_err
    assert "Applied 0 of 0 changes" in second_out  # it planned after the first had applied
    assert len(proxy.writes()) == CONFIGS + 1  # one create each, and the applied commit
    assert sum(1 for _ in direct.iter_sync_configs(repository=cli.repository)) == CONFIGS


@pytest.mark.parametrize("blocker", ["lock", "parent"])
def test_a_lock_that_cannot_be_opened_is_one_line(tmp_path: Path, blocker: str) -> None:
    """A directory where the lock goes, or a file where its directory goes (a --state-file
    under a file): the apply stopped with "internal error: IsADirectoryError" (or
    FileExistsError, FileNotFoundError), exit 3, and a bug report request."""
    state_file = tmp_path / "state" / "sync-state.json"
    if blocker == "lock":
        (tmp_path / "state" / "sync-state.json.lock").mkdir(parents=True)
    else:
        (tmp_path / "state").write_text("not a directory")
    with pytest.raises(UsageError) as refused, apply_lock(state_file):
        pass
    why = "is a directory" if blocker == "lock" else f"file exists ({tmp_path / 'state'})"
    assert str(refused.value) == (
        f"{state_file}.lock: cannot open the sync state's lock: {why}: pass --state-file PATH "
        "in a directory you can write"
    )
