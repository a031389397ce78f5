"""``limits-order`` (warning): run <= day <= week <= month. A larger limit inside a smaller
window can never be used: a $10 run under a $5 day stops at $5."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity
from agentsync.lint.settings import LIMIT_WINDOWS

ID = "limits-order"
SEVERITY: Severity = "warning"
SUMMARY = "Limits should grow with their window: run <= day <= week <= month"
FROM_SCHEMA = False


def _amount(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None  # not a usable amount: the type and invalid-value rules report it
    return float(value)


def check(ctx: LintContext) -> Iterator[Finding]:
    limits = ctx.mapping(("limits",))
    for smaller, larger in pairwise(LIMIT_WINDOWS):
        low, high = _amount(limits.get(smaller)), _amount(limits.get(larger))
        if low is not None and high is not None and low > high:
            yield ctx.finding(
                ("limits", smaller),
                f"limits.{smaller} (${low:g}) is above limits.{larger} (${high:g}); "
                f"the {larger} cap stops the agent first",
                f"raise limits.{larger} or lower limits.{smaller}",
            )
