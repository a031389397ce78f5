"""A valid schedule in words ("at 03:00 UTC on weekdays", "every 5 minutes", "once, at
2027-01-01 09:00 UTC") and its next firings, for previews people read.

Worded from the compiled plan, so a macro, 5-field cron and EventBridge ``cron()`` read alike.
A shape this module has no words for reads "on the schedule `EXPR`": never wrong words.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from agentsync.config.schedule.days import (
    Days,
    Either,
    LastDay,
    LastWeekday,
    MonthDays,
    NearestWeekday,
    NthWeekday,
    Weekdays,
)
from agentsync.config.schedule.fields import DOM, HOUR, MINUTE, MONTH, YEAR, Field
from agentsync.config.schedule.lexical import MONTH_TITLES
from agentsync.config.schedule.parse import Schedule
from agentsync.config.schedule.plans import AtPlan, CronPlan, RatePlan

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ORDINALS = ("", "first", "second", "third", "fourth", "fifth")
_MOST_TIMES = 8  # more firings a day than this are worded as a period, or not at all
_MOST_ITEMS = 6  # more month days or years than this are not listed


def fire_time(moment: datetime) -> str:
    """A firing time as previews print it: ``2026-12-04 09:00 UTC`` (seconds when not 0)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")
    return f"{text} UTC"


def next_fires(schedule: Schedule, after: datetime, count: int = 3) -> tuple[datetime, ...]:
    """The first ``count`` firings strictly after ``after`` (fewer when the schedule ends)."""
    fires: list[datetime] = []
    moment: datetime | None = after
    while moment is not None and len(fires) < count:
        moment = schedule.next_fire(moment)
        if moment is not None:
            fires.append(moment)
    return tuple(fires)


def describe(schedule: Schedule) -> str:
    """The schedule in words, e.g. "at 09:00 and 17:00 UTC on Monday"."""
    plan = schedule.plan()
    if isinstance(plan, RatePlan):
        words: str | None = _period(plan.minutes)
    elif isinstance(plan, AtPlan):
        words = f"once, at {fire_time(plan.when)}"
    else:
        words = _cron_words(plan)
    return words if words is not None else f"on the schedule `{schedule.expression}`"


def _period(minutes: int) -> str:
    for size, unit in ((1440, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0:
            count = minutes // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    raise AssertionError(minutes)  # every whole number of minutes is divisible by 1


def _cron_words(plan: CronPlan) -> str | None:
    times, days = _times(plan.minutes, plan.hours), _days(plan.days)
    months, years = _months(plan.months), _years(plan.years)
    if times is None or days is None or months is None or years is None:
        return None
    if isinstance(plan.days, MonthDays) and len(plan.days.days) == 1 and len(plan.months) == 1:
        days, months = f"on {next(iter(plan.days.days))} {MONTH_TITLES[plan.months[0]]}", ""
    elif not days and times.startswith("at "):
        days = "every day"
    return " ".join(part for part in (times, days, months, years) if part)


def _whole(values: Collection[int], spec: Field) -> bool:
    """Whether ``values`` (each once, all in range) are every value of the field: ``*``."""
    return len(values) == len(spec.every())


def _step(values: Sequence[int], spec: Field) -> int | None:
    """The step s of values ``*/s`` selects, s dividing the field evenly, if that is what
    they are."""
    if len(values) < 2 or values[0] != spec.low:
        return None
    step = values[1] - spec.low
    if len(spec.every()) % step or tuple(values) != tuple(spec.every(step)):
        return None
    return step


def _times(minutes: Sequence[int], hours: Sequence[int]) -> str | None:
    every_hour = _whole(hours, HOUR)
    if every_hour and _whole(minutes, MINUTE):
        return "every minute"
    minute_step = _step(minutes, MINUTE)
    if every_hour and minute_step is not None:
        return f"every {minute_step} minutes"
    if every_hour:
        return "every hour" if minutes == (0,) else f"every hour at {_minutes(minutes)}"
    hour_step = _step(hours, HOUR)
    if hour_step is not None and len(minutes) == 1:
        at = "" if minutes == (0,) else f" at minute {minutes[0]}"
        return f"every {hour_step} hours{at}"
    if len(minutes) == 1 and tuple(hours) == tuple(range(hours[0], hours[-1] + 1)):
        first, last = (f"{hour:02d}:{minutes[0]:02d}" for hour in (hours[0], hours[-1]))
        if len(hours) > 2:
            return f"every hour from {first} to {last} UTC"
    if len(minutes) * len(hours) <= _MOST_TIMES:
        clock = [f"{hour:02d}:{minute:02d}" for hour in hours for minute in minutes]
        return f"at {_listed(clock)} UTC"
    return None


def _minutes(minutes: Sequence[int]) -> str:
    if len(minutes) == 1:
        return f"minute {minutes[0]}"
    return f"minutes {_listed([str(m) for m in minutes])}"


def _days(days: Days) -> str | None:
    """ "" for every day; None for days without words."""
    if isinstance(days, Weekdays):
        return _weekdays(days.weekdays)
    if isinstance(days, MonthDays):
        return _month_days(days.days)
    if isinstance(days, Either):
        one, other = _days(days.one), _days(days.other)
        if not one or not other:  # one side every day, or without words
            return None if one is None or other is None else ""
        return f"{one} and {other}"
    if isinstance(days, LastDay):
        return "on the last day of the month"
    if isinstance(days, NearestWeekday):
        if days.day is None:
            return "on the last weekday of the month"
        return f"on the weekday nearest day {days.day} of the month"
    if isinstance(days, LastWeekday):
        return f"on the last {_WEEKDAYS[days.weekday]} of the month"
    if isinstance(days, NthWeekday):
        return f"on the {_ORDINALS[days.nth]} {_WEEKDAYS[days.weekday]} of the month"
    return None


def _weekdays(weekdays: frozenset[int]) -> str:
    if len(weekdays) == 7:
        return ""
    if weekdays == frozenset(range(5)):
        return "on weekdays"
    if weekdays == frozenset({5, 6}):
        return "on weekends"
    return f"on {_listed([_WEEKDAYS[day] for day in sorted(weekdays)])}"


def _month_days(days: frozenset[int]) -> str | None:
    if _whole(days, DOM):
        return ""
    if len(days) > _MOST_ITEMS:
        return None
    numbers = _listed([str(day) for day in sorted(days)])
    return f"on day{'s' if len(days) > 1 else ''} {numbers} of the month"


def _months(months: Sequence[int]) -> str | None:
    if _whole(months, MONTH):
        return ""
    return f"in {_listed([MONTH_TITLES[month] for month in months])}"


def _years(years: Sequence[int] | None) -> str | None:
    if years is None or _whole(years, YEAR):
        return ""
    if len(years) > _MOST_ITEMS:
        return None
    return f"in {_listed([str(year) for year in years])}"


def _listed(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
