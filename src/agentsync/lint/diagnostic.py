"""Findings as frozen, sortable value objects with 1-based positions.

A rule yields ``Finding``s (where and what, and while fixing how: ``agentsync.lint.edits``);
the runner adds the rule id and severity to make a
``Diagnostic``, the only thing reporters see. NamedTuples rather than dataclasses: agent-lint's
cold start pays for every dataclass's generated methods at import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

from agentsync.config.problems import ConfigPath

if TYPE_CHECKING:  # fixes are built only under --fix/--diff: start-up never imports them
    from agentsync.lint.edits import Fix

Severity = Literal["error", "warning"]
FixKind = Literal["safe", "unsafe", "both"]  # the fixes a rule's findings can carry


def format_path(path: ConfigPath) -> str:
    """``('triggers', 0, 'schedule')`` -> ``triggers[0].schedule``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


class Finding(NamedTuple):
    """What a rule reports: a position, a message that says how to fix it, and a config path."""

    line: int
    column: int
    message: str
    path: ConfigPath = ()
    hint: str | None = None
    fix: Fix | None = None  # set only while fixing (``LintContext.fixing``)


class Diagnostic(NamedTuple):
    """A finding with its rule id and severity, as reporters print it."""

    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    path: str = ""
    hint: str | None = None
    fix: Fix | None = None  # the finding's fix, while fixing; reporters never show it

    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.line, self.column, self.rule, self.message)

    def message_with_hint(self) -> str:
        """The message, then ``hint: ...`` on a line of its own: how every format that has one
        message field per diagnostic shows both (the text format lays the hint out itself)."""
        return f"{self.message}\nhint: {self.hint}" if self.hint else self.message
