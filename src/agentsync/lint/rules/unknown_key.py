"""``unknown-key``: every key must be one the v1 schema defines; typos get a "did you mean".

The platform rejects a config with an unknown key, so a misspelt ``enabeld: false`` would
otherwise keep the last good config running. A key that the schema defines in another mapping
says where it belongs (a top-level ``model:`` belongs under ``claude:``); the top-level keys the
platform's own configs write are ``misplaced-key`` warnings instead.

Bad::

    enabeld: false

Fixed::

    enabled: false
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from agentsync.config.suggest import closest
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity, format_path

ID = "unknown-key"
SEVERITY: Severity = "error"
SUMMARY = "Keys must be defined by the v1 schema"
FROM_SCHEMA = True


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
        yield ctx.finding(
            error.path, message, f"keys allowed here: {', '.join(known)}", at_key=True
        )


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
