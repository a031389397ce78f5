"""Property: agent-lint and the sync engine agree on every path of any repository.

Hypothesis builds real git repositories (``git init``, a commit) in temporary directories:
regular files (valid configs; invalid ones: wrong types, syntax errors, invalid UTF-8, numbers
no field holds; YAML that is not a config), symbolic links (to a file inside the repository,
to one outside it, to a directory, to a device, dangling), FIFOs, and unreadable files and
directories, under odd names (newline, tab, control characters, U+202E, U+2028, spaces,
non-ASCII). For every path:

- agent-lint's verdict is the one the entry calls for: valid, invalid (with the rules the
  sync engine reports too), ignored (with a note, for what is not a regular file), or absent;
- the sync engine's verdict, on the working tree and on the commit, is the same: its plan
  applies a valid file, records an invalid one as an orphan error or keeps its last good
  config, and skips the rest. The commit holds what git stores: content, not permissions, and
  no FIFO; and the working tree's sync sees the files git tracks in a directory agent-lint
  cannot list (each unreadable, so invalid);
- no output of either holds the content of the file outside the repository.

Bounded and reproducible: 40 examples, derandomized, no example database. Unreadable entries
are drawn only where file permissions bind the processes that read them
(``tests.permissions``).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO_ROOT
from tests.permissions import bound_by_permissions, why_permissions_do_not_bind
from tests.sync.support import Git, valid_text
from tests.trees import APPLIES, Entry, Verdict, build, release

MARKER = "OUTSIDE-MARKER-7f3a9c1e-never-printed"
OUTSIDE_TEXT = f"ellipsis: {{version: v1}}\nclaude:\n  system: Audit.\n  sytem: {MARKER}\n"
PROMPT = "ellipsis: {version: v1}\nclaude:\n  system: Audit the dependencies.\n"
LOCKED_DIRECTORY = "agents/locked"
ANSWER_TIMEOUT = 60.0  # seconds: a worker that hangs (on a FIFO, say) fails the test

# Content of a regular file, and agent-lint's verdict on it when it can be read.
CONTENTS: tuple[tuple[bytes | None, Verdict], ...] = (
    (None, "valid"),  # valid_text(n): a valid config, unique to its entry
    (b"ellipsis: {version: v1}\nclaude: 5\n", "invalid"),  # wrong type
    (b"ellipsis: {version: v1\nclaude: [\n", "invalid"),  # syntax error
    (b"ellipsis: {version: v2}\nclaude:\n  system: Review.\n", "invalid"),
    (PROMPT.encode() + b"limits: {run: 1, day: .nan}\n", "invalid"),
    (PROMPT.encode() + b"limits:\n  run: 1e400\n", "invalid"),
    (PROMPT.encode() + b"limits:\n  run: 9" + b"9" * 5000 + b"\n", "invalid"),
    (b"ellipsis: {version: v1}\nclaude: {system: \xff\xfe}\n", "invalid"),  # not UTF-8
    (b"", "invalid"),  # an empty file is a config without a system prompt
    (b"name: not an agent\n", "ignored"),
    (b"- a list, not a mapping\n", "ignored"),
)
LINKS = ("link-inside", "link-outside", "link-outside-dir", "link-dangling", "link-device")
DIRECTORIES = ("agents", ".agents", "ellipsis", ".ellipsis/team", "agents/sub dir", "agents/ü")
NAME_CHARACTERS = (*"abxyz-_ ", "\n", "\t", "\x01", "\x1b", "\x7f", "\u202e", "\u2028", "é", "日")


@dataclass(frozen=True)
class Expected:
    """The verdicts on one path: agent-lint's, and the sync engine's on each snapshot."""

    lint: Verdict
    working_tree: Verdict
    committed: Verdict


@dataclass(frozen=True)
class Repository:
    entries: tuple[Entry, ...]
    expected: dict[str, Expected]
    synced: bool  # the control plane holds a config at every path already


names = st.builds(
    str.__add__,
    st.text(st.sampled_from(NAME_CHARACTERS), min_size=1, max_size=6),
    st.sampled_from([".yaml", ".yml"]),
)


def _link(path: str, kind: str, outside: Path, root: Path) -> Entry:
    targets = {
        "link-inside": os.path.relpath(root / "inside.yaml", (root / path).parent),
        "link-outside": str(outside / "secret.yaml"),
        "link-outside-dir": str(outside),
        "link-dangling": "missing.yaml",
        "link-device": "/dev/zero",
    }
    return Entry(path, "symlink", target=targets[kind])


@st.composite
def repositories(draw: st.DrawFn, root: Path, outside: Path, can_lock: bool) -> Repository:
    kinds = ("file", "file", "file", "fifo", *LINKS, *(("unreadable",) if can_lock else ()))
    entries: dict[str, Entry] = {}
    expected: dict[str, Expected] = {}
    for index in range(draw(st.integers(1, 6))):
        path = f"{draw(st.sampled_from(DIRECTORIES))}/{draw(names)}"
        kind = draw(st.sampled_from(kinds))
        content, verdict = draw(st.sampled_from(CONTENTS))
        if path in entries:
            continue
        text = valid_text(index).encode() if content is None else content
        if kind in ("file", "unreadable"):
            entries[path] = Entry(path, content=text, unreadable=kind == "unreadable")
            shown: Verdict = "invalid" if kind == "unreadable" else verdict
            expected[path] = Expected(shown, shown, verdict)
        else:
            made = Entry(path, "fifo") if kind == "fifo" else _link(path, kind, outside, root)
            entries[path] = made
            expected[path] = Expected("ignored", "absent", "absent")
    if can_lock and draw(st.booleans()):
        entries[LOCKED_DIRECTORY] = Entry(LOCKED_DIRECTORY, "directory", unreadable=True)
        expected[LOCKED_DIRECTORY] = Expected("invalid", "invalid", "absent")
        for index in range(draw(st.integers(0, 2))):
            path = f"{LOCKED_DIRECTORY}/{draw(names)}"
            content, verdict = draw(st.sampled_from(CONTENTS))
            text = valid_text(100 + index).encode() if content is None else content
            entries.setdefault(path, Entry(path, content=text))
            expected.setdefault(path, Expected("absent", "invalid", verdict))
    return Repository(tuple(entries.values()), expected, draw(st.booleans()))


class VerdictWorker:
    """``tests.sync.verdicts`` in a process of its own, bound by file permissions."""

    def __init__(self) -> None:
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT), *filter(None, [environment.get("PYTHONPATH")])]
        )
        self.process = subprocess.Popen(
            bound_by_permissions([sys.executable, "-m", "tests.sync.verdicts"]),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO_ROOT,
            env=environment,
            text=True,
        )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.requests, self.answers = self.process.stdin, self.process.stdout

    def ask(self, root: Path, synced: list[str]) -> dict[str, Any]:
        self.requests.write(json.dumps({"root": str(root), "synced": synced}) + "\n")
        self.requests.flush()
        ready, _, _ = select.select([self.answers], [], [], ANSWER_TIMEOUT)
        assert ready, f"no answer in {ANSWER_TIMEOUT} s: agent-lint or the sync engine hangs"
        answer: dict[str, Any] = json.loads(self.answers.readline())
        assert "error" not in answer, answer.get("error")
        return answer

    def close(self) -> None:
        self.requests.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.answers.close()


@pytest.fixture(scope="module")
def worker() -> Iterator[VerdictWorker]:
    started = VerdictWorker()
    yield started
    started.close()


def _sync_verdict(answer: dict[str, Any], path: str, synced: bool) -> tuple[Verdict, list[str]]:
    """The sync engine's verdict on ``path``, after checking that its plan acts on it as the
    config reference says (``synced``: the control plane holds a config at ``path``)."""
    file = answer["files"].get(path)
    actions = set(answer["actions"].get(path, []))
    status: Verdict = "absent" if file is None else file["status"]
    expected_actions = {
        "invalid": {"keep-last-good" if synced else "orphan-error"},
        "ignored": {"ignore", "soft-delete"} if synced else {"ignore"},
        "absent": {"soft-delete"} if synced else set(),
    }
    if status == "valid":
        assert len(actions) == 1, (path, actions)
        assert actions <= APPLIES, (path, actions)
    else:
        assert actions == expected_actions[status], (path, status, actions)
    return status, [] if file is None else file["rules"]


def _lint_verdicts(answer: dict[str, Any]) -> dict[str, tuple[Verdict, list[str], str | None]]:
    return {
        file["path"]: (
            file["status"],
            sorted({d["rule"] for d in file["diagnostics"] if d["severity"] == "error"}),
            file.get("note"),
        )
        for file in answer["files"]
    }


def check(repository: Repository, synced: set[str], answer: dict[str, Any]) -> None:
    linted = _lint_verdicts(answer["lint"])
    lint_paths = set(linted)
    sync_paths = {*answer["working_tree"]["files"], *answer["committed"]["files"]}
    for path in sorted(lint_paths | sync_paths | set(repository.expected)):
        expected = repository.expected.get(path, Expected("absent", "absent", "absent"))
        lint, lint_rules, note = linted.get(path, ("absent", [], None))
        has_config = path in synced
        tree, tree_rules = _sync_verdict(answer["working_tree"], path, has_config)
        committed, committed_rules = _sync_verdict(answer["committed"], path, has_config)
        assert (lint, tree, committed) == (
            expected.lint,
            expected.working_tree,
            expected.committed,
        ), path
        if lint == "ignored" and tree == "absent":
            assert note, f"{path!r} is ignored without a note saying why"
        if lint == "invalid":  # the same errors, in agent-lint and in the sync engine
            assert lint_rules == tree_rules, (path, lint_rules, tree_rules)
            if "unreadable" not in lint_rules:
                assert lint_rules == committed_rules, (path, lint_rules, committed_rules)
    outputs = [
        *answer["lint"]["outputs"],
        *answer["working_tree"]["outputs"],
        *answer["committed"]["outputs"],
    ]
    assert not [text for text in outputs if MARKER in text], "the outside file was printed"


@pytest.fixture(scope="module")
def can_lock() -> bool:
    return why_permissions_do_not_bind() is None


@settings(
    max_examples=40,
    deadline=timedelta(seconds=20),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_lint_and_sync_agree_on_every_path(
    data: st.DataObject, worker: VerdictWorker, can_lock: bool, tmp_path: Path
) -> None:
    scratch = Path(tempfile.mkdtemp(dir=tmp_path))
    root, outside = scratch / "repo", scratch / "outside"
    outside.mkdir()
    (outside / "secret.yaml").write_text(OUTSIDE_TEXT)
    repository = data.draw(repositories(root, outside, can_lock))
    for entry in repository.entries:  # --hypothesis-show-statistics shows what was covered
        event(f"{entry.kind}{' (unreadable)' if entry.unreadable else ''}")
    git = Git(root)
    (root / "inside.yaml").write_text(OUTSIDE_TEXT.replace(MARKER, "inside"))
    try:
        build(git, repository.entries)
        files = [entry.path for entry in repository.entries if entry.kind != "directory"]
        synced = set(files) if repository.synced else set()
        check(repository, synced, worker.ask(root, sorted(synced)))
    finally:
        release(scratch)
        shutil.rmtree(scratch)
