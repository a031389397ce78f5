"""``unknown-key``: every key must be one the v1 schema defines; typos get a "did you mean".

The platform rejects a config with an unknown key, so a misspelt ``enabeld: false`` would
otherwise keep the last good config running.

Bad::

    enabeld: false

Fixed::

    enabled: false
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

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
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        if close:
            message = f"unknown key {key!r} in {where}: did you mean {close[0]!r}?"
        else:
            message = f"unknown key {key!r} in {where}"
        yield ctx.finding(
            error.path, message, f"keys allowed here: {', '.join(known)}", at_key=True
        )
