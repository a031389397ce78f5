"""A gitignored config and a config inside a git submodule: the platform reads files at a
commit, so neither reaches it; sync never reads them, and agent-lint's directory walk (on a real
git repository) skips them with a note saying why. A file named on the command line is linted
as given."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentsync.cli.lint import main
from agentsync.config.worktree import GITIGNORED_NOTE, SUBMODULE_NOTE
from agentsync.lint.result import LintResult
from agentsync.lint.runner import collect_targets, lint_targets
from agentsync.lint.settings import Settings
from agentsync.sync.desired import desired_files
from agentsync.sync.sources.git import LocalGitSource
from tests.sync.support import Git

GOOD = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\n"
BAD = "ellipsis: {version: v2}\nclaude:\n  system: Review the diff.\n"


@pytest.fixture
def repo(tmp_path: Path) -> Git:
    """A repository with a committed config, a gitignored one, one ignored but added by force,
    an untracked one, and a submodule under agents/ that holds a config of its own."""
    vendor = Git(tmp_path / "vendor")
    vendor.commit({"agent.yaml": BAD, "nested/more.yml": BAD})
    git = Git(tmp_path / "repo")
    git.commit({".gitignore": "agents/local*.yaml\n", "agents/tracked.yaml": GOOD})
    (git.root / "agents" / "local.yaml").write_text(BAD)
    (git.root / "agents" / "local-forced.yaml").write_text(GOOD)
    git.run("add", "--force", "agents/local-forced.yaml")
    git.run(
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(vendor.root),
        "agents/vendor",
    )
    git.commit({})
    (git.root / "agents" / "untracked.yaml").write_text(GOOD)
    return git


def _lint(paths: list[str], root: Path) -> LintResult:
    return lint_targets(collect_targets(paths, root, root), Settings(), jobs=1)


def _read(result: LintResult) -> dict[str, str]:
    return {f.path: f.status for f in result.files if f.note is None}


def _notes(result: LintResult) -> dict[str, str | None]:
    return {f.path: f.note for f in result.files if f.note is not None}


NOT_READ = {
    "agents/local.yaml": f"{GITIGNORED_NOTE}, and sync does not read it",
    "agents/vendor/agent.yaml": f"{SUBMODULE_NOTE}, and sync does not read it",
    "agents/vendor/nested/more.yml": f"{SUBMODULE_NOTE}, and sync does not read it",
}


def test_the_walk_reads_what_sync_reads(repo: Git, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.root)
    result = _lint([], repo.root)
    assert _notes(result) == NOT_READ
    # the working tree, as sync reads it: the same files, with the same verdicts
    snapshot = LocalGitSource(repo.root, working_tree=True, repository="acme/app").snapshot()
    desired = desired_files(snapshot)
    assert _read(result) == {path: file.status for path, file in desired.items()}
    assert sorted(_read(result)) == [
        "agents/local-forced.yaml",
        "agents/tracked.yaml",
        "agents/untracked.yaml",
    ]
    # once committed (git add -A leaves the ignored file out), the commit holds the same files
    repo.commit({})
    committed = LocalGitSource(repo.root, repository="acme/app").snapshot()
    assert sorted(committed.files) == sorted(_read(result))


def test_walking_a_directory_skips_the_same_files(
    repo: Git, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    assert _notes(_lint(["agents"], repo.root)) == NOT_READ
    # the submodule walked on its own is still the superproject's submodule
    assert _notes(_lint(["agents/vendor"], repo.root)) == {
        path: note for path, note in NOT_READ.items() if path.startswith("agents/vendor/")
    }


def test_a_file_named_explicitly_is_linted_as_given(
    repo: Git, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    result = _lint(["agents/local.yaml", "agents/vendor/agent.yaml"], repo.root)
    assert _notes(result) == {}
    assert _read(result) == {"agents/local.yaml": "invalid", "agents/vendor/agent.yaml": "invalid"}


def test_outside_a_git_repository_every_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "a.yaml").write_text(GOOD)
    (tmp_path / ".gitignore").write_text("agents/\n")  # no repository: nothing to ignore by
    assert _read(_lint([], tmp_path)) == {"agents/a.yaml": "valid"}


def test_the_cli_says_why_a_file_is_not_read(
    repo: Git, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo.root)
    assert main([]) == 0  # the invalid files are the ones nobody reads
    out = capsys.readouterr().out.splitlines()
    assert f"agents/local.yaml: ignored: {NOT_READ['agents/local.yaml']}" in out
    assert out[-1] == "3 configs valid, 3 ignored (3 not read, see above)"


def test_when_git_cannot_list_the_files_every_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".git").write_text("gitdir: /nowhere\n")  # git refuses this repository
    (tmp_path / "agents").mkdir()
    (tmp_path / "agents" / "a.yaml").write_text(GOOD)
    assert _read(_lint([], tmp_path)) == {"agents/a.yaml": "valid"}


def test_a_command_the_repository_config_names_is_never_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git runs ``core.fsmonitor`` to list untracked files: a repository's .git/config (an
    unpacked archive's, say) made agent-lint and agent sync --working-tree run its command."""
    git = Git(tmp_path / "repo")
    git.commit({"agents/a.yaml": GOOD})
    marker = tmp_path / "ran"
    git.run("config", "core.fsmonitor", f"touch '{marker}'; false")
    monkeypatch.chdir(git.root)
    assert _read(_lint(["agents"], git.root)) == {"agents/a.yaml": "valid"}
    snapshot = LocalGitSource(git.root, working_tree=True, repository="acme/app").snapshot()
    assert sorted(snapshot.files) == ["agents/a.yaml"]
    assert not marker.exists()
