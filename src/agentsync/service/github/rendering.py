"""What the service writes on a pull request, from a :class:`~agentsync.lint.result.LintResult`:
our comment (:func:`comment_body`, starting with :data:`MARKER`) and a check run's conclusion,
output and annotations (:func:`check_run_conclusion`, :func:`check_run_output`,
:func:`check_run_annotations`), each within GitHub's size limits. No GitHub call is made here.

A sync preview (:class:`PreviewText`) goes after the problems in both, sharing the limit: in
the comment the problems keep what they need while the whole preview fits (else the preview is
summarized, in at least half the comment); in the check run's text the whole preview is kept
first (cut only at GitHub's limit, less room for some problems) and the table gets what is
left (every problem is annotated anyway).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import quote

from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.markdown import code_span, escape_cell
from agentsync.lint.result import FileResult, LintResult
from agentsync.plural import plural
from agentsync.printable import printable
from agentsync.shorten import fit_lines, truncate

__all__ = [
    "MARKER",
    "PreviewText",
    "check_run_annotations",
    "check_run_conclusion",
    "check_run_output",
    "comment_body",
    "headline",
    "reported_paths",
]

MARKER = "<!-- agentsync:agent-lint -->"  # starts our pull-request comment, to find it again
# The files our comment reported, as a JSON list in an HTML comment on its second line: the
# next report says which of them are now valid.
REPORTED = re.compile(r"^<!-- agentsync:reported (\[.*\]) -->$", re.MULTILINE)
MAX_OUTPUT_CHARS = 65535  # GitHub's limit on a check run's output summary and text
MAX_COMMENT_CHARS = 65536  # GitHub's limit on a comment body
MAX_TITLE_CHARS = 255  # an annotation's title
_LEVELS = {"error": "failure", "warning": "warning"}  # severity -> annotation level
_TABLE_HEAD = ("| Location | Severity | Rule | Message |", "| --- | --- | --- | --- |")
_TABLE_RESERVE = 8000  # what a check run's text keeps for the problems' table beside a preview


class PreviewText(Protocol):
    """The sync preview's section, rendered to fit a budget of characters."""

    def for_comment(self, max_chars: int | None) -> str:
        """Whole (None: no limit), or summarized to at most ``max_chars``."""
        ...

    def for_check_run(self, max_chars: int) -> str:
        """Whole, or cut to at most ``max_chars`` with a note."""
        ...


def headline(result: LintResult) -> str:
    """``2 errors, 1 warning in 3 changed configs`` or ``all 3 changed configs are valid``."""
    s = result.summary
    checked = s.files - s.ignored
    ignored = f" ({s.ignored} ignored: no ellipsis: block)" if s.ignored else ""
    if not s.files:
        return "no agent config changed"
    if not checked:
        return f"no agent config to check{ignored}"
    if s.errors or s.warnings:
        return (
            f"{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')} "
            f"in {plural(checked, 'changed config')}{ignored}"
        )
    if checked == 1:
        return f"the changed config is valid{ignored}"
    return f"all {checked} changed configs are valid{ignored}"


def _problem_rows(result: LintResult, blob_url: str | None = None) -> list[str]:
    """A table row per diagnostic; with ``blob_url`` (the head commit's files), each location
    links to its line."""
    rows = []
    for file in result.files:
        for d in file.diagnostics:
            where = escape_cell(f"{printable(file.path)}:{d.line}:{d.column}")
            if blob_url is not None:
                where = f"[{where}]({blob_url}/{quote(file.path)}#L{d.line})"
            cells = (d.severity, d.rule, d.message_with_hint())
            rows.append(f"| {where} | " + " | ".join(escape_cell(c) for c in cells) + " |")
    return rows


def reported_paths(body: str) -> frozenset[str]:
    """The files a comment of ours reported problems in (none when it says nothing)."""
    found = REPORTED.search(body)
    try:
        listed = json.loads(found.group(1)) if found else []
    except ValueError:
        return frozenset()
    return (
        frozenset(p for p in listed if isinstance(p, str))
        if isinstance(listed, list)
        else frozenset()
    )


def _reported_line(result: LintResult, previously: frozenset[str]) -> str:
    """The files this comment reports: with problems, or fixed since a comment reported them
    (so a fixed file stays "now valid" while the pull request changes it, and a report of an
    unchanged head is the same comment)."""
    paths = sorted(f.path for f in result.files if f.diagnostics or f.path in previously)
    listed = json.dumps(paths, ensure_ascii=True).replace("--", "-\\u002d")  # never "-->"
    return f"<!-- agentsync:reported {listed} -->"


def _now_valid(result: LintResult, previously: frozenset[str]) -> list[str]:
    """``- `agents/a.yaml`: now valid`` for each file reported before that is clean now."""
    fixed = sorted(f.path for f in result.files if f.path in previously and not f.diagnostics)
    return [f"- {code_span(printable(path))}: now valid" for path in fixed]


def _report_lines(result: LintResult, head_sha: str, notes: Sequence[str]) -> list[str]:
    counts = headline(result)
    lines = [f"**{escape_cell(counts[:1].upper() + counts[1:])}** at `{head_sha}`."]
    lines.extend(f"_{escape_cell(note)}_" for note in notes)
    return lines


def comment_body(
    result: LintResult,
    head_sha: str,
    notes: Sequence[str] = (),
    *,
    blob_url: str | None = None,
    previously: frozenset[str] = frozenset(),
    preview: PreviewText | None = None,
) -> str:
    """Our pull-request comment: :data:`MARKER`, the counts at ``head_sha``, the files that
    the last comment reported (``previously``) and are now valid, a table of the problems
    (location linked into ``blob_url``, severity, rule, message and hint), and the sync
    ``preview``, within GitHub's size limit."""
    head = [MARKER, _reported_line(result, previously), "## agent-lint", ""]
    head += [*_report_lines(result, head_sha, notes), *_now_valid(result, previously)]
    rows = _problem_rows(result, blob_url)
    if rows:
        head += ["", *_TABLE_HEAD]

    def more(count: int) -> str:
        return f"{plural(count, 'more problem')} not shown."

    lint = fit_lines(head, rows, MAX_COMMENT_CHARS, more)
    if preview is None:
        return lint
    section = preview.for_comment(None)
    if len(lint) + 2 + len(section) > MAX_COMMENT_CHARS:
        budget = max(MAX_COMMENT_CHARS - len(lint) - 2, MAX_COMMENT_CHARS // 2)
        section = preview.for_comment(budget)
        lint = fit_lines(head, rows, MAX_COMMENT_CHARS - len(section) - 2, more)
    return truncate(f"{lint}\n\n{section}", MAX_COMMENT_CHARS)


def check_run_conclusion(result: LintResult) -> str:
    """failure with any error, neutral when no config was checked, else success."""
    s = result.summary
    if s.errors:
        return "failure"
    return "neutral" if s.files == s.ignored else "success"


def check_run_output(
    result: LintResult,
    head_sha: str,
    notes: Sequence[str] = (),
    preview: PreviewText | None = None,
) -> dict[str, Any]:
    """The check run's title, summary and text (the problems' table, then the sync
    ``preview``), within GitHub's limits."""
    rows = _problem_rows(result)
    section = ""
    if preview is not None:
        section = preview.for_check_run(MAX_OUTPUT_CHARS - (_TABLE_RESERVE if rows else 0))
    table = fit_lines(
        list(_TABLE_HEAD),
        rows,
        MAX_OUTPUT_CHARS - (len(section) + 2 if section else 0),
        lambda count: f"{plural(count, 'more problem')} not shown; every one is annotated.",
    )
    text = "\n\n".join(part for part in (table if rows else "", section) if part)
    summary = "\n\n".join(_report_lines(result, head_sha, notes))
    return {
        "title": headline(result),
        "summary": truncate(summary, MAX_OUTPUT_CHARS),
        **({"text": text} if text else {}),
    }


def _annotation(file: FileResult, d: Diagnostic) -> dict[str, Any]:
    annotation: dict[str, Any] = {
        "path": file.path,
        "start_line": d.line,
        "end_line": d.line,
        # Columns are allowed only within one line, which a diagnostic always is.
        "start_column": d.column,
        "end_column": d.column,
        "annotation_level": _LEVELS.get(d.severity, "notice"),
        "message": truncate(d.message, MAX_OUTPUT_CHARS),
        "title": truncate(d.rule, MAX_TITLE_CHARS),
    }
    if d.hint:
        annotation["raw_details"] = truncate(f"hint: {d.hint}", MAX_OUTPUT_CHARS)
    return annotation


def check_run_annotations(result: LintResult) -> list[dict[str, Any]]:
    """One check-run annotation per diagnostic, in file then line order."""
    return [_annotation(file, d) for file in result.files for d in file.diagnostics]
