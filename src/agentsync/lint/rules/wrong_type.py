"""``type``: every value must have the type the schema gives it; no silent coercion.

``"5"`` is not a number and ``5`` is not a string; the message says which type is expected
and how to write it.

Bad::

    limits:
      run: "5"

Fixed::

    limits:
      run: 5

``--fix`` makes the three changes that keep the value the author wrote: it removes the quotes
of a number or boolean where one is expected (``run: "5"``), quotes a number or boolean where a
string is expected, as written (``name: 007`` becomes ``name: "007"``, not ``"7"``), and makes
a single value a list of it where a list is expected (``events: [pull_request_opened]``). A
value with a tag or an anchor, an alias, or a plain value holding ``,`` ``[`` ``]`` ``{`` or
``}`` is left as it is.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from agentsync.config.loader import resolve_plain
from agentsync.config.secrets import is_secret_path
from agentsync.lint.context import LintContext, describe
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta
from agentsync.lint.shape import ShapeError, has_type, is_yaml11_boolean

META = RuleMeta(
    "type", "error", "Values must have the type the schema expects", from_schema=True, fix="safe"
)

_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean (true or false)",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}
_FLOW_INDICATOR = re.compile(r"[,\[\]{}]")


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("type"):
        if is_yaml11_boolean(error):
            continue  # reported by yaml11-boolean with its own explanation
        expected = [_NAMES[t] for t in error.expected if t != "null"] or ["null"]
        where = format_path(error.path) or "the document"
        got = describe(error.value, error.path)
        message = f"{where} must be {' or '.join(expected)}, got {got}"
        hint, fixed = _hint_and_fix(ctx, error)
        yield ctx.with_value_fix(ctx.finding(error.path, message, hint), error.path, fixed)


def _hint_and_fix(ctx: LintContext, error: ShapeError) -> tuple[str | None, str | None]:
    """The hint, and the value that fixes the file (None: no fix keeps what was meant)."""
    secret = is_secret_path(error.path)  # a hint never shows a secret's value
    if "string" in error.expected and _quotable(error.value):
        text = _written(ctx, error)
        if text is None or resolve_plain(text) != error.value:
            return "quote the value to make it a string", None
        fixed = f'"{text}"'
        return "quote the value to make it a string" + ("" if secret else f": {fixed}"), fixed
    if isinstance(error.value, str):
        unquoted = _unquoted(error.value, error.expected)
        if unquoted is not None and _written(ctx, error) is not None:  # no tag, anchor, alias
            return "write it without quotes" + ("" if secret else f": {unquoted}"), unquoted
    if "array" in error.expected and not isinstance(error.value, list):
        listed = _listed(ctx, error)
        return "write a YAML list: one '- item' per line, or [a, b]", listed
    return None, None


def _written(ctx: LintContext, error: ShapeError) -> str | None:
    """The value at the error's path as the file writes it (a file with this error only: the
    module of edits is not loaded otherwise)."""
    from agentsync.lint.edits import written

    return written(ctx.document, error.path)


def _unquoted(value: str, expected: tuple[str, ...]) -> str | None:
    """``value`` (a string) written without quotes, where it then reads as the number or the
    boolean expected; None where it would not."""
    read = resolve_plain(value)
    if isinstance(read, bool):
        return str(read).lower() if "boolean" in expected else None
    if isinstance(read, int):
        return value if "integer" in expected or "number" in expected else None
    if isinstance(read, float) and math.isfinite(read):
        return value if "number" in expected else None
    return None


def _listed(ctx: LintContext, error: ShapeError) -> str | None:
    """A single value written as a list of it, where the list's items have its type (a list
    of strings, not of mappings); None where the brackets would change what the value says."""
    if not has_type(error.value, error.items):
        return None
    text = _written(ctx, error)
    if text is None or (text[0] not in "\"'" and _FLOW_INDICATOR.search(text)):
        return None
    return f"[{text}]"


def _quotable(value: object) -> bool:
    """A scalar that quoting makes the string the author wrote: not a float YAML read as
    infinite or NaN (``1e400`` reads as infinity; quoted, it would not say ``1e400``)."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int | bool)
