"""A Markdown section for a GitHub job summary (``--summary-file "$GITHUB_STEP_SUMMARY"``).

A heading, the counts, then a table of diagnostics; or one line saying every config is valid.
Cell text is escaped so a message cannot break the table or turn into markup. The table stops
at ``MAX_ROWS``: GitHub drops a step summary above 1 MiB, and the annotations and the SARIF
file carry every diagnostic anyway.
"""

from __future__ import annotations

import re

from agentsync.lint.reporters.base import Reporter
from agentsync.lint.reporters.text import TextReporter
from agentsync.lint.result import LintResult
from agentsync.plural import plural
from agentsync.printable import printable

MAX_ROWS = 500

# Backslash-escape what GitHub Markdown would read as markup inside a table cell: emphasis,
# links, inline HTML and entities, code spans, strikethrough and the cell separator itself.
_MARKUP = re.compile(r"([\\`*_\[\]<>&|~])")


def escape_cell(text: str) -> str:
    """Text safe inside one table cell: markup escaped, line breaks as ``<br>``."""
    escaped = _MARKUP.sub(r"\\\1", text)
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
        ignored = f", {s.ignored} ignored (no ellipsis: block)" if s.ignored else ""
        prefix = "all " if checked > 1 else ""
        return f"{prefix}{plural(checked, 'config')} valid{ignored}"
    return TextReporter._summary(result)


class MarkdownReporter(Reporter):
    def report(self, result: LintResult) -> None:
        lines = ["## agent-lint", "", escape_cell(counts_line(result)), ""]
        rows = [(file, d) for file in result.files for d in file.diagnostics]
        if rows:
            lines.append("| Location | Severity | Rule | Message |")
            lines.append("| --- | --- | --- | --- |")
            for file, d in rows[:MAX_ROWS]:
                cells = (
                    f"{printable(file.path)}:{d.line}:{d.column}",
                    d.severity,
                    d.rule,
                    d.message_with_hint(),
                )
                lines.append("| " + " | ".join(escape_cell(cell) for cell in cells) + " |")
            if len(rows) > MAX_ROWS:
                lines.append("")
                lines.append(
                    f"{len(rows) - MAX_ROWS} more not shown; see the annotations or the SARIF file."
                )
            lines.append("")
        self.stream.write("\n".join(lines))
