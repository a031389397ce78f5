"""``limits-order`` (warning): run <= day <= week <= month. A larger limit inside a smaller
window can never be used: a $10 run under a $5 day stops at $5.

Bad::

    limits:
      run: 10
      day: 5

Fixed::

    limits:
      run: 5
      day: 10
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise

from agentsync.config.money import money
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta
from agentsync.lint.settings import LIMIT_WINDOWS

META = RuleMeta(
    "limits-order", "warning", "Limits should grow with their window: run <= day <= week <= month"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for smaller, larger in pairwise(LIMIT_WINDOWS):
        low, high = ctx.limit(smaller), ctx.limit(larger)
        if low is not None and high is not None and low > high:
            yield ctx.finding(
                ("limits", smaller),
                f"limits.{smaller} ({money(low)}) is above limits.{larger} ({money(high)}); "
                f"the {larger} cap stops the agent first",
                f"raise limits.{larger} or lower limits.{smaller}",
            )
