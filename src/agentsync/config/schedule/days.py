"""Which days of a given month a cron schedule selects: plain days of the month, weekdays,
Vixie cron's either-or, and EventBridge's L, LW, 15W, 5L and 3#2.

NamedTuples rather than dataclasses, here and in ``plans`` and ``fields``: agent-lint imports
this package at start-up, and a dataclass's generated methods cost it about half a millisecond
each."""

from __future__ import annotations

import calendar
from typing import NamedTuple, Protocol


class Days(Protocol):
    def select(self, year: int, month: int) -> set[int]: ...


class MonthDays(NamedTuple):
    days: frozenset[int]

    def select(self, year: int, month: int) -> set[int]:
        length = calendar.monthrange(year, month)[1]
        return {day for day in self.days if day <= length}


class Weekdays(NamedTuple):
    weekdays: frozenset[int]  # Monday is 0

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        return {day for day in range(1, length + 1) if (first + day - 1) % 7 in self.weekdays}


class Either(NamedTuple):
    """Vixie cron: a restricted day-of-month OR a restricted day-of-week."""

    one: Days
    other: Days

    def select(self, year: int, month: int) -> set[int]:
        return self.one.select(year, month) | self.other.select(year, month)


class LastDay(NamedTuple):
    def select(self, year: int, month: int) -> set[int]:
        return {calendar.monthrange(year, month)[1]}


class NearestWeekday(NamedTuple):
    """``15W``: the weekday nearest the 15th, within the month; ``LW`` (day None): the last."""

    day: int | None

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        day = length if self.day is None else self.day
        if day > length:
            return set()
        weekday = (first + day - 1) % 7
        if weekday == 5:
            day = day - 1 if day > 1 else day + 2
        elif weekday == 6:
            day = day + 1 if day < length else day - 2
        return {day}


class LastWeekday(NamedTuple):
    """``5L``: the last Thursday of the month."""

    weekday: int

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        return {length - ((first + length - 1) - self.weekday) % 7}


class NthWeekday(NamedTuple):
    """``3#2``: the second Tuesday of the month."""

    weekday: int
    nth: int

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        day = 1 + (self.weekday - first) % 7 + 7 * (self.nth - 1)
        return {day} if day <= length else set()
