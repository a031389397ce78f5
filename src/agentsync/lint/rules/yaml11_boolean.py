"""``yaml11-boolean``: ``yes``/``no``/``on``/``off`` (or ``y``/``n``; lower case, capitalised or
upper case) where a boolean is expected.

YAML 1.1 read these as booleans; YAML 1.2, which the platform follows, reads them as strings,
so ``enabled: no`` is an error rather than a disabled agent.

Bad::

    enabled: no

Fixed::

    enabled: false

``--fix`` writes ``true`` or ``false``.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta
from agentsync.lint.shape import is_yaml11_boolean

META = RuleMeta(
    "yaml11-boolean",
    "error",
    "Booleans must be true or false (YAML 1.2), not yes/no/on/off",
    from_schema=True,
    fix="safe",
)

_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"])


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("type"):
        if not is_yaml11_boolean(error):
            continue
        fixed = "true" if error.value in _TRUE else "false"
        finding = ctx.finding(
            error.path,
            f"{format_path(error.path)} is the string {error.value!r}, not a boolean: "
            f"write {fixed}",
            "YAML 1.2 reads yes/no/on/off as strings; only true and false are booleans",
        )
        yield ctx.with_value_fix(finding, error.path, fixed)
