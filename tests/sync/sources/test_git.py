"""LocalGitSource against real repositories built in tmp_path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pytest

from agentsync.config.loader import DEFAULT_LIMITS
from agentsync.errors import AgentsyncError
from agentsync.sync.sources import Source
from agentsync.sync.sources.git import (
    LocalGitSource,
    SourceError,
    UnknownCommit,
    is_repository_name,
    parse_remote_url,
)

from .conftest import commit_files, git, make_repo, write_files

CONFIGS: dict[str, str | bytes] = {
    "agents/review.yaml": "ellipsis:\n  name: review\n",
    ".agents/triage.yml": "ellipsis:\n  name: triage\n",
    "ellipsis/nightly.yaml": "ellipsis:\n  name: nightly\n",
    ".ellipsis/agents/sub/x.yml": "ellipsis:\n  name: nested\n",
}
OTHERS: dict[str, str | bytes] = {
    "README.md": "# repo\n",
    "top.yaml": "ellipsis: {}\n",  # a YAML file, but not in a config directory
    "docs/agents/guide.yaml": "ellipsis: {}\n",  # a config directory name, but not at the root
    "agentsfoo/prefix.yaml": "ellipsis: {}\n",
    "agents/notes.md": "not yaml\n",
    "agents/schema.json": "{}\n",
}


def as_bytes(files: dict[str, str | bytes]) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "agents-repo", {**CONFIGS, **OTHERS})


# -- committed trees ------------------------------------------------------------------------------


def test_committed_head_reads_only_config_files(repo: Path) -> None:
    source: Source = LocalGitSource(repo)
    snapshot = source.snapshot()

    assert snapshot.files == as_bytes(CONFIGS)
    assert list(snapshot.files) == sorted(CONFIGS)
    assert snapshot.commit == git(repo, "rev-parse", "HEAD")
    assert snapshot.ref == "HEAD"
    assert snapshot.repository == "octo-org/agents-repo"
    assert snapshot.default_branch == "main"
    assert snapshot.on_default_branch is True
    assert snapshot.complete is True


def test_committed_mode_ignores_the_working_tree(repo: Path) -> None:
    write_files(repo, {"agents/review.yaml": "edited\n", "agents/new.yaml": "new\n"})
    (repo / "ellipsis" / "nightly.yaml").unlink()

    assert LocalGitSource(repo).snapshot().files == as_bytes(CONFIGS)


def test_exact_bytes_are_kept(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {
        "agents/empty.yaml": b"",
        "agents/no-final-newline.yaml": b"a: 1",
        "agents/crlf.yaml": b"a: 1\r\nb: 2\r\n",
        "agents/binary.yml": bytes(range(256)) + b"\n\n",
        "agents/caf\u00e9 space.yaml": "name: caf\u00e9\n",
    }
    repo = make_repo(tmp_path / "bytes", files)

    assert LocalGitSource(repo).snapshot().files == as_bytes(files)


def test_identical_files_are_both_read(tmp_path: Path) -> None:
    same = "ellipsis:\n  name: same\n"
    repo = make_repo(tmp_path / "dup", {"agents/a.yaml": same, "ellipsis/b.yml": same})

    assert LocalGitSource(repo).snapshot().files == as_bytes(
        {"agents/a.yaml": same, "ellipsis/b.yml": same}
    )


def test_an_older_ref(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    commit_files(repo, {"agents/review.yaml": "ellipsis:\n  name: review v2\n"})
    (repo / ".agents" / "triage.yml").unlink()
    second = commit_files(repo, {})

    for ref in (first, first[:10], "HEAD~2"):
        snapshot = LocalGitSource(repo, ref=ref).snapshot()
        assert snapshot.commit == first
        assert snapshot.ref == ref
        assert snapshot.files == as_bytes(CONFIGS)
        assert snapshot.on_default_branch is False

    latest = LocalGitSource(repo).snapshot()
    assert latest.commit == second
    assert latest.on_default_branch is True
    assert latest.files["agents/review.yaml"] == b"ellipsis:\n  name: review v2\n"
    assert ".agents/triage.yml" not in latest.files


def test_a_tag_resolves_to_its_commit(repo: Path) -> None:
    git(repo, "tag", "-a", "v1", "-m", "annotated tag")

    snapshot = LocalGitSource(repo, ref="v1").snapshot()

    assert snapshot.commit == git(repo, "rev-parse", "HEAD")
    assert snapshot.on_default_branch is True  # the tag points at main's head


def test_a_branch_that_is_not_the_default(repo: Path) -> None:
    git(repo, "checkout", "-q", "-b", "feature")
    feature = commit_files(repo, {"agents/feature.yaml": "ellipsis:\n  name: feature\n"})

    for ref in ("HEAD", "feature"):
        snapshot = LocalGitSource(repo, ref=ref).snapshot()
        assert snapshot.commit == feature
        assert snapshot.default_branch == "main"
        assert snapshot.on_default_branch is False
        assert "agents/feature.yaml" in snapshot.files

    on_main = LocalGitSource(repo, ref="main").snapshot()
    assert on_main.on_default_branch is True
    assert "agents/feature.yaml" not in on_main.files


def test_symlinks_and_submodules_are_ignored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "links", {"agents/real.yaml": "a: 1\n", "outside.yaml": "b: 2\n"})
    os.symlink("../outside.yaml", repo / "agents" / "link.yaml")
    os.symlink("../outside.yaml", repo / "agents" / "link-untracked.yaml")
    git(repo, "add", "agents/link.yaml")
    gitlink = git(repo, "rev-parse", "HEAD")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{gitlink},agents/vendored.yml")
    git(repo, "commit", "-q", "-m", "a symlink and a submodule")

    assert git(repo, "ls-tree", "HEAD", "agents/link.yaml").startswith("120000")
    assert git(repo, "ls-tree", "HEAD", "agents/vendored.yml").startswith("160000")
    expected = {"agents/real.yaml": b"a: 1\n"}
    assert LocalGitSource(repo).snapshot().files == expected
    assert LocalGitSource(repo, working_tree=True).snapshot().files == expected


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    """Committed or in the working tree, a file over a config's size limit is listed with its
    size, never read (as agent-lint and the GitHub source do): a 300 MB config took 640 MB of
    memory to plan, and a bigger one could exhaust it. One byte under the limit is read."""
    limit = DEFAULT_LIMITS.max_bytes
    files = {"agents/big.yaml": b"#" * (limit + 1), "agents/fits.yaml": b"#" * limit}
    repo = make_repo(tmp_path / "big", files)
    write_files(repo, {"agents/bigger.yaml": b"#" * (2 * limit)})  # untracked
    committed = LocalGitSource(repo).snapshot()
    assert (set(committed.files), committed.oversized) == (
        {"agents/fits.yaml"},
        {"agents/big.yaml": limit + 1},
    )
    working = LocalGitSource(repo, working_tree=True).snapshot()
    assert (set(working.files), working.oversized) == (
        {"agents/fits.yaml"},
        {"agents/big.yaml": limit + 1, "agents/bigger.yaml": 2 * limit},
    )
    assert working.files["agents/fits.yaml"] == files["agents/fits.yaml"]


def test_a_repository_without_config_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "plain", {"README.md": "hi\n"})

    assert LocalGitSource(repo).snapshot().files == {}
    assert LocalGitSource(repo, working_tree=True).snapshot().files == {}


def test_a_subdirectory_reads_the_whole_repository(repo: Path) -> None:
    snapshot = LocalGitSource(repo / "docs" / "agents").snapshot()

    assert snapshot.files == as_bytes(CONFIGS)
    assert snapshot.repository == "octo-org/agents-repo"


# -- the working tree ---------------------------------------------------------------------------


def test_working_tree_reads_modified_untracked_and_skips_ignored_and_deleted(repo: Path) -> None:
    head = commit_files(repo, {".gitignore": "agents/secret.yaml\n"})
    write_files(
        repo,
        {
            "agents/review.yaml": "ellipsis:\n  name: edited\n",  # modified, unstaged
            "agents/untracked.yml": "ellipsis:\n  name: untracked\n",
            "agents/secret.yaml": "ignored: true\n",  # ignored
            "agents/untracked.md": "not yaml\n",
            "docs/agents/new.yaml": "outside\n",
        },
    )
    (repo / "ellipsis" / "nightly.yaml").unlink()  # deleted, still in the index
    write_files(repo, {".agents/staged.yaml": "staged\n"})
    git(repo, "add", ".agents/staged.yaml")

    snapshot = LocalGitSource(repo, working_tree=True).snapshot()

    assert snapshot.files == {
        ".agents/staged.yaml": b"staged\n",
        ".agents/triage.yml": b"ellipsis:\n  name: triage\n",
        ".ellipsis/agents/sub/x.yml": b"ellipsis:\n  name: nested\n",
        "agents/review.yaml": b"ellipsis:\n  name: edited\n",
        "agents/untracked.yml": b"ellipsis:\n  name: untracked\n",
    }
    assert snapshot.commit == f"{head}+worktree"
    assert snapshot.ref == "HEAD"
    assert snapshot.default_branch == "main"
    assert snapshot.on_default_branch is False


def test_working_tree_accepts_a_ref_naming_head_only(repo: Path) -> None:
    assert LocalGitSource(repo, ref="main", working_tree=True).snapshot().ref == "main"
    git(repo, "checkout", "-q", "-b", "feature")
    commit_files(repo, {"agents/more.yaml": "more\n"})

    with pytest.raises(SourceError, match=r"working tree .* is not at 'main'"):
        LocalGitSource(repo, ref="main", working_tree=True).snapshot()


def test_working_tree_does_not_follow_a_symlinked_directory(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_files(outside, {"secret.yaml": "secret\n"})
    repo = make_repo(tmp_path / "repo", {"agents/a.yaml": "a\n", "ellipsis/b.yaml": "b\n"})
    # The index still lists ellipsis/b.yaml, but the directory is now a link out of the repo.
    (repo / "ellipsis" / "b.yaml").unlink()
    (repo / "ellipsis").rmdir()
    os.symlink(outside, repo / "ellipsis")
    (outside / "b.yaml").write_text("from outside\n")

    assert LocalGitSource(repo, working_tree=True).snapshot().files == {"agents/a.yaml": b"a\n"}


def test_working_tree_skips_a_directory_that_is_a_symlink_loop(tmp_path: Path) -> None:
    """The index lists ellipsis/b.yaml, and ellipsis is now a link to itself: the working
    tree's sync stopped with "internal error: RuntimeError: Symlink loop" (agent-lint finds
    no config there, as a commit of the link would hold none)."""
    repo = make_repo(tmp_path / "repo", {"agents/a.yaml": "a\n", "ellipsis/b.yaml": "b\n"})
    (repo / "ellipsis" / "b.yaml").unlink()
    (repo / "ellipsis").rmdir()
    os.symlink("ellipsis", repo / "ellipsis")

    assert LocalGitSource(repo, working_tree=True).snapshot().files == {"agents/a.yaml": b"a\n"}


# -- names: repository and default branch ----------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo-org/agents-repo", "octo-org/agents-repo"),
        ("https://github.com/octo-org/agents-repo.git", "octo-org/agents-repo"),
        ("https://github.com/octo-org/agents-repo/", "octo-org/agents-repo"),
        ("https://x-access-token:ghs_secret@github.com/octo/r.git", "octo/r"),
        ("http://github.example.com/octo/r.git", "octo/r"),
        ("git@github.com:octo-org/agents-repo.git", "octo-org/agents-repo"),
        ("git@github.com:octo-org/agents-repo", "octo-org/agents-repo"),
        ("github.com:octo/r.git", "octo/r"),
        ("ssh://git@github.com/octo-org/agents-repo.git", "octo-org/agents-repo"),
        ("ssh://git@github.com:22/octo-org/agents-repo", "octo-org/agents-repo"),
        ("git://github.com/octo/r.git", "octo/r"),
        ("https://gitlab.com/group/subgroup/r.git", None),
        ("https://github.com/octo", None),
        ("/srv/git/agents-repo.git", None),
        ("../agents-repo", None),
        ("file:///srv/git/octo/agents-repo.git", None),
        ("https://github.com/../r.git", None),
        ("https://github.com/octo/..", None),
        ("", None),
    ],
)
def test_parse_remote_url(url: str, expected: str | None) -> None:
    assert parse_remote_url(url) == expected


@pytest.mark.parametrize("name", ["octo/r", "octo-org/agents.repo", "a_b/.github", "o/r..x"])
def test_a_repository_name_is_two_parts(name: str) -> None:
    assert is_repository_name(name)


@pytest.mark.parametrize(
    "name",
    ["nosl", "a/b/c", "/r", "o/", "../..", "o/..", "./r", "o/r\n", "o\x1b/r", "o /r", "ö/r", ""],
)
def test_anything_else_is_not_a_repository_name(name: str) -> None:
    assert not is_repository_name(name)


def test_repository_from_the_origin_remote(repo: Path) -> None:
    git(repo, "remote", "set-url", "origin", "git@github.com:octo-org/agents-repo.git")
    assert LocalGitSource(repo).snapshot().repository == "octo-org/agents-repo"

    git(repo, "remote", "set-url", "origin", "https://github.com/octo/other.git")
    assert LocalGitSource(repo).snapshot().repository == "octo/other"

    assert LocalGitSource(repo, repository="given/name").snapshot().repository == "given/name"

    # A name invented from the directory would create every agent again under another name
    # once an origin is added: without an OWNER/NAME, the source refuses.
    git(repo, "remote", "set-url", "origin", "https://user:tok3n@git.example/srv/git/mirror.git")
    with pytest.raises(SourceError, match="pass --repository OWNER/NAME") as refused:
        LocalGitSource(repo).snapshot()
    assert "tok3n" not in str(refused.value)
    git(repo, "remote", "remove", "origin")
    with pytest.raises(SourceError, match="it has no origin remote"):
        LocalGitSource(repo).repository_name()
    assert LocalGitSource(repo, repository="given/name").repository_name() == "given/name"


def test_default_branch_from_origin_head(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "remote", "set-url", "origin", "https://github.com/octo/agents-repo.git")
    # What a clone records, without the network: origin's branch and its HEAD.
    git(repo, "update-ref", "refs/remotes/origin/trunk", head)
    git(repo, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")

    snapshot = LocalGitSource(repo).snapshot()
    assert snapshot.default_branch == "trunk"
    # No local trunk branch: compared with origin/trunk, as in a detached CI checkout.
    assert snapshot.on_default_branch is True

    commit_files(repo, {"agents/ahead.yaml": "ahead\n"})
    assert LocalGitSource(repo).snapshot().on_default_branch is False


@pytest.mark.parametrize(
    ("branch", "configured", "expected"),
    [
        ("main", None, "main"),
        ("master", None, "master"),
        ("develop", "develop", "develop"),
        ("trunk", None, None),
    ],
)
def test_default_branch_fallbacks(
    tmp_path: Path, branch: str, configured: str | None, expected: str | None
) -> None:
    repo = make_repo(tmp_path / "r", {"agents/a.yaml": "a\n"}, branch=branch)
    if configured:
        git(repo, "config", "init.defaultBranch", configured)

    snapshot = LocalGitSource(repo).snapshot()

    assert snapshot.default_branch == expected
    assert snapshot.on_default_branch is (expected is not None)


def test_a_bare_repository(tmp_path: Path, repo: Path) -> None:
    bare = tmp_path / "mirror.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))

    snapshot = LocalGitSource(bare, repository="octo-org/mirror").snapshot()

    assert snapshot.files == as_bytes(CONFIGS)
    assert snapshot.repository == "octo-org/mirror"
    assert snapshot.default_branch == "main"
    assert snapshot.on_default_branch is True
    with pytest.raises(SourceError, match="bare repository"):
        LocalGitSource(bare, working_tree=True).snapshot()


# -- order and errors ---------------------------------------------------------------------------


def test_order(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    second = commit_files(repo, {"agents/b.yaml": "b\n"})
    source = LocalGitSource(repo)

    assert source.order(first, second) == "ahead"
    assert source.order(second, first) == "behind"
    assert source.order(first, first) == "identical"
    assert source.order(f"{first}+worktree", second) == "ahead"
    assert source.order("main~1", "main") == "ahead"

    git(repo, "checkout", "-q", "-b", "side", first)
    side = commit_files(repo, {"agents/c.yaml": "c\n"})
    assert source.order(side, second) == "diverged"
    assert source.order(second, side) == "diverged"

    with pytest.raises(UnknownCommit, match=r"unknown ref 'f{40}'"):
        source.order("f" * 40, second)


@pytest.mark.parametrize("ref", ["no-such-branch", "0" * 40, "HEAD~5", "--all", ""])
def test_a_bad_ref(repo: Path, ref: str) -> None:
    with pytest.raises(SourceError, match="unknown ref") as caught:
        LocalGitSource(repo, ref=ref).snapshot()
    assert isinstance(caught.value, AgentsyncError)


def test_a_ref_to_a_tree_is_not_a_commit(repo: Path) -> None:
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    with pytest.raises(SourceError, match="unknown ref"):
        LocalGitSource(repo, ref=tree).snapshot()


def test_an_empty_repository(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    with pytest.raises(SourceError, match="has no commit yet: commit the configs, or read the"):
        LocalGitSource(repo).snapshot()
    with pytest.raises(SourceError, match="unknown ref 'main'"):
        LocalGitSource(repo, ref="main").snapshot()


def test_not_a_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(SourceError, match="not a git repository"):
        LocalGitSource(plain).snapshot()
    with pytest.raises(SourceError, match="not a git repository"):
        LocalGitSource(tmp_path / "missing").snapshot()
    with pytest.raises(SourceError, match="not a git repository"):
        LocalGitSource(plain).order("HEAD", "HEAD")


def test_git_missing(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))
    with pytest.raises(SourceError, match="git is not installed"):
        LocalGitSource(repo).snapshot()


# -- a bounded number of git processes ----------------------------------------------------------


class CountingPopen(subprocess.Popen):  # type: ignore[type-arg]
    commands: ClassVar[list[list[str]]] = []

    def __init__(self, args: Any, *rest: Any, **kwargs: Any) -> None:
        CountingPopen.commands.append(list(args))
        super().__init__(args, *rest, **kwargs)


@pytest.mark.parametrize("working_tree", [False, True])
def test_process_count_does_not_grow_with_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, working_tree: bool
) -> None:
    counts = {}
    for n in (1, 50):
        files: dict[str, str | bytes] = {
            f"agents/group-{i % 5}/agent-{i}.yaml": f"ellipsis:\n  name: a{i}\n" for i in range(n)
        }
        repo = make_repo(tmp_path / f"repo-{n}", files)
        CountingPopen.commands = []
        with monkeypatch.context() as patch:
            patch.setattr(subprocess, "Popen", CountingPopen)
            snapshot = LocalGitSource(repo, working_tree=working_tree).snapshot()
        assert len(snapshot.files) == n
        counts[n] = len(CountingPopen.commands)
        if not working_tree:
            assert sum("cat-file" in c for c in CountingPopen.commands) == 1

    assert counts[1] == counts[50]
    assert counts[1] <= 10


def test_the_working_tree_of_a_repository_with_no_commit_yet(tmp_path: Path) -> None:
    repo = tmp_path / "new"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write_files(repo, {"agents/a.yaml": "ellipsis: {}\n"})

    snapshot = LocalGitSource(repo, working_tree=True, repository="octo/new").snapshot()

    assert snapshot.files == {"agents/a.yaml": b"ellipsis: {}\n"}
    assert snapshot.commit == "0" * 40 + "+worktree"
    assert snapshot.on_default_branch is False
    with pytest.raises(UnknownCommit, match="has no commit yet"):
        LocalGitSource(repo, repository="octo/new").snapshot()  # the committed tree: none yet
