"""Human output: ``path:line:col: severity: message [rule]``, the source line, a caret, a hint.

Color (only when the stream is a terminal and ``NO_COLOR`` is unset) is decided by the caller.
"""

from __future__ import annotations

from agentsync.config.secrets import MASK
from agentsync.lint.diagnostic import Diagnostic
from agentsync.lint.reporters.base import Reporter
from agentsync.lint.result import FileResult, LintResult
from agentsync.plural import plural
from agentsync.printable import printable

_RESET = "\033[0m"
_STYLES = {"error": "\033[1;31m", "warning": "\033[1;33m", "path": "\033[1m", "dim": "\033[2m"}


def _window(source: str, column: int, width: int = 100) -> tuple[str, int]:
    """At most ``width`` characters of ``source`` around ``column``, and the column within."""
    if len(source) <= width:
        return source, column
    start = max(0, min(column - 1 - width // 3, len(source) - width))
    shown = source[start : start + width]
    prefix = "..." if start else ""
    suffix = "..." if start + width < len(source) else ""
    return prefix + shown + suffix, column - start + len(prefix)


def _visible(source: str, column: int) -> tuple[str, int]:
    """The source line as a terminal shows it safely: a tab as a space, any other character
    that is not printable escaped (``\\x07``, ``\\u2028``), and the column moved to match."""
    source = source.replace("\t", " ")
    if source.isprintable():
        return source, column
    before = printable(source[: column - 1])
    return before + printable(source[column - 1 :]), len(before) + 1


def _on_shown(source: str, column: int) -> int:
    """The caret's column on the line as shown: past the end of a line whose secret was masked
    (the text the column counted is gone), it points at the mask."""
    if column <= len(source) + 1:
        return column
    return source.rfind(MASK) + 1 if MASK in source else len(source) + 1


class TextReporter(Reporter):
    def _paint(self, text: str, style: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if self.color else text

    def report(self, result: LintResult) -> None:
        for file in result.files:
            for diagnostic in file.diagnostics:
                self._diagnostic(file, diagnostic)
            if file.note:
                shown = f"{printable(file.path)}: ignored: {file.note}"
                self.stream.write(self._paint(shown, "dim") + "\n")
        self.stream.write(self._summary(result) + "\n")

    def _diagnostic(self, file: FileResult, d: Diagnostic) -> None:
        where = self._paint(f"{printable(file.path)}:{d.line}:{d.column}:", "path")
        severity = self._paint(f"{d.severity}:", d.severity)
        rule = self._paint(f"[{d.rule}]", "dim")
        lines = [f"{where} {severity} {d.message} {rule}"]
        source = file.snippets.get(d.line)
        if source is not None and source.strip():
            gutter = " " * len(str(d.line))
            shown, column = _window(*_visible(source, _on_shown(source, d.column)))
            caret = self._paint(self._caret(shown, column), d.severity)
            lines.append(f" {d.line} | {shown}")
            lines.append(f" {gutter} | {' ' * (column - 1)}{caret}")
            if d.hint:
                lines.append(f" {gutter} = hint: {d.hint}")
        elif d.hint:
            lines.append(f"    = hint: {d.hint}")
        self.stream.write("\n".join(lines) + "\n")

    @staticmethod
    def _caret(source: str, column: int) -> str:
        token = source[column - 1 :].split(" ", 1)[0] if column - 1 < len(source) else ""
        return "^" + "~" * max(0, min(len(token), 40) - 1)

    @staticmethod
    def _ignored(result: LintResult, listed: str) -> str:
        """``, N ignored (why)``, or nothing; ``listed`` says where the files not read are."""
        s = result.summary
        not_read = sum(1 for f in result.files if f.note)
        why = ", ".join(
            reason
            for count, reason in (
                (not_read, f"{not_read} not read, {listed}"),
                (s.ignored - not_read, "no ellipsis: block"),
            )
            if count
        )
        return f", {s.ignored} ignored ({why})" if s.ignored else ""

    @staticmethod
    def _summary(result: LintResult, listed: str = "see above") -> str:
        s = result.summary
        checked = s.files - s.ignored
        if s.files == 0:
            return "no agent configs found"
        ignored = TextReporter._ignored(result, listed)
        if not s.errors and not s.warnings:
            return f"{plural(checked, 'config')} valid{ignored}"
        return (
            f"{plural(s.errors, 'error')}, {plural(s.warnings, 'warning')} "
            f"in {plural(checked, 'config')} ({s.invalid} invalid{ignored})"
        )
