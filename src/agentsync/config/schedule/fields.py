"""The cron fields (minute to year) with their ranges and names, and reading one field's
value list: ``*``, ``a``, ``a-b``, each with an optional ``/step``, comma-separated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import NamedTuple

from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.lexical import DIGITS, items, to_int

MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

_LETTERS = re.compile(r"[A-Za-z]+")


class Field(NamedTuple):
    name: str
    low: int
    high: int
    top: int  # end of '*' and of 'a/n' (6 for 5-field day-of-week, where 7 is Sunday again)
    names: Mapping[str, int] = {}  # never mutated
    names_desc: str = ""
    note: str = ""

    def every(self, step: int = 1) -> range:
        """The values ``*`` selects (``*/step``: every ``step``-th of them)."""
        return range(self.low, self.top + 1, step)


MINUTE = Field("minute", 0, 59, 59)
HOUR = Field("hour", 0, 23, 23)
DOM = Field("day-of-month", 1, 31, 31)
MONTH = Field(
    "month", 1, 12, 12, {n: i for i, n in enumerate(MONTH_NAMES, 1)}, "a month name (JAN-DEC)"
)
DOW = Field(
    "day-of-week",
    0,
    7,
    6,
    {n: i for i, n in enumerate(DAY_NAMES)},
    "a day name (SUN-SAT)",
    " (0 and 7 are Sunday)",
)
EB_DOW = Field(
    "day-of-week",
    1,
    7,
    7,
    {n: i for i, n in enumerate(DAY_NAMES, 1)},
    "a day name (SUN-SAT)",
    " (1 is Sunday)",
)
YEAR = Field("year", 1970, 2199, 2199)


def parse_list(spec: Field, token: str, offset: int) -> frozenset[int]:
    """Every value a comma-separated field selects; ``offset`` is where ``token`` starts."""
    values: set[int] = set()
    for item, at in items(token, offset):
        if not item:
            raise ScheduleError(
                f"{spec.name} {token!r} has an empty list item",
                hint="separate values with single commas, e.g. 1,15",
                offset=at,
            )
        values.update(_parse_item(spec, item, at))
    return frozenset(values)


def _parse_item(spec: Field, item: str, offset: int) -> range:
    """``*``, ``a``, ``a-b``, each optionally with ``/step`` (``a/n`` means a to the end)."""
    base, slash, step_text = item.partition("/")
    step = _parse_step(spec, step_text, offset + len(base) + 1) if slash else 1
    if base == "*":
        return spec.every(step)
    if "-" not in base:
        first = parse_value(spec, base, offset, item)
        return range(first, (max(first, spec.top) if slash else first) + 1, step)
    first_text, _, last_text = base.partition("-")
    first = parse_value(spec, first_text, offset, item)
    last = parse_value(spec, last_text, offset + len(first_text) + 1, item)
    if first > last:
        wrap = f"{first_text}-{max(first, spec.top)},{spec.low}-{last_text}"
        raise ScheduleError(
            f"{spec.name} range {base} is backwards",
            hint=f"ranges run from low to high; to wrap around use {wrap}",
            offset=offset,
        )
    return range(first, last + 1, step)


def _parse_step(spec: Field, text: str, offset: int) -> int:
    if not DIGITS.fullmatch(text):
        what = f"step {text!r} is not a number" if text else "step is missing after '/'"
        raise ScheduleError(f"{spec.name} {what}", hint="e.g. */5 for every 5th", offset=offset)
    step = to_int(text)
    if step == 0:
        raise ScheduleError(
            f"{spec.name} step 0 must be at least 1",
            hint=f"use * for every {spec.name}, or */5 for every 5th",
            offset=offset,
        )
    return step


def parse_value(spec: Field, text: str, offset: int, item: str) -> int:
    """One number or name of ``spec``, checked against its range; ``item`` is for messages."""
    if DIGITS.fullmatch(text):
        value = to_int(text)
        if not spec.low <= value <= spec.high:
            shown = text.lstrip("0") or "0"
            raise ScheduleError(
                f"{spec.name} {shown} is out of range {spec.low}-{spec.high}{spec.note}",
                offset=offset,
            )
        return value
    if spec.names and _LETTERS.fullmatch(text):
        if text.upper() not in spec.names:
            raise ScheduleError(f"{spec.name} {text!r} is not {spec.names_desc}", offset=offset)
        return spec.names[text.upper()]
    if not text:
        raise ScheduleError(f"{spec.name} {item!r} is missing a number", offset=offset)
    raise ScheduleError(f"{spec.name} {text!r} is not a number", offset=offset)
