"""``budget-schedule`` (warning): a cron trigger that can fire more often in a day than
``limits.day / limits.run`` full-cost runs allows; the later runs of the day would be refused.
Counts every cron trigger of the agent together.

Bad::

    triggers:
      - type: cron
        schedule: "0 * * * *"     # up to 24 runs a day
    limits:
      run: 5
      day: 20                     # 4 full-cost runs

Fixed::

    triggers:
      - type: cron
        schedule: "0 */6 * * *"   # up to 4 runs a day
    limits:
      run: 5
      day: 20
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from agentsync.config.budget import fires_per_day
from agentsync.config.money import money
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "budget-schedule", "warning", "Cron schedules should fit within limits.day / limits.run"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    run, day = ctx.limit("run"), ctx.limit("day")
    if not run or day is None:
        return
    each = {
        path: per_day
        for path, schedule in ctx.cron_schedules()
        if (per_day := fires_per_day(schedule)) is not None
    }
    fires = sum(each.values())
    allowed = math.floor(day / run)
    if each and fires > allowed:
        yield ctx.finding(
            next(iter(each)),
            f"the cron schedule can fire up to {fires:g} times a day, but limits.day "
            f"{money(day)} / limits.run {money(run)} allows only {allowed} full-cost runs",
            f"run less often, or raise limits.day to at least {money(fires * run)}",
        )
