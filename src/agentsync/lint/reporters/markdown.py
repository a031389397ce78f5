"""A Markdown section for a GitHub job summary (``--summary-file "$GITHUB_STEP_SUMMARY"``).

A heading, the counts, then a table of diagnostics and of the files not read (a symbolic
link...); or one line saying every config is valid. Cell text is escaped so a message cannot
break the table or turn into markup. The table stops at ``MAX_ROWS`` rows or ``MAX_BYTES``
bytes, whichever comes first, and says how many rows it left out: GitHub drops a step summary
above 1 MiB, and the annotations and the SARIF file carry every diagnostic anyway.
"""

from __future__ import annotations

import re

from agentsync.lint.reporters.base import Reporter
from agentsync.lint.reporters.text import TextReporter
from agentsync.lint.result import LintResult
from agentsync.plural import plural
from agentsync.printable import printable

MAX_ROWS = 500
MAX_BYTES = 512 * 1024  # of the table, in UTF-8: half of a step summary's 1 MiB at most
# GitHub shows a step's first annotations only; its log has a line for each, as SARIF does.
LEFT_OUT = "more not shown; the step's log lists every problem, and so does the SARIF file."
_LISTED = "listed below"  # where the counts line says the files not read are

# Backslash-escape what GitHub Markdown would read as markup inside a table cell: emphasis,
# links, inline HTML and entities, code spans, strikethrough and the cell separator itself.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~])")
# GitHub turns @name into a mention (notifying that user or team: a cron message naming
# @hourly would ping the user "hourly") and #123 or owner/repo#123 into a reference (noted on
# that issue), on the text as rendered, so a backslash does not stop it: a zero-width space
# after the @ or # does.
_REFERENCE = re.compile(r"(?<!\w)@(?=\w)|#(?=\d)")


def escape_cell(text: str) -> str:
    """Text safe inside one table cell: markup escaped, mentions and issue references kept as
    text, line breaks as ``<br>``."""
    escaped = _REFERENCE.sub("\\g<0>\u200b", _MARKUP.sub(r"\\\1", text))
    return "<br>".join(escaped.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def code_span(text: str) -> str:
    """``text`` as a Markdown code span, shown as it is: fenced by more backticks than any run
    of them inside (CommonMark), with a space inside the fence where ``text`` starts or ends
    with one, or is blank. No escaping: a backslash inside a code span is shown, not read."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def counts_line(result: LintResult) -> str:
    s = result.summary
    if s.files and not s.errors and not s.warnings:
        checked = s.files - s.ignored
        prefix = "all " if checked > 1 else ""
        return f"{prefix}{plural(checked, 'config')} valid{TextReporter._ignored(result, _LISTED)}"
    return TextReporter._summary(result, _LISTED)


def table_rows(result: LintResult) -> list[tuple[str, str, str, str]]:
    """The cells of each diagnostic's row, and of each file not read, in the files' order."""
    rows: list[tuple[str, str, str, str]] = []
    for file in result.files:
        path = printable(file.path)
        for d in file.diagnostics:
            rows.append((f"{path}:{d.line}:{d.column}", d.severity, d.rule, d.message_with_hint()))
        if file.note:
            rows.append((path, "ignored", "", file.note))
    return rows


def table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    """The table's lines: as many rows as ``MAX_ROWS`` and ``MAX_BYTES`` allow, then how many
    were left out."""
    lines = ["| Location | Severity | Rule | Message |", "| --- | --- | --- | --- |"]
    size = 0
    for cells in rows[:MAX_ROWS]:
        line = "| " + " | ".join(escape_cell(cell) for cell in cells) + " |"
        size += len(line.encode("utf-8", "surrogatepass")) + 1
        if size > MAX_BYTES:
            break
        lines.append(line)
    left_out = len(rows) - (len(lines) - 2)
    if left_out:
        lines += ["", f"{left_out} {LEFT_OUT}"]
    return lines


class MarkdownReporter(Reporter):
    def report(self, result: LintResult) -> None:
        lines = ["## agent-lint", "", escape_cell(counts_line(result)), ""]
        rows = table_rows(result)
        if rows:
            lines += [*table(rows), ""]
        self.stream.write("\n".join(lines))
