"""What a rule sees: the loaded document, typed accessors over its data, positions, settings."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property
from typing import Any

from agentsync.config.loader import Document, Span
from agentsync.config.problems import ConfigPath
from agentsync.config.schema import load as load_schema
from agentsync.lint.diagnostic import Finding
from agentsync.lint.settings import Settings
from agentsync.lint.shape import ShapeError, ShapeValidator
from agentsync.money import dollars

MISSING: Any = object()


def describe(value: Any) -> str:
    """A short human description of a value: ``the string 'yes'``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        text = repr(value)  # an int's repr has no digit limit below 4,300 digits (the loader's)
        return f"the number {text}" if len(text) <= 40 else f"a number of {len(text)} digits"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    return "a list" if isinstance(value, list) else "a mapping"


class LintContext:
    """One document under lint."""

    def __init__(self, document: Document, settings: Settings) -> None:
        self.document = document
        self.settings = settings
        self.data: dict[str, Any] = document.data if isinstance(document.data, dict) else {}

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
        """``limits.<window>`` in dollars; None unless it is a usable amount (the type and
        invalid-value rules report the rest: a string, a negative, NaN, infinity, 10^309)."""
        amount = dollars(self.mapping(("limits",)).get(window))
        return amount if amount is not None and amount >= 0 else None

    def items(self, path: ConfigPath) -> Iterator[tuple[ConfigPath, Any]]:
        """``(path, item)`` of each element of the list at ``path``."""
        value = self.get(path)
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield (*path, index), item

    def triggers(self, kind: str) -> Iterator[tuple[ConfigPath, dict[str, Any]]]:
        """``(path, trigger)`` of each well-formed trigger whose ``type`` is ``kind``."""
        for path, trigger in self.items(("triggers",)):
            if isinstance(trigger, dict) and trigger.get("type") == kind:
                yield path, trigger

    def span(self, path: ConfigPath) -> Span | None:
        """The span of ``path`` or of its nearest ancestor present in the source."""
        spans = self.document.spans
        while path:
            if path in spans:
                return spans[path]
            path = path[:-1]
        return spans.get(())

    def finding(
        self,
        path: ConfigPath,
        message: str,
        hint: str | None = None,
        *,
        at_key: bool = False,
        line_offset: int = 0,
        column: int | None = None,
        redact: bool = False,
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
            source = self.document.source_line(line)
            col = len(source) - len(source.lstrip()) + 1
        if column is not None:
            col = column
        return Finding(line, col, message, path, hint, redact_from=col if redact else None)


_VALIDATOR: ShapeValidator | None = None


def _validator() -> ShapeValidator:
    global _VALIDATOR
    if _VALIDATOR is None:
        _VALIDATOR = ShapeValidator(load_schema())
    return _VALIDATOR
