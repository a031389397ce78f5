"""``at(yyyy-mm-ddThh:mm:ss)``: one firing at a UTC moment, every part checked against its
range (a day against its month's length)."""

from __future__ import annotations

import calendar
import re
from datetime import MAXYEAR, UTC, datetime

from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.lexical import MONTH_TITLES, SPACE
from agentsync.config.schedule.plans import AtPlan

_AT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.IGNORECASE,
)
# (name, low, high) of each at() part; a day's high is its month's length.
_AT_PARTS = (
    ("year", 1, MAXYEAR),
    ("month", 1, 12),
    ("day", 1, 31),
    ("hour", 0, 23),
    ("minute", 0, 59),
    ("second", 0, 59),
)


def parse_at(text: str, start: int, end: int) -> AtPlan:
    """The inside of ``at(...)``, ``text[start:end]``."""
    inner = text[start:end].strip(SPACE)
    start += len(text[start:end]) - len(text[start:end].lstrip(SPACE))
    match = _AT.fullmatch(text, start, start + len(inner))
    if match is None:
        raise ScheduleError(
            f"at() expects yyyy-mm-ddThh:mm:ss, got {inner!r}",
            hint="e.g. at(2030-01-31T09:00:00), in UTC",
            offset=start,
        )
    if match[7] is not None:
        raise ScheduleError(
            f"at() takes no timezone ({match[7]!r}); the time is always UTC",
            hint=f"use at({match[0][: match.start(7) - start]})",
            offset=match.start(7),
        )
    values = [int(part) for part in match.groups()[:6]]
    for index, (name, low, high) in enumerate(_AT_PARTS):
        where = ""
        if name == "day":
            high = calendar.monthrange(values[0], values[1])[1]
            where = f" in {MONTH_TITLES[values[1]]} {values[0]}"
        if not low <= values[index] <= high:
            raise ScheduleError(
                f"at() {name} {values[index]} is out of range {low}-{high}{where}",
                offset=match.start(index + 1),
            )
    year, month, day, hour, minute, second = values
    return AtPlan(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
