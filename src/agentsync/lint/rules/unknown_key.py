"""``unknown-key``: every key must be one the v1 schema defines; typos get a "did you mean".

The platform rejects a config with an unknown key, so a misspelt ``enabeld: false`` would
otherwise keep the last good config running. A key that the schema defines in another mapping
says where it belongs (a top-level ``model:`` belongs under ``claude:``); the top-level keys the
platform's own configs write are ``misplaced-key`` warnings instead.

Bad::

    enabeld: false

Fixed::

    enabled: false

``--fix`` renames the key when exactly one key allowed there is like it, and the mapping does
not have that key already.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentsync.config.problems import ConfigPath
from agentsync.config.suggest import closest
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, FixKind, Severity, format_path

if TYPE_CHECKING:
    from agentsync.lint.edits import Fix

ID = "unknown-key"
SEVERITY: Severity = "error"
SUMMARY = "Keys must be defined by the v1 schema"
FROM_SCHEMA = True
FIX: FixKind | None = "safe"


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("unknown-key"):
        key = str(error.value)
        where = format_path(error.path[:-1]) or "the top level"
        known = [str(k) for k in error.expected]
        close = closest(key, known)
        homes = [h for h in _homes().get(key, ()) if h != _container(error.path[:-1])]
        if homes:  # a key of another mapping: say which, rather than guess a spelling
            message = f"unknown key {key!r} in {where}: `{key}` belongs {_described(homes[0])}"
        elif close:
            message = f"unknown key {key!r} in {where}: did you mean {close!r}?"
        else:
            message = f"unknown key {key!r} in {where}"
        finding = ctx.finding(
            error.path, message, f"keys allowed here: {', '.join(known)}", at_key=True
        )
        if ctx.fixing and close and not homes:
            finding = finding._replace(fix=_rename(ctx, error.path, known))
        yield finding


def _rename(ctx: LintContext, path: ConfigPath, known: list[str]) -> Fix | None:
    """Rename the key to the one known key like it, unless the mapping has that key already."""
    from agentsync.config.typos import only_close_match
    from agentsync.lint.edits import fix, key_edit

    key = only_close_match(str(path[-1]), known)
    if key is None or key in ctx.mapping(path[:-1]):
        return None
    return fix(key_edit(ctx.document, path, key))


@functools.cache
def _homes() -> dict[str, list[str]]:
    """Where the schema defines each key (read once, and only when a key is unknown)."""
    from agentsync.config.schema import key_homes, load

    return key_homes(load())


def _container(path: tuple[str | int, ...]) -> str:
    """``("triggers", 0)`` -> ``triggers[]``, ``("sandbox",)`` -> ``sandbox``."""
    where = ""
    for part in path:
        where = f"{where}[]" if isinstance(part, int) else f"{where}.{part}" if where else part
    return where


def _described(where: str) -> str:
    if where == "":
        return "at the top level"
    if where.endswith("[]"):
        return f"in `{where}` entries"
    return f"under `{where}:`"
