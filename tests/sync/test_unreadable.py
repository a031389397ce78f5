"""Unreadable files and directories are reported, never skipped and never a traceback.

agent-lint: an unreadable config file, and a directory under a config root that cannot be
listed, are each an error (rule ``unreadable``) naming the path; the run goes on for the other
files and exits 1, whether the repository is linted whole or the path is given. An unreadable
settings file is one line and exit 2. The sync engine agrees on the working tree: such a file
is invalid, so its config keeps its last good version (or the new file is an orphan error),
and nothing is deleted. (The commit holds content, not permissions: it syncs as committed.)

Real git repositories, agent-lint and agent as processes bound by file permissions
(``tests.permissions``), the real local control plane on loopback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer
from agentsync.sync.state import SyncState
from tests.localserver.conftest import API_KEY
from tests.permissions import AGENT_LINT, run_bound, run_sync, why_permissions_do_not_bind
from tests.sync.support import Git, valid_text
from tests.trees import Entry, build, release

REPO = "acme/app"
UNREADABLE = {"agents/secret.yaml", "agents/locked/kept.yaml"}


@pytest.fixture(autouse=True)
def _permissions_bind() -> None:
    reason = why_permissions_do_not_bind()
    if reason is not None:
        pytest.skip(f"an unreadable file cannot be made: {reason}")


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Git]:
    """A repository holding a readable config, an unreadable one, and a directory that cannot
    be listed, with a committed config in it."""
    git = Git(tmp_path / "repo")
    git.run("remote", "add", "origin", f"https://github.com/{REPO}.git")
    build(
        git,
        [
            Entry("agents/good.yaml", content=valid_text(1).encode()),
            Entry("agents/secret.yaml", content=valid_text(2).encode(), unreadable=True),
            Entry("agents/locked/kept.yaml", content=valid_text(3).encode()),
            Entry("agents/locked", "directory", unreadable=True),
        ],
    )
    yield git
    release(git.root)


def _errors(done_stdout: str) -> dict[str, tuple[str, list[str]]]:
    files = json.loads(done_stdout)["files"]
    return {f["path"]: (f["status"], [d["rule"] for d in f["diagnostics"]]) for f in files}


def test_agent_lint_reports_each_unreadable_path(locked: Git) -> None:
    done = run_bound([*AGENT_LINT, "--format", "json"], locked.root)
    assert (done.returncode, done.stderr) == (1, "")
    assert _errors(done.stdout) == {
        "agents/good.yaml": ("valid", []),
        "agents/secret.yaml": ("invalid", ["unreadable"]),
        "agents/locked": ("invalid", ["unreadable"]),
    }
    text = run_bound(list(AGENT_LINT), locked.root).stdout
    assert "agents/locked:1:1: error: cannot read this directory (permission denied)" in text
    assert "agents/secret.yaml:1:1: error: cannot read this file (permission denied)" in text


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("agents/locked", "directory"),
        ("agents/locked/kept.yaml", "file"),
        ("agents/locked/not-there.yaml", "file"),
        ("agents/secret.yaml", "file"),
    ],
)
def test_a_given_unreadable_path_is_a_diagnostic(locked: Git, given: str, kind: str) -> None:
    done = run_bound([*AGENT_LINT, given, "agents/good.yaml"], locked.root)
    assert (done.returncode, done.stderr) == (1, "")
    assert f"{given}:1:1: error: cannot read this {kind} (permission denied)" in done.stdout
    assert "1 error, 0 warnings in 2 configs (1 invalid)" in done.stdout


@pytest.mark.parametrize("given", [(), ("agents/listed",)])
def test_a_directory_listed_but_not_entered(locked: Git, given: tuple[str, ...]) -> None:
    """Mode 644 on a directory: its names can be read, not its files."""
    listed = locked.root / "agents" / "listed"
    listed.mkdir()
    (listed / "a.yaml").write_text(valid_text(4))
    listed.chmod(0o644)
    done = run_bound([*AGENT_LINT, *given], locked.root)
    assert (done.returncode, done.stderr) == (1, "")
    unreadable = "agents/listed/a.yaml:1:1: error: cannot read this file (permission denied)"
    assert unreadable in done.stdout


def test_an_unreadable_settings_file_is_one_line(locked: Git) -> None:
    settings = locked.root / ".agent-lint.yaml"
    settings.write_text("disable: [budget-schedule]\n")
    settings.chmod(0)
    done = run_bound(list(AGENT_LINT), locked.root)
    assert done.returncode == 2
    assert done.stderr == f"agent-lint: {settings}: cannot read it (permission denied)\n"


def _agent(server: LocalServer, tmp_path: Path, root: Path, *args: str, exit_code: int = 0) -> str:
    done = run_sync(server.url, tmp_path, root, *args)
    assert (done.returncode, "Traceback" in done.stderr) == (exit_code, False), done.stderr
    return done.stdout


def test_sync_keeps_the_last_good_config_of_an_unreadable_file(
    locked: Git, server: LocalServer, tmp_path: Path
) -> None:
    _agent(server, tmp_path, locked.root, "apply", "--yes")  # the commit: every file readable
    plan = _agent(server, tmp_path, locked.root, "plan", "--working-tree")
    assert "  ! agents/secret.yaml: invalid: the last good config stays in force" in plan
    assert "cannot read this file (permission denied) [unreadable]" in plan
    assert "  ! agents/locked: invalid new file: no agent is created" in plan
    # The unreadable files are invalid: their errors are recorded and apply exits 1.
    _agent(
        server, tmp_path, locked.root, "apply", "--working-tree", "--force", "--yes", exit_code=1
    )
    with Client(server.url, API_KEY) as client:
        configs = {c.path: c for c in client.iter_sync_configs(repository=REPO)}
    assert sorted(configs) == ["agents/good.yaml", "agents/locked/kept.yaml", "agents/secret.yaml"]
    for path, config in configs.items():
        rules = [d["rule"] for d in config.sync_error.diagnostics] if config.sync_error else []
        assert rules == (["unreadable"] if path in UNREADABLE else []), path
        assert not config.deleted
    state = SyncState(tmp_path / "sync-state.json")
    assert list(state.orphans(REPO)) == ["agents/locked"]
