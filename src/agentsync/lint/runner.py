"""Runs the rules over files and builds a ``LintResult``; large sets run across cores.

Order of work for one file: load (positions, load problems) -> skip if ignored -> every rule
-> drop shape findings where a semantic rule reported on the same path -> drop disabled and
inline-suppressed rules -> attach source snippets (secrets masked).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from agentsync.config.discovery import CONFIG_DIRS, CONFIG_SUFFIXES, discover
from agentsync.config.loader import Document, load_file
from agentsync.config.problems import ConfigPath
from agentsync.errors import UsageError
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Diagnostic, Finding, format_path
from agentsync.lint.result import FileResult, FileStatus, LintResult
from agentsync.lint.rule import Rule
from agentsync.lint.rules import RULES, internal
from agentsync.lint.settings import Settings
from agentsync.lint.suppress import find_suppressions

PARALLEL_THRESHOLD = 200  # below this, starting workers costs more than it saves

Target = tuple[str, str]  # (filesystem path, path as reported)


def _is_claimed(path: ConfigPath, claimed: set[ConfigPath]) -> bool:
    return any(path[:length] in claimed for length in range(1, len(path) + 1))


def _mask(line: str, column: int) -> str:
    start = column - 1
    return line[:start] + "*" * min(8, max(len(line) - start, 0))


def lint_document(document: Document, settings: Settings) -> FileResult:
    """Lint one loaded document. Never raises: a failure of agent-lint itself on this file is
    the file's ``internal`` diagnostic, so the other files of a run are still checked."""
    try:
        return _lint_document(document, settings)
    except Exception as error:  # noqa: BLE001 - the per-file boundary
        return _failed(document.path, error)


def _failed(path: str, error: Exception) -> FileResult:
    return FileResult(path, "invalid", (internal.diagnostic(error),))


def _lint_document(document: Document, settings: Settings) -> FileResult:
    if document.kind == "ignored":
        return FileResult(document.path, "ignored", note=document.note)
    ctx = LintContext(document, settings)
    rules = list(RULES.values()) if document.loaded else [RULES[p.rule] for p in document.problems]
    found: list[tuple[Rule, Finding]] = []
    failure: Diagnostic | None = None  # the first rule that failed: the others still report
    for rule in dict.fromkeys(rules):
        try:
            found.extend((rule, finding) for finding in rule.check(ctx))
        except Exception as error:  # noqa: BLE001 - one rule's failure
            failure = failure or internal.diagnostic(error)
    claimed = {f.path for rule, f in found if not rule.FROM_SCHEMA and f.path}
    suppressions = find_suppressions(document.lines) if "agent-lint:" in document.text else None
    diagnostics: list[Diagnostic] = []
    snippets: dict[int, str] = {}
    for rule, finding in found:
        if rule.FROM_SCHEMA and _is_claimed(finding.path, claimed):
            continue
        if rule.ID in settings.disable:
            continue
        if suppressions is not None and suppressions.silences(rule.ID, finding.line):
            continue
        diagnostics.append(
            Diagnostic(
                finding.line,
                finding.column,
                rule.ID,
                rule.SEVERITY,
                finding.message,
                format_path(finding.path),
                finding.hint,
                finding.redact_from,
            )
        )
        snippets[finding.line] = document.source_line(finding.line)
    # A line that holds a secret is masked whichever diagnostic shows it.
    for diagnostic in diagnostics:
        if diagnostic.redact_from is not None:
            snippets[diagnostic.line] = _mask(snippets[diagnostic.line], diagnostic.redact_from)
    if failure is not None:
        diagnostics.append(failure)
    diagnostics.sort(key=Diagnostic.sort_key)
    status: FileStatus = "invalid" if any(d.severity == "error" for d in diagnostics) else "valid"
    return FileResult(document.path, status, tuple(diagnostics), snippets)


def lint_target(target: Target, settings: Settings) -> FileResult:
    path, display = target
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


def _yaml_files(directory: Path) -> list[Path]:
    """Every YAML file under ``directory``, never through a symlinked directory."""
    return sorted(
        Path(parent, name)
        for parent, _, names in os.walk(directory)
        for name in names
        if name.endswith(CONFIG_SUFFIXES)
    )


def _link_on_the_way(path: Path, root: Path) -> Path | None:
    """The first symbolic link on ``path``'s way from inside the repository at ``root`` (the
    path itself, or a directory above it); None for none, or for a path outside the
    repository, which the user named explicitly."""
    real_root = root.resolve()
    link: Path | None = None
    for step in (path, *path.parents):
        if step.resolve() == real_root:
            return link
        if link is None and step.is_symlink():
            link = step
    return None


def collect_targets(paths: Sequence[str], cwd: Path, root: Path) -> list[Target]:
    """Files to lint. No paths: the configs of the repository at ``root``. A directory holding
    config directories: its configs. Any other directory: every YAML file under it. A file: as
    given (pre-commit passes only config paths). A path inside the repository that is, or goes
    through, a symbolic link is linted as that link: ignored, as sync ignores it."""
    if not paths:
        return [(str(p), _display(p, cwd)) for p in discover(root)]
    targets: list[Target] = []
    for given in paths:
        path = Path(given)
        link = _link_on_the_way(Path(os.path.abspath(cwd / path)), root)
        if link is not None:
            targets.append((str(link), given))
        elif path.is_dir():
            has_config_dirs = any((path / name).is_dir() for name in CONFIG_DIRS)
            found = discover(path) if has_config_dirs else _yaml_files(path)
            targets.extend((str(p), _display(p, cwd)) for p in found)
        elif path.exists() or path.is_symlink():
            targets.append((given, given))
        else:
            raise UsageError(f"{given}: no such file or directory")
    return targets
