"""``unknown-key``: every key must be one the v1 schema defines; typos get a "did you mean".

A key the schema does not define does nothing, so a misspelt ``enabeld: false`` would leave
the agent running: agent-lint and sync treat it as an error. A key that the schema defines in
another mapping (a top-level ``model:``, which belongs under ``claude:``) is a
``misplaced-key`` warning instead, unless it is one edit from a key allowed where it stands, or
its singular or plural (``event`` in a trigger is ``events`` misspelt, ``repository`` under
``sandbox:`` is ``repositories``): that stays a typo.

Bad::

    enabeld: false

Fixed::

    enabled: false

``--fix`` renames the key when exactly one key allowed there is like it, and the mapping does
not have that key already. A file's first 100 distinct unknown keys get a "did you mean", and
so do their repeats; any more are reported without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from agentsync.config.problems import ConfigPath
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

if TYPE_CHECKING:
    from agentsync.lint.edits import Fix

META = RuleMeta(
    "unknown-key", "error", "Keys must be defined by the v1 schema", from_schema=True, fix="safe"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    errors = list(ctx.shape_errors_of("unknown-key"))
    if not errors:
        return
    from agentsync.lint.placement import misplaced

    elsewhere = {error.path for error, _ in misplaced(errors)}  # misplaced-key reports them
    unknown = (error for error in errors if error.path not in elsewhere)
    for error in unknown:
        key = str(error.value)
        where = format_path(error.path[:-1]) or "the top level"
        known = [str(k) for k in error.expected]
        close = ctx.closest(key, known)
        guess = f": did you mean {close!r}?" if close else ""
        message = f"unknown key {key!r} in {where}{guess}"
        finding = ctx.finding(
            error.path, message, f"keys allowed here: {', '.join(known)}", at_key=True
        )
        if ctx.fixing and close:
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
