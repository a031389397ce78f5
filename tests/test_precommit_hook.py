"""The hook in ``.pre-commit-hooks.yaml``, checked as a manifest and run for real by pre-commit.

``pre-commit try-repo`` only sees a repository's commits plus changes to files git already
tracks, so the slow test first snapshots this working tree (tracked and untracked files, less
what ``.gitignore`` ignores) into a one-commit repository and tries that.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from agentsync.config.discovery import CONFIG_PATH_PATTERN

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

VALID = "ellipsis:\n  version: v1\n  name: good\nclaude:\n  system: Review the code.\n"
INVALID = "ellipsis:\n  version: v1\nclaude:\n  system: Review the code.\n  bogus: 1\n"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that changes git, pre-commit or agent-lint behaviour."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GIT_", "GITHUB_", "PRE_COMMIT", "NO_COLOR", "VIRTUAL_ENV"))
    }
    env.update(
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="test",
        GIT_AUTHOR_EMAIL="test@example.com",
        GIT_COMMITTER_NAME="test",
        GIT_COMMITTER_EMAIL="test@example.com",
    )
    env.update(extra)
    return env


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, env=clean_env(), check=True, capture_output=True, text=True
    ).stdout


def commit_all(repo: Path, message: str = "snapshot") -> None:
    git("add", "-A", cwd=repo)
    git("-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message, cwd=repo)


def test_manifest_is_valid() -> None:
    subprocess.run(
        [str(BIN / "pre-commit"), "validate-manifest", str(MANIFEST)], check=True, env=clean_env()
    )


def test_hook_files_pattern_is_discoverys() -> None:
    hooks = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert {hook["id"]: hook["entry"] for hook in hooks} == {
        "agent-lint": "agent-lint",
        "agent-lint-fix": "agent-lint --fix",
    }
    for hook in hooks:
        assert hook["language"] == "python"
        assert hook["files"] == CONFIG_PATH_PATTERN


@pytest.mark.parametrize(
    ("path", "matches"),
    [
        ("agents/a.yaml", True),
        ("agents/deep/b.yml", True),
        (".agents/a.yaml", True),
        ("ellipsis/a.yaml", True),
        (".ellipsis/a.yml", True),
        ("other/x.yaml", False),
        ("sub/agents/a.yaml", False),
        ("agents/a.json", False),
        ("agents/new\nline.yaml", True),
        ("agents/a.yaml\n", False),
    ],
)
def test_hook_files_pattern(path: str, matches: bool) -> None:
    hook = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))[0]
    assert (re.search(hook["files"], path) is not None) is matches


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This working tree as a one-commit git repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        env=clean_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # deleted but still tracked files are skipped
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=snapshot)
    commit_all(snapshot)
    return snapshot


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def try_repo(
    repo: Path, hook_repo: Path, home: Path, hook: str = "agent-lint"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(BIN / "pre-commit"),
            "try-repo",
            str(hook_repo),
            hook,
            "--all-files",
            "--color",
            "never",
        ],
        check=False,
        cwd=repo,
        env=clean_env(PRE_COMMIT_HOME=str(home)),
        capture_output=True,
        text=True,
        timeout=900,
    )


def config_repo(tmp_path: Path, files: dict[str, str]) -> Path:
    """A git repository with ``files`` committed."""
    repo = tmp_path / "repo"
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git("init", "-q", cwd=repo)
    commit_all(repo, "configs")
    return repo


@pytest.mark.slow
def test_hook_runs_on_config_files_only(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    repo = config_repo(
        tmp_path,
        {
            "agents/good.yaml": VALID,
            "agents/bad.yaml": INVALID,
            "other/x.yaml": INVALID,  # would fail if the hook looked at it
        },
    )

    failed = try_repo(repo, hook_repo, pre_commit_home)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "agent-lint" in output
    assert "Failed" in output
    assert "agents/bad.yaml:5:3: error: unknown key 'bogus' in claude [unknown-key]" in output
    assert "agents/good.yaml" not in output
    assert "other/x.yaml" not in output

    (repo / "agents" / "bad.yaml").write_text(VALID)
    commit_all(repo, "fix")
    passed = try_repo(repo, hook_repo, pre_commit_home)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert re.search(r"^agent-lint\.+Passed$", output, re.MULTILINE), output


FIXABLE = "# kept\nellipsis:\n  version: v1\nenabled: yes\nclaude:\n  sytem: Review the code.\n"
FIXED = "# kept\nellipsis:\n  version: v1\nenabled: true\nclaude:\n  system: Review the code.\n"


@pytest.mark.slow
def test_fix_hook_modifies_files(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    repo = config_repo(tmp_path, {"agents/good.yaml": VALID, "agents/fixable.yaml": FIXABLE})

    fixed = try_repo(repo, hook_repo, pre_commit_home, "agent-lint-fix")
    output = fixed.stdout + fixed.stderr
    assert fixed.returncode == 1, output
    assert "files were modified by this hook" in output
    assert "fixed: agents/fixable.yaml:4:10:" in output
    assert "2 fixed, 0 remaining" in output
    assert (repo / "agents" / "fixable.yaml").read_text() == FIXED
    assert (repo / "agents" / "good.yaml").read_text() == VALID

    commit_all(repo, "fixed")
    again = try_repo(repo, hook_repo, pre_commit_home, "agent-lint-fix")
    output = again.stdout + again.stderr
    assert again.returncode == 0, output
    assert re.search(r"^agent-lint --fix\.+Passed$", output, re.MULTILINE), output


ODD_NAMES = [
    "agents/my file.yaml",
    'agents/it\'s "quoted".yaml',
    "agents/$(touch pwned).yaml",
    "agents/`touch pwned2`.yaml",
    "agents/-rf.yaml",
    "agents/--fix.yaml",
    "agents/tab\there.yaml",
    "agents/esc\x1b[31m.yaml",
    "agents/new\nline.yaml",
    "agents/sep\u2028x.yaml",
]


@pytest.mark.slow
def test_hook_takes_odd_file_names_as_names(
    tmp_path: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    from agentsync.printable import printable

    repo = config_repo(tmp_path, dict.fromkeys(ODD_NAMES, INVALID))

    failed = try_repo(repo, hook_repo, pre_commit_home)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    for name in ODD_NAMES:
        assert f"{printable(name)}:5:3: error: unknown key 'bogus' in claude" in output, name
    assert output.count("error: unknown key 'bogus'") == len(ODD_NAMES)
    assert "\x1b" not in output
    assert not list(repo.rglob("pwned*"))
    assert (repo / "agents" / "--fix.yaml").read_text() == INVALID
