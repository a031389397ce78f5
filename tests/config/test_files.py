"""Files that aren't files: only regular files inside the repository are read. A symbolic
link (to a device, to a file outside the repository, to another config) and a FIFO are
ignored with a note, never read or waited on; the sync engine skips exactly the same paths.
Every check runs agent-lint as a process with a timeout, so a hang fails instead of hanging."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from agentsync.config.files import NotRegularFile, read_regular_file
from agentsync.sync.desired import desired_files
from agentsync.sync.sources.git import LocalGitSource
from tests.sync.support import Git

GOOD = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\n"
OUTSIDE_SECRET = "ghp_" + "s3cretvalueoutsidetherepo0123456789"


def _lint(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from agentsync.cli.lint import main; sys.exit(main())",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Git:
    """A repository whose config directory holds a good config and things that aren't files."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(
        f"ellipsis: {{version: v1}}\nclaude:\n  system: hi\nleak: {OUTSIDE_SECRET}\n"
    )
    git = Git(tmp_path / "repo")
    agents = git.root / "agents"
    agents.mkdir()
    (agents / "good.yaml").write_text(GOOD)
    (agents / "zero.yaml").symlink_to("/dev/zero")
    (agents / "urandom.yaml").symlink_to("/dev/urandom")
    (agents / "outside.yaml").symlink_to(outside / "secret.yaml")
    (agents / "alias.yaml").symlink_to("good.yaml")
    (agents / "linked-dir").symlink_to(outside, target_is_directory=True)
    (git.root / ".agents").symlink_to(outside, target_is_directory=True)
    git.commit({})
    os.mkfifo(agents / "fifo.yaml")  # git cannot store a FIFO: on disk only
    return git


def test_agent_lint_reads_only_the_regular_file(hostile: Git) -> None:
    done = _lint(hostile.root, "--format", "json")
    assert done.returncode == 0, done.stderr
    files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    assert files["agents/good.yaml"]["status"] == "valid"
    ignored = {path for path, f in files.items() if f["status"] == "ignored"}
    assert ignored == {
        "agents/zero.yaml",
        "agents/urandom.yaml",
        "agents/outside.yaml",
        "agents/alias.yaml",
        "agents/fifo.yaml",
    }
    assert "symbolic link" in files["agents/outside.yaml"]["note"]
    assert "FIFO" in files["agents/fifo.yaml"]["note"]
    assert OUTSIDE_SECRET not in done.stdout + done.stderr


def test_nothing_from_outside_is_printed_in_text(hostile: Git) -> None:
    done = _lint(hostile.root, "--format", "text")
    assert done.returncode == 0, done.stderr
    assert "agents/outside.yaml: ignored: a symbolic link" in done.stdout
    assert OUTSIDE_SECRET not in done.stdout + done.stderr
    assert "secret.yaml" not in done.stdout


def test_a_link_given_by_name_is_ignored_too(hostile: Git) -> None:
    done = _lint(hostile.root, "agents/outside.yaml", "agents/zero.yaml", "agents/fifo.yaml")
    assert done.returncode == 0, done.stderr
    assert OUTSIDE_SECRET not in done.stdout
    assert "3 ignored" in done.stdout


def test_a_path_through_a_symlinked_directory_is_ignored(hostile: Git) -> None:
    given = ("agents/linked-dir", "agents/linked-dir/secret.yaml", ".agents", ".agents/secret.yaml")
    done = _lint(hostile.root, "--format", "json", *given)
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    assert sorted(f["path"] for f in files) == sorted(given)
    assert {f["status"] for f in files} == {"ignored"}
    assert OUTSIDE_SECRET not in done.stdout + done.stderr


def test_a_path_through_a_symlink_loop_is_ignored(tmp_path: Path) -> None:
    """A config directory that is a link to itself (the index still lists its files): agent-lint
    given a path through it stopped with "internal error: RuntimeError: Symlink loop"."""
    git = Git(tmp_path / "repo")
    git.commit({"ellipsis/a.yaml": GOOD})
    shutil.rmtree(git.root / "ellipsis")
    (git.root / "ellipsis").symlink_to("ellipsis")
    given = ("ellipsis", "ellipsis/a.yaml")
    done = _lint(git.root, "--format", "json", *given)
    assert done.returncode == 0, done.stderr
    files = json.loads(done.stdout)["files"]
    assert [(f["path"], f["status"]) for f in files] == [(path, "ignored") for path in given]
    assert "symbolic link" in files[1]["note"]


@pytest.mark.parametrize("working_tree", [False, True])
def test_sync_skips_exactly_what_lint_ignores_as_not_a_file(
    hostile: Git, working_tree: bool
) -> None:
    snapshot = LocalGitSource(hostile.root, repository="acme/app", working_tree=working_tree)
    desired = desired_files(snapshot.snapshot())
    assert {path: file.status for path, file in desired.items()} == {"agents/good.yaml": "valid"}


def test_reads_stop_at_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"x" * 5_000_000)
    raw, size = read_regular_file(big, 1000)
    assert (len(raw), size) == (1001, 5_000_000)


def test_a_directory_is_not_a_regular_file(tmp_path: Path) -> None:
    with pytest.raises(NotRegularFile, match="a directory"):
        read_regular_file(tmp_path, 1000)


def test_a_socket_is_not_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"  # opening a socket fails (ENXIO): it is not read, not unreadable
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(path))
        with pytest.raises(NotRegularFile, match="a socket"):
            read_regular_file(path, 1000)


def test_a_deep_tree_of_directories_is_walked() -> None:
    """Deeper than Python's recursion limit: agent-lint and sync still find the config. (Not
    under pytest's temporary directory: its clean-up, recursive, could not delete the tree.)"""
    scratch = Path(tempfile.mkdtemp(prefix="agentsync-deep-"))
    git = Git(scratch / "repo")
    git.commit({})
    levels = [git.root / "agents"]
    for _ in range(1100):
        levels.append(levels[-1] / "d")
    for directory in levels:
        directory.mkdir()
    deep = levels[-1] / "deep.yaml"
    deep.write_text("ellipsis: {version: v2}\nclaude:\n  system: Hi.\n")
    try:
        done = _lint(git.root, "--format", "json")
        assert done.returncode == 1, done.stderr
        linted = {f["path"]: f["status"] for f in json.loads(done.stdout)["files"]}
        assert list(linted.values()) == ["invalid"]
        source = LocalGitSource(git.root, repository="acme/app", working_tree=True)
        desired = desired_files(source.snapshot())
        assert {path: file.status for path, file in desired.items()} == linted
    finally:  # shutil.rmtree (pytest's clean-up too) recurses: it would fail on this tree
        deep.unlink()
        for directory in reversed(levels):
            directory.rmdir()
        shutil.rmtree(scratch)


ODD_NAMES = {
    "agents/new\nline.yaml": "ellipsis: {version: v2}\nclaude:\n  system: Review.\n",
    "agents/tab\there.yaml": GOOD,
    "agents/evil\u202egnp.yaml": "ellipsis: {version: v2}\nclaude:\n  system: Review.\n",
    "agents/bell\a.yaml": "not: a config\n",
}


@pytest.fixture
def odd(tmp_path: Path) -> Git:
    git = Git(tmp_path / "repo")
    git.commit(ODD_NAMES)
    return git


def test_lint_and_sync_agree_on_odd_names(odd: Git) -> None:
    done = _lint(odd.root, "--format", "json")
    linted = {f["path"]: f["status"] for f in json.loads(done.stdout)["files"]}
    assert linted == {
        "agents/new\nline.yaml": "invalid",
        "agents/tab\there.yaml": "valid",
        "agents/evil\u202egnp.yaml": "invalid",
        "agents/bell\a.yaml": "ignored",
    }
    for working_tree in (False, True):
        source = LocalGitSource(odd.root, repository="acme/app", working_tree=working_tree)
        desired = desired_files(source.snapshot())
        assert {path: file.status for path, file in desired.items()} == linted


def test_odd_names_are_escaped_when_printed(odd: Git) -> None:
    done = _lint(odd.root, "--format", "text")
    assert "agents/new\\nline.yaml:1:21: error:" in done.stdout
    assert "agents/evil\\u202egnp.yaml:1:21: error:" in done.stdout
    assert "\u202e" not in done.stdout
    assert "\a" not in done.stdout


def test_a_symlinked_settings_file_is_not_read(hostile: Git, tmp_path: Path) -> None:
    leaked = tmp_path / "leak.yaml"
    leaked.write_text(f'disable: "{OUTSIDE_SECRET}\n')  # unparsable: its text would be quoted
    (hostile.root / ".agent-lint.yaml").symlink_to(leaked)
    done = _lint(hostile.root, "agents/good.yaml")
    assert done.returncode == 0, done.stderr
    assert OUTSIDE_SECRET not in done.stdout + done.stderr
