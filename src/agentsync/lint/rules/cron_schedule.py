"""``cron-schedule``: a cron trigger's ``schedule`` must be a valid 5-field cron expression or
an EventBridge ``cron(...)``, ``rate(...)`` or ``at(...)`` expression, and must be able to fire.

All schedules are UTC; there is no timezone field. The message names the bad field
("minute 61 is out of range 0-59"). An unquoted value starting with ``*`` is a YAML alias, so
such schedules must be quoted (the ``syntax`` rule says so when it happens).

Bad::

    triggers:
      - type: cron
        schedule: "0 24 * * *"   # hour 24 is out of range 0-23

Fixed::

    triggers:
      - type: cron
        schedule: "0 0 * * *"
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.schedule import ScheduleError, parse_schedule
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta("cron-schedule", "error", "Cron schedules must be valid and able to fire")


def check(ctx: LintContext) -> Iterator[Finding]:
    for path, schedule in ctx.cron_schedules():
        try:
            parse_schedule(schedule)
        except ScheduleError as error:
            span = ctx.span(path)
            column = None
            if span is not None and error.offset is not None and span.style in (None, '"', "'"):
                quote = 0 if span.style is None else 1
                column = span.column + quote + error.offset
            yield ctx.finding(
                path,
                f"invalid schedule {schedule!r}: {error.message}",
                error.hint,
                column=column,
            )
