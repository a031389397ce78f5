"""The hostile-input corpus (``fixtures/hostile/``: its manifest says how to add a case).

A real git repository is built from the manifest: poison pills (NaN, infinity, a number past a
float, an integer past Python's digit limit, deep nesting, an alias bomb, an inline secret), a
file name with a newline, links to devices and to a secret outside the repository, a FIFO, a
device, an unreadable file and an unreadable directory, and one valid config beside them.
``agent-lint`` (every output format) and ``agent sync plan|apply`` (the commit, then the working
tree) run on it as processes bound by file permissions, against the local control plane:

- no exit status 2 or 3 (content is never a usage error or a crash), no traceback anywhere;
- every path gets the manifest's verdict, with its rules, from agent-lint and the sync engine;
- nothing from outside the repository and no secret is ever printed;
- no file takes agent-lint or the sync engine over a second;
- the valid configs are applied, and the working tree's unreadable files keep them.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import yaml

from agentsync.client.api import Client
from agentsync.config.loader import load_bytes
from agentsync.lint.runner import Target, lint_target
from agentsync.lint.settings import Settings
from agentsync.localserver.server import LocalServer
from agentsync.sync.desired import desired_files
from agentsync.sync.model import Snapshot
from agentsync.sync.state import SyncState
from tests.conftest import FIXTURES
from tests.localserver.conftest import API_KEY
from tests.permissions import AGENT_LINT, run_bound, run_sync, why_permissions_do_not_bind
from tests.sync.support import Git
from tests.trees import APPLIES, ERRORS, Entry, Verdict, build, release

CORPUS = FIXTURES / "hostile"
REPO = "acme/hostile"
FORMATS = ("text", "json", "sarif", "github", "markdown")
SECONDS_PER_FILE = 1.0
WAIT_PER_FILE = 10.0
_WHAT = ("file", "symlink", "symlink_outside", "fifo", "device", "directory")
_KEYS = {"path", *_WHAT, "unreadable", "lint", "working_tree", "committed", "rules"}


@dataclass(frozen=True)
class Case:
    """One manifest entry: what to make, and the verdicts on it."""

    entry: Entry
    lint: Verdict
    working_tree: Verdict
    committed: Verdict
    rules: tuple[str, ...]
    never_printed: tuple[str, ...]


def _entry(item: dict[str, Any], outside: Path) -> Entry:
    (what,) = [key for key in _WHAT if key in item]
    path, unreadable = item["path"], bool(item.get("unreadable"))
    if what == "file":
        content = (CORPUS / "files" / item["file"]).read_bytes()
        return Entry(path, content=content, unreadable=unreadable)
    if what == "symlink_outside":
        return Entry(path, "symlink", target=str((outside / item[what]).resolve()))
    if what in ("symlink", "device"):
        return Entry(path, what, target=item[what])
    return Entry(path, cast(Any, what), unreadable=unreadable)


def load_manifest(outside: Path) -> list[Case]:
    """The manifest's cases; the files links point to outside are copied to ``outside``."""
    cases = []
    for item in yaml.safe_load((CORPUS / "manifest.yaml").read_text(encoding="utf-8")):
        unknown = set(item) - _KEYS - {"never_printed"}
        assert not unknown, f"{item.get('path')!r}: unknown manifest keys {sorted(unknown)}"
        if item.get("symlink_outside", ".") != ".":
            shutil.copy(CORPUS / "files" / item["symlink_outside"], outside)
        working_tree = item.get("working_tree", item["lint"])
        cases.append(
            Case(
                _entry(item, outside),
                item["lint"],
                working_tree,
                item.get("committed", working_tree),
                tuple(sorted(item.get("rules", []))),
                tuple(item.get("never_printed", [])),
            )
        )
    return cases


@dataclass
class Corpus:
    git: Git
    cases: list[Case]  # those this machine could make
    left_out: dict[str, str]  # path: why it could not be made

    def never_printed(self) -> list[str]:
        return [text for case in self.cases for text in case.never_printed]


def _unreadable_left_out(cases: list[Case]) -> dict[str, str]:
    """The unreadable entries, and those in unreadable directories, where permissions do not
    bind the processes under test (then nothing is unreadable to them)."""
    reason = why_permissions_do_not_bind()
    if reason is None:
        return {}
    closed = [f"{c.entry.path}/" for c in cases if c.entry.unreadable]
    return {
        case.entry.path: f"an unreadable file cannot be made: {reason}"
        for case in cases
        if case.entry.unreadable or case.entry.path.startswith(tuple(closed))
    }


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Corpus]:
    outside = tmp_path / "outside"
    outside.mkdir()
    cases = load_manifest(outside)
    left_out = _unreadable_left_out(cases)
    cases = [case for case in cases if case.entry.path not in left_out]
    git = Git(tmp_path / "repo")
    git.run("remote", "add", "origin", f"https://github.com/{REPO}.git")
    left_out |= build(git, [case.entry for case in cases])
    yield Corpus(git, [case for case in cases if case.entry.path not in left_out], left_out)
    release(tmp_path)


def _check_printed(corpus: Corpus, *outputs: str) -> None:
    for text in outputs:
        assert "Traceback" not in text, text
        for secret in corpus.never_printed():
            assert secret not in text, f"{secret!r} was printed"


def _error_rules(diagnostics: list[dict[str, Any]]) -> tuple[str, ...]:
    return tuple(sorted({d["rule"] for d in diagnostics if d.get("severity", "error") == "error"}))


def _check_verdict(case: Case, which: str, verdict: Verdict, rules: tuple[str, ...]) -> None:
    expected: Verdict = getattr(case, which)
    allowed = {expected, "absent"} if which != "lint" and expected == "ignored" else {expected}
    assert verdict in allowed, f"{case.entry.path!r}: {which} says {verdict}, not {expected}"
    if verdict == "invalid":
        assert rules == case.rules, f"{case.entry.path!r}: {which} reports {rules}"


def test_agent_lint_gives_every_path_its_verdict(corpus: Corpus) -> None:
    for output_format in FORMATS:
        done = run_bound([*AGENT_LINT, "--format", output_format], corpus.git.root, timeout=60)
        assert (done.returncode, done.stderr) == (1, ""), done.stderr
        _check_printed(corpus, done.stdout)
        if output_format == "text":
            assert "agents/new\\nline.yaml:2:12: error:" in done.stdout
        if output_format == "json":
            files = {f["path"]: f for f in json.loads(done.stdout)["files"]}
    for case in corpus.cases:
        file = files.get(case.entry.path, {"status": "absent", "diagnostics": []})
        _check_verdict(case, "lint", file["status"], _error_rules(file["diagnostics"]))
        assert (file["status"], case.entry.kind) != ("ignored", "symlink") or file["note"]


def test_no_file_takes_over_a_second(corpus: Corpus) -> None:
    """A second of CPU per file at most (the machine's load does not count: CPU time), and no
    file makes a read wait (a FIFO, say): ten seconds of wall time at most."""
    settings = Settings()
    for case in corpus.cases:
        path = case.entry.path
        start, wall = time.thread_time(), time.perf_counter()
        lint_target(Target(str(corpus.git.root / path), path), settings)
        if case.entry.kind == "file":
            snapshot = Snapshot(REPO, "0" * 40, "HEAD", "main", True, {path: case.entry.content})
            desired_files(snapshot)
            load_bytes(case.entry.content, path)
        took, waited = time.thread_time() - start, time.perf_counter() - wall
        assert took < SECONDS_PER_FILE, f"{path!r} took {took:.2f} s of CPU"
        assert waited < WAIT_PER_FILE, f"{path!r} took {waited:.2f} s"


def _sync(corpus: Corpus, server: LocalServer, tmp_path: Path, *args: str) -> str:
    """Run ``agent sync``: a plan exits 0, an apply 1 (the corpus's invalid files)."""
    done = run_sync(server.url, tmp_path, corpus.git.root, *args)
    assert done.returncode == (1 if args[0] == "apply" else 0), done.stderr
    _check_printed(corpus, done.stdout, done.stderr)
    return done.stdout


def _plan_verdicts(plan: dict[str, Any]) -> dict[str, tuple[Verdict, tuple[str, ...]]]:
    verdicts: dict[str, tuple[Verdict, tuple[str, ...]]] = {}
    for action in plan["actions"]:
        kind = action["kind"]
        verdict: Verdict = "valid" if kind in APPLIES else "ignored"
        verdict = "invalid" if kind in ERRORS else verdict
        verdicts[action["path"]] = (verdict, _error_rules(action["diagnostics"]))
    return verdicts


def _check_plan(corpus: Corpus, which: str, plan_output: str) -> None:
    plan = json.loads(plan_output)
    assert plan["blocked"] == []
    verdicts = _plan_verdicts(plan)
    for case in corpus.cases:
        verdict, rules = verdicts.get(case.entry.path, ("absent", ()))
        _check_verdict(case, which, verdict, rules)


def test_sync_applies_the_valid_configs_and_keeps_them(
    corpus: Corpus, server: LocalServer, tmp_path: Path
) -> None:
    _check_plan(corpus, "committed", _sync(corpus, server, tmp_path, "plan", "--json"))
    _sync(corpus, server, tmp_path, "apply", "--yes")
    applied = {c.entry.path for c in corpus.cases if c.committed == "valid"}
    assert "agents/valid.yaml" in applied
    with Client(server.url, API_KEY) as client:
        assert {c.path for c in client.iter_sync_configs(repository=REPO)} == applied
    state = SyncState(tmp_path / "sync-state.json")
    orphans = {c.entry.path for c in corpus.cases if c.committed == "invalid"}
    assert set(state.orphans(REPO)) == orphans

    tree = ("--working-tree",)
    _check_plan(corpus, "working_tree", _sync(corpus, server, tmp_path, "plan", "--json", *tree))
    _sync(corpus, server, tmp_path, "apply", "--yes", "--force", *tree)
    with Client(server.url, API_KEY) as client:
        configs = {c.path: c for c in client.iter_sync_configs(repository=REPO)}
    assert set(configs) == applied  # nothing deleted: the unreadable files keep their configs
    for case in corpus.cases:
        if case.entry.path in applied:
            error = configs[case.entry.path].sync_error
            rules = _error_rules(error.diagnostics) if error else ()
            assert rules == (case.rules if case.working_tree == "invalid" else ()), case.entry


def test_the_whole_corpus_is_made_here(corpus: Corpus) -> None:
    """Entries this machine cannot make are left out of the tests above: say which."""
    if corpus.left_out:
        pytest.skip(f"left out of the hostile corpus here: {corpus.left_out}")
