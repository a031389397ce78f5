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

``--fix`` rewrites a schedule written in one cron syntax where the other was needed, when the
rewrite fires at the same times: six fields with a ``?`` are wrapped in ``cron(...)``;
``0 9 ? * MON-FRI`` (EventBridge's ``?`` in 5-field cron) becomes ``0 9 * * MON-FRI``;
``cron(0 9 * * MON-FRI *)`` gets the ``?`` EventBridge needs, ``cron(0 9 ? * MON-FRI *)``.
Weekdays by number (``0 9 ? * 1-5``, ``cron(0 9 * * 1-5 *)``) are left to you: 5-field cron
counts Sunday as 0, EventBridge as 1, and which was meant cannot be told.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.schedule import ScheduleError, parse_schedule
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "cron-schedule", "error", "Cron schedules must be valid and able to fire", fix="safe"
)


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
            fixed = _repaired(schedule)
            hint = error.hint if fixed is None else f"write '{fixed}': it fires at the same times"
            finding = ctx.finding(
                path, f"invalid schedule {schedule!r}: {error.message}", hint, column=column
            )
            yield ctx.with_value_fix(finding, path, fixed, string=True)


def _repaired(schedule: str) -> str | None:
    """The schedule in the syntax it needs (an invalid one only: the module is loaded then)."""
    from agentsync.config.schedule.repair import repaired

    return repaired(schedule)
