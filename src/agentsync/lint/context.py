"""What a rule sees: the loaded document, typed accessors over its data, positions, settings;
and the source lines as they may be printed, every secret masked."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

from agentsync.config import budget
from agentsync.config.loader import Document, Span
from agentsync.config.problems import ConfigPath
from agentsync.config.schema import load as load_schema
from agentsync.config.secrets import MASK, is_secret_path, mask_secrets, shortened, token_kind
from agentsync.config.suggest import closest
from agentsync.config.walk import scalars
from agentsync.lint.diagnostic import Finding
from agentsync.lint.settings import Settings
from agentsync.lint.shape import ShapeError, ShapeValidator

MISSING: Any = object()


# A "did you mean" for a file's first this many distinct words (unknown keys, events, types),
# and plain messages after: each costs a fuzzy match against every word known there.
# agent-lint on a 1 MB file of 100,000 unknown keys: 4.6 s with a suggestion for each, 3.2 s
# with this cap (median of 3); of 33,000 misspelt react events, 8.3 s, then 1.1 s.
SUGGESTIONS_PER_FILE = 100


def describe(value: Any, path: ConfigPath = ()) -> str:
    """A short human description of the value at ``path``: ``the string 'yes'``, ``a list``;
    only its kind (``a string``) where it is a secret's (a variable's value), and secret-shaped
    parts of a string masked."""
    if value is None:
        return "null"
    secret = is_secret_path(path)
    if isinstance(value, bool):
        return "a boolean" if secret else f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        if secret:
            return "a number"
        if isinstance(value, float) and not math.isfinite(value):
            return "NaN (not a number)" if math.isnan(value) else "a number too large to hold"
        text = repr(value)  # an int's repr has no digit limit below 4,300 digits (the loader's)
        return f"the number {text}" if len(text) <= 40 else f"a number of {len(text)} digits"
    if isinstance(value, str):
        return "a string" if secret else f"the string {shortened(value)!r}"
    return "a list" if isinstance(value, list) else "a mapping"


class LintContext:
    """One document under lint."""

    def __init__(
        self,
        document: Document,
        settings: Settings,
        rule_ids: frozenset[str] = frozenset(),
        *,
        fixing: bool = False,
    ) -> None:
        self.document = document
        self.settings = settings
        self.rule_ids = rule_ids  # every rule's id, for the rules that check names of rules
        self.fixing = fixing  # whether findings carry their fixes (--fix, --diff)
        self.data: dict[str, Any] = document.data if isinstance(document.data, dict) else {}
        self._suggestions: dict[tuple[str, tuple[str, ...], float], str | None] = {}

    @cached_property
    def shape_errors(self) -> list[ShapeError]:
        if not self.document.loaded:
            return []
        return _validator().validate(self.data)

    def load_problems(self, rule: str) -> Iterator[Finding]:
        """The loader's problems that belong to ``rule``."""
        for problem in self.document.problems:
            if problem.rule == rule:
                yield Finding(
                    problem.line, problem.column, problem.message, problem.path, problem.hint
                )

    def shape_errors_of(self, *kinds: str) -> Iterator[ShapeError]:
        return (error for error in self.shape_errors if error.kind in kinds)

    def get(self, path: ConfigPath) -> Any:
        """The value at ``path``, or ``MISSING``."""
        value: Any = self.data
        for part in path:
            if isinstance(part, int):
                if not isinstance(value, list) or part >= len(value):
                    return MISSING
            elif not isinstance(value, dict) or part not in value:
                return MISSING
            value = value[part]
        return value

    def mapping(self, path: ConfigPath) -> dict[str, Any]:
        value = self.get(path)
        return value if isinstance(value, dict) else {}

    def limit(self, window: str) -> float | None:
        """``limits.<window>`` in dollars, as :func:`agentsync.config.budget.limit` reads it."""
        return budget.limit(self.data, window)

    def items(self, path: ConfigPath) -> Iterator[tuple[ConfigPath, Any]]:
        """``(path, item)`` of each element of the list at ``path``."""
        value = self.get(path)
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield (*path, index), item

    def mappings(self, path: ConfigPath) -> Iterator[tuple[ConfigPath, dict[str, Any]]]:
        """``(path, entry)`` of each element of the list at ``path`` that is a mapping (the
        type rule reports the others)."""
        for item_path, item in self.items(path):
            if isinstance(item, dict):
                yield item_path, item

    def triggers(self, kind: str) -> Iterator[tuple[ConfigPath, dict[str, Any]]]:
        """``(path, trigger)`` of each well-formed trigger whose ``type`` is ``kind``."""
        for path, trigger in self.mappings(("triggers",)):
            if trigger.get("type") == kind:
                yield path, trigger

    def cron_schedules(self) -> Iterator[tuple[ConfigPath, str]]:
        """``(path, text)`` of each cron trigger's ``schedule`` that is a string."""
        for index, schedule in budget.cron_schedules(self.data):
            yield ("triggers", index, "schedule"), schedule

    def react_events(self) -> Iterator[tuple[ConfigPath, dict[str, Any]]]:
        """``(path, event)`` of each well-formed entry of every react trigger's ``events``."""
        for trigger_path, _ in self.triggers("react"):
            yield from self.mappings((*trigger_path, "events"))

    def entry_strings(self, path: ConfigPath, key: str) -> Iterator[tuple[ConfigPath, str]]:
        """``(path, text)`` of ``key`` in each mapping entry of the list at ``path``, where it
        is a string (the type rule reports the others)."""
        for entry_path, entry in self.mappings(path):
            value = entry.get(key)
            if isinstance(value, str):
                yield (*entry_path, key), value

    def react_event_names(self) -> Iterator[tuple[ConfigPath, str]]:
        """``(path, name)`` of each react event's ``event`` that is a string."""
        for trigger_path, _ in self.triggers("react"):
            yield from self.entry_strings((*trigger_path, "events"), "event")

    @cached_property
    def _secret_spans(self) -> list[tuple[int, int | None, int]]:
        """``(first line, column, last line)`` of every secret value in the source, the column
        None where the value starts a line (a block scalar's first line is its indicator).
        A secret value is one at a secret path, or a double-quoted string holding a token: a
        token elsewhere shows whole on one line, where ``mask_secrets`` finds it; only double
        quotes can hide one, split by an escaped line break or spelt with escapes."""
        found: list[tuple[int, int | None, int]] = []
        for path, value in scalars(self.data):
            span = self.document.spans.get(path)
            if span is None:
                continue
            if is_secret_path(path) or (span.style == '"' and token_kind(str(value))):
                if span.style in ("|", ">"):
                    found.append((span.line + 1, None, span.end_line))
                else:
                    found.append((span.line, span.column, span.end_line))
        return found

    def shown_line(self, line: int) -> str:
        """Source line ``line`` as it may be printed: from where a secret value starts (on a
        value's later lines, from the indentation), the rest of the line is masked; so is any
        secret-shaped text elsewhere on it."""
        text = self.document.source.line(line)
        column, continued = self._secret_starts.get(line, (None, False))
        starts = [] if column is None else [column]
        if continued:
            starts.append(len(text) - len(text.lstrip()))
        if starts and text[min(starts) :].strip():
            text = text[: min(starts)] + MASK
        return mask_secrets(text)

    @cached_property
    def _secret_starts(self) -> dict[int, tuple[int | None, bool]]:
        """By line: the index where the first secret value starting on it starts, if one does,
        and whether a secret value goes on from an earlier line. Built once, so showing a line
        costs the same however many secrets the file holds (a file of 10,000 once took 20 s)."""
        starts: dict[int, tuple[int | None, bool]] = {}
        for first, column, last in self._secret_spans:
            for line in range(first, last + 1):
                at, continued = starts.get(line, (None, False))
                if line == first and column:
                    at = column - 1 if at is None else min(at, column - 1)
                else:
                    continued = True
                starts[line] = (at, continued)
        return starts

    def closest(self, word: str, known: Sequence[str], cutoff: float = 0.6) -> str | None:
        """The entry of ``known`` most like ``word`` (:func:`~agentsync.config.suggest.closest`)
        for a "did you mean": for the file's first :data:`SUGGESTIONS_PER_FILE` distinct words
        and every repeat of them, None for any other."""
        key = (word, tuple(known), cutoff)
        if key not in self._suggestions:
            if len(self._suggestions) >= SUGGESTIONS_PER_FILE:
                return None
            self._suggestions[key] = closest(word, known, cutoff)
        return self._suggestions[key]

    def span(self, path: ConfigPath) -> Span | None:
        """The span of ``path`` or of its nearest ancestor present in the source."""
        spans = self.document.spans
        while path:
            if path in spans:
                return spans[path]
            path = path[:-1]
        return spans.get(())

    def with_value_fix(
        self,
        finding: Finding,
        path: ConfigPath,
        replacement: str | None,
        *,
        safe: bool = True,
        string: bool = False,
    ) -> Finding:
        """``finding``, while fixing, with the fix that writes ``replacement`` as the value at
        ``path`` (``agentsync.lint.edits``, imported only then), in the value's quotes if it is
        a ``string``; as it is for None."""
        if not self.fixing or replacement is None:
            return finding
        from agentsync.lint.edits import fix, value_edit

        edit = value_edit(self.document, path, replacement, string=string)
        return finding._replace(fix=fix(edit, safe=safe))

    def finding(
        self,
        path: ConfigPath,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
        line_offset: int = 0,
        column: int | None = None,
    ) -> Finding:
        """A finding at the value (or key) of ``path``; ``line_offset`` moves into a block."""
        span = self.span(path)
        if span is None:
            line, col = 1, 1
        elif at_key:
            line, col = span.key_line, span.key_column
        else:
            line, col = span.line, span.column
        if line_offset:
            line += line_offset
            source = self.document.source.line(line)
            col = len(source) - len(source.lstrip()) + 1
        if column is not None:
            col = column
        return Finding(line, col, message, path, hint)


_VALIDATOR: ShapeValidator | None = None


def _validator() -> ShapeValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = ShapeValidator(load_schema())
    return _VALIDATOR
