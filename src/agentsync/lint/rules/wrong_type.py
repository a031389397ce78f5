"""``type``: every value must have the type the schema gives it; no silent coercion.

``"5"`` is not a number and ``5`` is not a string; the message says which type is expected
and how to write it.

Bad::

    limits:
      run: "5"

Fixed::

    limits:
      run: 5
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from agentsync.config.secrets import is_secret_path
from agentsync.lint.context import LintContext, describe
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta
from agentsync.lint.shape import is_yaml11_boolean

META = RuleMeta("type", "error", "Values must have the type the schema expects", from_schema=True)

_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("type"):
        if is_yaml11_boolean(error):
            continue  # reported by yaml11-boolean with its own explanation
        expected = [_NAMES[t] for t in error.expected if t != "null"] or ["null"]
        where = format_path(error.path) or "the document"
        got = describe(error.value, error.path)
        message = f"{where} must be {' or '.join(expected)}, got {got}"
        hint = None
        if "string" in error.expected and _quotable(error.value):
            hint = (
                "quote the value to make it a string"
                if is_secret_path(error.path)
                else f'quote the value to make it a string: "{_yaml_text(error.value)}"'
            )
        elif "array" in error.expected and not isinstance(error.value, list):
            hint = "write a YAML list: one '- item' per line, or [a, b]"
        yield ctx.finding(error.path, message, hint)


def _yaml_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _quotable(value: object) -> bool:
    """A scalar that quoting makes the string the author wrote: not a float YAML read as
    infinite or NaN (``1e400`` reads as infinity; quoted, it would not say ``1e400``)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | bool)
