"""``trigger-type``: each trigger needs ``type:`` set to ``cron``, ``react`` or ``mention``;
the type selects which other keys the trigger takes.

Bad::

    triggers:
      - type: crom
        schedule: "0 9 * * 1-5"

Fixed::

    triggers:
      - type: cron
        schedule: "0 9 * * 1-5"

``--fix`` rewrites a type that differs from one of them only by letter case or surrounding
blanks (``Cron``, ``" react"``), in the value's own quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.suggest import only_case_match
from agentsync.lint.context import MISSING, LintContext, describe
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "trigger-type",
    "error",
    "Triggers must declare type: cron, react or mention",
    from_schema=True,
    fix="safe",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("discriminator"):
        allowed = [str(v) for v in error.expected]
        where = format_path(error.path[:-1])
        if ctx.get(error.path) is MISSING:
            yield ctx.finding(
                error.path[:-1],
                f"{where} has no 'type'; set it to one of {', '.join(allowed)}",
            )
            continue
        case = only_case_match(error.value, allowed) if isinstance(error.value, str) else None
        close = case or ctx.closest(str(error.value), allowed, cutoff=0.5)
        suggestion = f"; did you mean {close!r}?" if close else ""
        finding = ctx.finding(
            error.path,
            f"{where}.type is {describe(error.value)}, not one of {', '.join(allowed)}"
            + suggestion,
        )
        yield ctx.with_value_fix(finding, error.path, case, string=True)
