"""Runs the rules over files and builds a ``LintResult``; large sets run across cores.

Order of work for one file: load (positions, load problems) -> skip if ignored -> every rule
-> drop shape findings where a semantic rule reported on the same path -> drop disabled rules
and inline-suppressed warnings (no comment in a file waives an error: the sync engine and the
control plane validate with these rules) -> mask secrets in messages and hints, attach the
source lines with their secrets masked (``LintContext.shown_line``): no format can print a
secret.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from agentsync.config.discovery import CONFIG_DIRS, discover, find_repository_root, yaml_files
from agentsync.config.files import load_file, resolved
from agentsync.config.loader import Document
from agentsync.config.problems import ConfigPath
from agentsync.config.secrets import mask_secrets
from agentsync.config.worktree import not_committed
from agentsync.errors import UsageError
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Diagnostic, Finding, format_path
from agentsync.lint.result import FileResult, FileStatus, LintResult
from agentsync.lint.rule import Rule
from agentsync.lint.rules import RULE_IDS, RULES, internal
from agentsync.lint.settings import Settings
from agentsync.lint.suppress import find_suppressions

PARALLEL_THRESHOLD = 200  # below this, starting workers costs more than it saves


class Target(NamedTuple):
    """A file to lint: its filesystem path, its path as reported, and why it is not read when
    a directory walk found it but git would not commit it (``agentsync.config.worktree``)."""

    path: str
    display: str
    unread: str | None = None


def _is_claimed(path: ConfigPath, claimed: set[ConfigPath]) -> bool:
    return any(path[:length] in claimed for length in range(1, len(path) + 1))


def lint_document(document: Document, settings: Settings, *, fixing: bool = False) -> FileResult:
    """Lint one loaded document; ``fixing``: each diagnostic carries its fix, if it has one.
    Never raises: a failure of agent-lint itself on this file is the file's ``internal``
    diagnostic, so the other files of a run are still checked."""
    try:
        return _lint_document(document, settings, fixing)
    except Exception as error:  # noqa: BLE001 - the per-file boundary
        return _failed(document.path, error)


def _failed(path: str, error: Exception) -> FileResult:
    return FileResult(path, "invalid", (internal.diagnostic(error),))


def _lint_document(document: Document, settings: Settings, fixing: bool) -> FileResult:
    if document.kind == "ignored":
        return FileResult(document.path, "ignored", note=document.note)
    ctx = LintContext(document, settings, RULE_IDS, fixing=fixing)
    rules = list(RULES.values()) if document.loaded else [RULES[p.rule] for p in document.problems]
    found: list[tuple[Rule, Finding]] = []
    failure: Diagnostic | None = None  # the first rule that failed: the others still report
    for rule in dict.fromkeys(rules):
        try:
            found.extend((rule, finding) for finding in rule.check(ctx))
        except Exception as error:  # noqa: BLE001 - one rule's failure
            failure = failure or internal.diagnostic(error)
    claimed = {f.path for rule, f in found if not rule.META.from_schema and f.path}
    suppressions = (
        find_suppressions(document.source.lines) if "agent-lint:" in document.text else None
    )
    diagnostics: list[Diagnostic] = []
    snippets: dict[int, str] = {}
    for rule, finding in found:
        if rule.META.from_schema and _is_claimed(finding.path, claimed):
            continue
        if rule.META.id in settings.disable:
            continue
        if (
            suppressions is not None
            and rule.META.severity == "warning"  # an error is the platform's: no comment waives it
            and suppressions.silences(rule.META.id, finding.line)
        ):
            continue
        diagnostics.append(
            Diagnostic(
                finding.line,
                finding.column,
                rule.META.id,
                rule.META.severity,
                mask_secrets(finding.message),
                mask_secrets(format_path(finding.path)),  # a key can be a token, too
                mask_secrets(finding.hint) if finding.hint else None,
                finding.fix,
            )
        )
        if finding.line not in snippets:
            snippets[finding.line] = ctx.shown_line(finding.line)
    if failure is not None:
        diagnostics.append(failure)
    diagnostics.sort(key=Diagnostic.sort_key)
    status: FileStatus = "invalid" if any(d.severity == "error" for d in diagnostics) else "valid"
    return FileResult(document.path, status, tuple(diagnostics), snippets)


def lint_target(target: Target, settings: Settings) -> FileResult:
    path, display, unread = target
    if unread is not None:
        return FileResult(display, "ignored", note=unread)
    try:
        document = load_file(Path(path), display, settings.load_limits)
    except Exception as error:  # noqa: BLE001 - the per-file boundary, as in lint_document
        return _failed(display, error)
    return lint_document(document, settings)


def available_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _lint_chunk(chunk: list[Target], settings: Settings) -> list[FileResult]:
    return [lint_target(target, settings) for target in chunk]


def lint_targets(targets: Sequence[Target], settings: Settings, jobs: int = 0) -> LintResult:
    """Lint every target; ``jobs`` processes (0: one per core) once there are enough files."""
    jobs = jobs or available_cores()
    if jobs <= 1 or len(targets) < PARALLEL_THRESHOLD:
        return LintResult(tuple(_lint_chunk(list(targets), settings)))
    import multiprocessing  # only for large runs: the pool's imports cost a cold start ~10 ms
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, len(targets) // (jobs * 4))
    chunks = [list(targets[i : i + size]) for i in range(0, len(targets), size)]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        results = pool.map(_lint_chunk, chunks, [settings] * len(chunks))
        return LintResult(tuple(r for chunk in results for r in chunk))


def _display(path: Path, cwd: Path) -> str:
    """A discovered file's path relative to the working directory."""
    return os.path.relpath(path, cwd)


def _link_on_the_way(path: Path, root: Path) -> Path | None:
    """The first symbolic link on ``path``'s way from inside the repository at ``root`` (the
    path itself, or a directory above it); None for none, or for a path outside the
    repository, which the user named explicitly."""
    real_root = root.resolve()
    link: Path | None = None
    for step in (path, *path.parents):
        if resolved(step) == real_root:
            return link
        if link is None and step.is_symlink():
            link = step
    return None


def _walked(
    directory: Path, found: list[Path], walked: Sequence[str], cwd: Path, root: Path
) -> list[Target]:
    """The files a walk of ``walked`` (paths relative to ``directory``) found. In a git working
    tree, those git would not commit are not read, as sync does not read them
    (``agentsync.config.worktree``)."""
    inside = directory.resolve().is_relative_to(root.resolve())
    repository = root if inside else find_repository_root(directory)
    unread = not_committed(directory, found, repository, walked)
    return [Target(str(p), _display(p, cwd), unread.get(p)) for p in found]


def collect_targets(paths: Sequence[str], cwd: Path, root: Path) -> list[Target]:
    """Files to lint. No paths: the configs of the repository at ``root``. A directory holding
    config directories: its configs. Any other directory: every YAML file under it. A walk in a
    git working tree skips, with a note, what git would not commit: a gitignored file, a file
    in a submodule. A file: as given (pre-commit passes only config paths). A path inside the
    repository that is, or goes through, a symbolic link is linted as that link: ignored, as
    sync ignores it. A path that cannot even be looked at (in a directory its permissions
    close) is linted as given, and loading it says why it cannot be read."""
    if not paths:
        return _walked(root, discover(root), CONFIG_DIRS, cwd, root)
    targets: list[Target] = []
    for given in paths:
        try:
            targets.extend(_given_targets(given, cwd, root))
        except OSError:
            targets.append(Target(given, given))
    return targets


def _given_targets(given: str, cwd: Path, root: Path) -> list[Target]:
    path = Path(given)
    link = _link_on_the_way(Path(os.path.abspath(cwd / path)), root)
    if link is not None:
        return [Target(str(link), given)]
    if path.is_dir():
        if any(os.path.isdir(path / name) for name in CONFIG_DIRS):
            return _walked(path, discover(path), CONFIG_DIRS, cwd, root)
        return _walked(path, yaml_files(path), (".",), cwd, root)
    if path.exists() or path.is_symlink():
        return [Target(given, given)]
    raise UsageError(f"{given}: no such file or directory")
