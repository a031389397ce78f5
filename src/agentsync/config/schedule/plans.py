"""Compiled schedules and their firing arithmetic: the most firings in one UTC day, and the
first firing after a moment, for cron (both syntaxes), ``rate()`` and ``at()``."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from datetime import MAXYEAR, UTC, datetime, timedelta
from typing import Literal, NamedTuple

from agentsync.config.schedule.days import Days

# Feb 29 can be 8 years apart (2096 -> 2104), the longest gap of any valid 5-field schedule.
_CRON_HORIZON_YEARS = 8
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MINUTE = datetime(MAXYEAR, 12, 31, 23, 59, tzinfo=UTC)
_LATEST_MICROSECONDS = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


class CronPlan(NamedTuple):
    kind: Literal["cron", "eventbridge-cron"]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    days: Days
    years: tuple[int, ...] | None  # None: any year (5-field cron)

    def max_fires_per_day(self) -> float:
        return float(len(self.minutes) * len(self.hours))

    def next_fire(self, after: datetime) -> datetime | None:
        if after >= _LAST_MINUTE:
            return None
        start = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        first_day = (start.year, start.month, start.day)
        years: Sequence[int]
        if self.years is None:
            years = range(start.year, min(start.year + _CRON_HORIZON_YEARS, MAXYEAR) + 1)
        else:
            years = self.years[bisect_left(self.years, start.year) :]
        for year in years:
            for month in self.months:
                if (year, month) < first_day[:2]:
                    continue
                for day in sorted(self.days.select(year, month)):
                    if (year, month, day) < first_day:
                        continue
                    if (year, month, day) == first_day:
                        time = self._first_time(start.hour, start.minute)
                        if time is None:
                            continue
                    else:
                        time = (self.hours[0], self.minutes[0])
                    return datetime(year, month, day, *time, tzinfo=UTC)
        return None

    def _first_time(self, hour: int, minute: int) -> tuple[int, int] | None:
        """The first (hour, minute) of the schedule at or after hour:minute on one day."""
        for candidate in self.hours[bisect_left(self.hours, hour) :]:
            index = bisect_left(self.minutes, minute) if candidate == hour else 0
            if index < len(self.minutes):
                return candidate, self.minutes[index]
        return None


class RatePlan(NamedTuple):
    minutes: int
    kind: Literal["rate"] = "rate"

    def max_fires_per_day(self) -> float:
        return 1440 / self.minutes

    def next_fire(self, after: datetime) -> datetime | None:
        """Firings are anchored at the Unix epoch: epoch + k * period."""
        period = self.minutes * 60_000_000
        fire = ((after - _EPOCH) // _MICROSECOND // period + 1) * period
        if fire > _LATEST_MICROSECONDS:
            return None
        return _EPOCH + timedelta(microseconds=fire)


class AtPlan(NamedTuple):
    when: datetime
    kind: Literal["at"] = "at"

    def max_fires_per_day(self) -> float:
        return 1.0

    def next_fire(self, after: datetime) -> datetime | None:
        return self.when if self.when > after else None


Plan = CronPlan | RatePlan | AtPlan
