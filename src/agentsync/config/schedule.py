"""Cron trigger schedules: parsing, validation with precise messages, and firing arithmetic.

Owns the schedule syntaxes an agent's cron trigger accepts (5-field cron and its @macros,
EventBridge ``cron(...)``, ``rate(...)`` and ``at(...)``), the ``ScheduleError`` messages for
bad ones, and, for valid ones, how often they can fire in a day and when they fire next.
Every schedule is UTC. Standard library only, so importing this module stays cheap.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import MAXYEAR, UTC, datetime, timedelta
from functools import lru_cache
from typing import Literal, Protocol

_Kind = Literal["cron", "eventbridge-cron", "rate", "at"]


class ScheduleError(ValueError):
    """An invalid schedule.

    ``message`` says what is wrong and names the bad field ("minute 61 is out of range 0-59");
    ``hint`` says how to fix it, or is None; ``offset`` is the 0-based character offset inside
    the schedule string where the bad part starts, or None.
    """

    def __init__(self, message: str, *, hint: str | None = None, offset: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.offset = offset

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"


@dataclass(frozen=True)
class Schedule:
    """A valid schedule; ``parse_schedule`` builds one, and constructing one validates it."""

    kind: _Kind
    expression: str

    def __post_init__(self) -> None:
        actual = _compile(self.expression).kind
        if actual != self.kind:
            raise ScheduleError(f"{self.expression!r} is a {actual} schedule, not {self.kind}")

    def max_fires_per_day(self) -> float:
        """Upper bound of the number of firings within any single UTC day."""
        return _compile(self.expression).max_fires_per_day()

    def next_fire(self, after: datetime) -> datetime | None:
        """The first firing strictly after ``after`` (timezone-aware), as an aware UTC datetime.

        None when the schedule never fires again: a past ``at()``, a ``cron()`` whose years are
        over, or nothing within the search horizon.
        """
        if after.utcoffset() is None:
            raise ValueError(f"after must be a timezone-aware datetime, got {after!r}")
        return _compile(self.expression).next_fire(after.astimezone(UTC))


def parse_schedule(text: str) -> Schedule:
    """Parse and validate ``text``; raise ScheduleError, with offsets into ``text``, if invalid.

    Leading and trailing whitespace is tolerated and dropped from ``Schedule.expression``.
    """
    kind = _compile(text).kind
    return Schedule(kind, text.strip(_SPACE))


# --- syntax tables -----------------------------------------------------------------------

_SPACE = " \t\n\r\f\v"
_TOKEN = re.compile(r"[^ \t\n\r\f\v]+")
_DIGITS = re.compile(r"[0-9]+")
_LETTERS = re.compile(r"[A-Za-z]+")
_WORD = re.compile(r"[A-Za-z]{2,}")
_CALL = re.compile(r"([A-Za-z]+)\(")
_AT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(Z|[+-][0-9]{2}:?[0-9]{2})?",
    re.IGNORECASE,
)
_DAY_NAME_RE = "SUN|MON|TUE|WED|THU|FRI|SAT"
# Items that only EventBridge (Quartz) syntax gives a meaning: ?, L, LW, 15W, 5L, 3#2.
_EVENTBRIDGE_ONLY = re.compile(
    rf"\?|LW?|L-[0-9]+|[0-9]+W|([0-9]+|{_DAY_NAME_RE})(L|#[0-9]*)", re.IGNORECASE
)
_EB_DOM_SPECIAL = re.compile(r"LW?|([0-9]+)W", re.IGNORECASE)
_EB_DOW_SPECIAL = re.compile(rf"([0-9]+|{_DAY_NAME_RE})(?:(L)|#([0-9]+))", re.IGNORECASE)

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
_MONTH_TITLES = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Letter runs that cron fields can hold; any other run of 2+ letters marks prose.
_CRON_WORDS = frozenset((*_MONTH_NAMES, *_DAY_NAMES, "LW"))

_FORMS = (
    "expected a 5-field cron expression like '0 9 * * 1-5', "
    "cron(minute hour day-of-month month day-of-week year), rate(value unit), "
    "at(yyyy-mm-ddThh:mm:ss) or a macro like @daily"
)
_CRON_FIELDS = "minute hour day-of-month month day-of-week"
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}
_BIG = 10**9  # numbers are read saturating here: cheap, and far beyond every field's range

# Feb 29 can be 8 years apart (2096 -> 2104), the longest gap of any valid 5-field schedule.
_CRON_HORIZON_YEARS = 8
# The Gregorian calendar repeats every 28 years within 1901-2099: every year layout occurs.
_CALENDAR_CYCLE = range(2000, 2028)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LAST_MINUTE = datetime(MAXYEAR, 12, 31, 23, 59, tzinfo=UTC)
_LATEST_MICROSECONDS = (datetime.max.replace(tzinfo=UTC) - _EPOCH) // _MICROSECOND


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    top: int  # end of '*' and of 'a/n' (6 for 5-field day-of-week, where 7 is Sunday again)
    names: Mapping[str, int] = field(default_factory=dict)
    names_desc: str = ""
    note: str = ""


_MINUTE = _Field("minute", 0, 59, 59)
_HOUR = _Field("hour", 0, 23, 23)
_DOM = _Field("day-of-month", 1, 31, 31)
_MONTH = _Field(
    "month", 1, 12, 12, {n: i for i, n in enumerate(_MONTH_NAMES, 1)}, "a month name (JAN-DEC)"
)
_DOW = _Field(
    "day-of-week",
    0,
    7,
    6,
    {n: i for i, n in enumerate(_DAY_NAMES)},
    "a day name (SUN-SAT)",
    " (0 and 7 are Sunday)",
)
_EB_DOW = _Field(
    "day-of-week",
    1,
    7,
    7,
    {n: i for i, n in enumerate(_DAY_NAMES, 1)},
    "a day name (SUN-SAT)",
    " (1 is Sunday)",
)
_YEAR = _Field("year", 1970, 2199, 2199)


# --- which days of a month a schedule selects ----------------------------------------------


class _Days(Protocol):
    def select(self, year: int, month: int) -> set[int]: ...


@dataclass(frozen=True)
class _MonthDays:
    days: frozenset[int]

    def select(self, year: int, month: int) -> set[int]:
        length = calendar.monthrange(year, month)[1]
        return {day for day in self.days if day <= length}


@dataclass(frozen=True)
class _Weekdays:
    weekdays: frozenset[int]  # Monday is 0

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        return {day for day in range(1, length + 1) if (first + day - 1) % 7 in self.weekdays}


@dataclass(frozen=True)
class _Either:
    """Vixie cron: a restricted day-of-month OR a restricted day-of-week."""

    one: _Days
    other: _Days

    def select(self, year: int, month: int) -> set[int]:
        return self.one.select(year, month) | self.other.select(year, month)


@dataclass(frozen=True)
class _LastDay:
    def select(self, year: int, month: int) -> set[int]:
        return {calendar.monthrange(year, month)[1]}


@dataclass(frozen=True)
class _NearestWeekday:
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


@dataclass(frozen=True)
class _LastWeekday:
    """``5L``: the last Thursday of the month."""

    weekday: int

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        return {length - ((first + length - 1) - self.weekday) % 7}


@dataclass(frozen=True)
class _NthWeekday:
    """``3#2``: the second Tuesday of the month."""

    weekday: int
    nth: int

    def select(self, year: int, month: int) -> set[int]:
        first, length = calendar.monthrange(year, month)
        day = 1 + (self.weekday - first) % 7 + 7 * (self.nth - 1)
        return {day} if day <= length else set()


# --- compiled schedules --------------------------------------------------------------------


@dataclass(frozen=True)
class _CronPlan:
    kind: Literal["cron", "eventbridge-cron"]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: tuple[int, ...]
    days: _Days
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


@dataclass(frozen=True)
class _RatePlan:
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


@dataclass(frozen=True)
class _AtPlan:
    when: datetime
    kind: Literal["at"] = "at"

    def max_fires_per_day(self) -> float:
        return 1.0

    def next_fire(self, after: datetime) -> datetime | None:
        return self.when if self.when > after else None


_Plan = _CronPlan | _RatePlan | _AtPlan


# --- parsing -------------------------------------------------------------------------------

_Tokens = list[tuple[str, int]]


def _tokens(text: str, start: int, end: int) -> _Tokens:
    return [(match.group(), match.start()) for match in _TOKEN.finditer(text, start, end)]


def _items(token: str, offset: int) -> Iterator[tuple[str, int]]:
    """The comma-separated items of a field with their offsets."""
    for item in token.split(","):
        yield item, offset
        offset += len(item) + 1


def _to_int(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) < 10 else _BIG


@lru_cache(maxsize=512)
def _compile(text: str) -> _Plan:
    start = len(text) - len(text.lstrip(_SPACE))
    end = len(text.rstrip(_SPACE))
    if start >= end:
        raise ScheduleError("schedule is empty", hint="e.g. '0 9 * * 1-5' (09:00 UTC on weekdays)")
    call = _CALL.match(text, start, end)
    if call is not None:
        return _parse_call(text, call, end)
    tokens = _tokens(text, start, end)
    if tokens[0][0].startswith("@"):
        return _parse_macro(tokens)
    words = sum(_is_prose(token) for token, _ in tokens)
    if words >= 2 or (words == 1 and len(tokens) != 5):
        raise _unrecognised(text[start:end], start)
    return _parse_cron(tokens)


def _is_prose(token: str) -> bool:
    return any(word.upper() not in _CRON_WORDS for word in _WORD.findall(token))


def _unrecognised(core: str, offset: int) -> ScheduleError:
    macro = "@" + core.lower()
    hint = f"did you mean {macro}?" if macro in _MACROS else None
    return ScheduleError(f"not a recognised schedule; {_FORMS}", hint=hint, offset=offset)


def _parse_call(text: str, call: re.Match[str], end: int) -> _Plan:
    keyword = call[1].lower()
    parsers: dict[str, Callable[[str, int, int], _Plan]] = {
        "cron": _parse_eventbridge,
        "rate": _parse_rate,
        "at": _parse_at,
    }
    parse = parsers.get(keyword)
    if parse is None:
        raise _unrecognised(text[call.start() : end], call.start())
    close = text.find(")", call.end(), end)
    if close < 0:
        raise ScheduleError(f"{keyword}( is missing its closing ')'", offset=end)
    if close + 1 < end:
        extra = text[close + 1 : end].lstrip(_SPACE)
        raise ScheduleError(f"unexpected text after {keyword}(...)", offset=end - len(extra))
    return parse(text, call.end(), close)


def _parse_macro(tokens: _Tokens) -> _CronPlan:
    (name, offset), *rest = tokens
    if rest:
        raise ScheduleError(f"unexpected text after {name}", offset=rest[0][1])
    expansion = _MACROS.get(name.lower())
    if expansion is None:
        raise ScheduleError(
            f"unknown macro {name}; use one of {', '.join(_MACROS)}",
            hint="or write the 5 cron fields, e.g. '0 9 * * 1-5'",
            offset=offset,
        )
    return _parse_cron(_tokens(expansion, 0, len(expansion)))


def _parse_cron(tokens: _Tokens) -> _CronPlan:
    """5-field cron, UTC, with Vixie cron's day rule: when day-of-month and day-of-week are
    both restricted (neither is exactly ``*``), a day matching either one fires.

    Unlike Vixie cron, and like croniter, ``*/2`` counts as restricted.
    """
    if len(tokens) != 5:
        six = "6 fields is EventBridge syntax; wrap it in cron(...), e.g. cron(0 9 ? * MON-FRI *)"
        raise ScheduleError(
            f"expected 5 fields ({_CRON_FIELDS}), got {len(tokens)}",
            hint=six if len(tokens) == 6 else "e.g. '0 9 * * 1-5' (09:00 UTC on weekdays)",
            offset=tokens[5][1] if len(tokens) > 5 else None,
        )
    fields = (_MINUTE, _HOUR, _DOM, _MONTH, _DOW)
    for spec, (token, offset) in zip(fields, tokens, strict=True):
        for item, at in _items(token, offset):
            if _EVENTBRIDGE_ONLY.fullmatch(item):
                raise ScheduleError(
                    f"{spec.name} {item!r} is EventBridge syntax, not 5-field cron",
                    hint="'?', L, W and # need the 6-field form, e.g. cron(0 9 ? * 6L *)",
                    offset=at,
                )
    minutes, hours, doms, months, dows = (
        _parse_list(spec, token, offset)
        for spec, (token, offset) in zip(fields, tokens, strict=True)
    )
    (dom_token, dom_offset), dow_token = tokens[2], tokens[4][0]
    month_days = _MonthDays(doms)
    weekdays = _Weekdays(frozenset((value + 6) % 7 for value in dows))
    days: _Days
    if dom_token == "*":
        days = weekdays
    elif dow_token == "*":
        days = month_days
    else:
        days = _Either(month_days, weekdays)
    plan = _CronPlan("cron", _sorted(minutes), _sorted(hours), _sorted(months), days, None)
    # Only day-of-month against month can make a 5-field schedule impossible.
    _require_firing(plan, _DOM, dom_token, dom_offset, None)
    return plan


def _parse_eventbridge(text: str, start: int, end: int) -> _CronPlan:
    tokens = _tokens(text, start, end)
    if len(tokens) != 6:
        raise ScheduleError(
            f"cron() expects 6 fields ({_CRON_FIELDS} year), got {len(tokens)}",
            hint="e.g. cron(0 9 ? * MON-FRI *); the last field is the year",
            offset=tokens[6][1] if len(tokens) > 6 else None,
        )
    (dom, dom_at), (dow, dow_at), (year, year_at) = tokens[2], tokens[4], tokens[5]
    for spec, token, at in ((_DOM, dom, dom_at), (_EB_DOW, dow, dow_at)):
        if "?" in token and token != "?":
            raise ScheduleError(
                f"{spec.name} '?' must be the whole field, not part of {token!r}",
                offset=at + token.index("?"),
            )
    if dom == "?" and dow == "?":
        raise ScheduleError(
            "day-of-month and day-of-week cannot both be '?'",
            hint="put '*' in one of them, e.g. cron(0 9 * * ? *) for every day",
            offset=dom_at,
        )
    if dom != "?" and dow != "?":
        raise ScheduleError(
            "cron() needs '?' in exactly one of day-of-month and day-of-week",
            hint="e.g. cron(0 9 ? * MON-FRI *) for weekdays, cron(0 9 1 * ? *) for the 1st",
            offset=dow_at if dow == "*" and dom != "*" else dom_at,  # the field to make '?'
        )
    minutes = _parse_list(_MINUTE, *tokens[0])
    hours = _parse_list(_HOUR, *tokens[1])
    months = _parse_list(_MONTH, *tokens[3])
    years = _parse_list(_YEAR, year, year_at)
    if dom == "?":
        blame, token, offset, days = _EB_DOW, dow, dow_at, _eventbridge_weekdays(dow, dow_at)
    else:
        blame, token, offset, days = _DOM, dom, dom_at, _eventbridge_month_days(dom, dom_at)
    plan = _CronPlan(
        "eventbridge-cron", _sorted(minutes), _sorted(hours), _sorted(months), days, _sorted(years)
    )
    _require_firing(plan, blame, token, offset, None if year == "*" else year)
    return plan


def _reject_combined(spec: _Field, token: str, offset: int, special: re.Pattern[str]) -> None:
    for item, at in _items(token, offset):
        if special.fullmatch(item):
            raise ScheduleError(
                f"{spec.name} {item!r} cannot be combined with other values",
                hint=f"use {item} as the whole {spec.name} field",
                offset=at,
            )


def _eventbridge_month_days(token: str, offset: int) -> _Days:
    special = _EB_DOM_SPECIAL.fullmatch(token)
    if special is None:
        _reject_combined(_DOM, token, offset, _EB_DOM_SPECIAL)
        return _MonthDays(_parse_list(_DOM, token, offset))
    if special[1] is not None:
        return _NearestWeekday(_parse_value(_DOM, special[1], offset, token))
    return _NearestWeekday(None) if token.upper() == "LW" else _LastDay()


def _eventbridge_weekdays(token: str, offset: int) -> _Days:
    special = _EB_DOW_SPECIAL.fullmatch(token)
    if special is None:
        _reject_combined(_EB_DOW, token, offset, _EB_DOW_SPECIAL)
        return _Weekdays(frozenset((v + 5) % 7 for v in _parse_list(_EB_DOW, token, offset)))
    weekday = (_parse_value(_EB_DOW, special[1], offset, token) + 5) % 7
    if special[2] is not None:
        return _LastWeekday(weekday)
    nth = _to_int(special[3])
    if not 1 <= nth <= 5:
        raise ScheduleError(
            f"day-of-week {token}: occurrence {special[3]} is out of range 1-5",
            hint="e.g. 3#2 is the second Tuesday of the month",
            offset=offset + special.start(3),
        )
    return _NthWeekday(weekday, nth)


def _parse_list(spec: _Field, token: str, offset: int) -> frozenset[int]:
    values: set[int] = set()
    for item, at in _items(token, offset):
        if not item:
            raise ScheduleError(
                f"{spec.name} {token!r} has an empty list item",
                hint="separate values with single commas, e.g. 1,15",
                offset=at,
            )
        values.update(_parse_item(spec, item, at))
    return frozenset(values)


def _parse_item(spec: _Field, item: str, offset: int) -> range:
    """``*``, ``a``, ``a-b``, each optionally with ``/step`` (``a/n`` means a to the end)."""
    base, slash, step_text = item.partition("/")
    step = _parse_step(spec, step_text, offset + len(base) + 1) if slash else 1
    if base == "*":
        return range(spec.low, spec.top + 1, step)
    if "-" not in base:
        first = _parse_value(spec, base, offset, item)
        return range(first, (max(first, spec.top) if slash else first) + 1, step)
    first_text, _, last_text = base.partition("-")
    first = _parse_value(spec, first_text, offset, item)
    last = _parse_value(spec, last_text, offset + len(first_text) + 1, item)
    if first > last:
        wrap = f"{first_text}-{max(first, spec.top)},{spec.low}-{last_text}"
        raise ScheduleError(
            f"{spec.name} range {base} is backwards",
            hint=f"ranges run from low to high; to wrap around use {wrap}",
            offset=offset,
        )
    return range(first, last + 1, step)


def _parse_step(spec: _Field, text: str, offset: int) -> int:
    if not _DIGITS.fullmatch(text):
        what = f"step {text!r} is not a number" if text else "step is missing after '/'"
        raise ScheduleError(f"{spec.name} {what}", hint="e.g. */5 for every 5th", offset=offset)
    step = _to_int(text)
    if step == 0:
        raise ScheduleError(
            f"{spec.name} step 0 must be at least 1",
            hint=f"use * for every {spec.name}, or */5 for every 5th",
            offset=offset,
        )
    return step


def _parse_value(spec: _Field, text: str, offset: int, item: str) -> int:
    if _DIGITS.fullmatch(text):
        value = _to_int(text)
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


def _sorted(values: frozenset[int]) -> tuple[int, ...]:
    return tuple(sorted(values))


def _require_firing(
    plan: _CronPlan, blame: _Field, token: str, offset: int, years_text: str | None
) -> None:
    """Reject a schedule that selects no day at all, blaming the field that restricts days."""
    years = _CALENDAR_CYCLE if plan.years is None else plan.years
    if any(plan.days.select(year, month) for year in years for month in plan.months):
        return
    titles = [_MONTH_TITLES[month] for month in plan.months]
    where = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]
    if years_text is not None:
        where += f" of {years_text}"
    longest = max(calendar.monthrange(year, month)[1] for year in years for month in plan.months)
    subject = f"{titles[0]} has" if len(titles) == 1 else "these months have"
    raise ScheduleError(
        f"{blame.name} {token} never occurs in {where}",
        hint=f"{subject} at most {longest} days" if blame is _DOM else None,
        offset=offset,
    )


def _parse_rate(text: str, start: int, end: int) -> _RatePlan:
    tokens = _tokens(text, start, end)
    if len(tokens) != 2:
        raise ScheduleError("rate() expects a value and a unit, e.g. rate(5 minutes)", offset=start)
    (value_text, value_at), (unit_text, unit_at) = tokens
    if not _DIGITS.fullmatch(value_text):
        raise ScheduleError(
            f"rate value {value_text!r} is not a whole number",
            hint="e.g. rate(5 minutes)",
            offset=value_at,
        )
    value = _to_int(value_text)
    if value == 0:
        raise ScheduleError("rate value 0 must be at least 1", offset=value_at)
    if value >= _BIG:
        raise ScheduleError(
            f"rate value {value_text} is too large (at most {_BIG - 1})", offset=value_at
        )
    unit = unit_text.lower()
    singular = unit.removesuffix("s")
    if singular not in _UNIT_MINUTES:
        raise ScheduleError(
            f"rate unit {unit_text!r} is not minute(s), hour(s) or day(s)",
            hint="e.g. rate(5 minutes)",
            offset=unit_at,
        )
    if value == 1 and unit != singular:
        raise ScheduleError(
            f"rate value 1 needs the singular unit '{singular}'",
            hint=f"use rate(1 {singular})",
            offset=unit_at,
        )
    if value > 1 and unit == singular:
        raise ScheduleError(
            f"rate value {value} needs the plural unit '{singular}s'",
            hint=f"use rate({value} {singular}s)",
            offset=unit_at,
        )
    return _RatePlan(value * _UNIT_MINUTES[singular])


# (name, low, high) of each at() part; a day's high is its month's length.
_AT_PARTS = (
    ("year", 1, MAXYEAR),
    ("month", 1, 12),
    ("day", 1, 31),
    ("hour", 0, 23),
    ("minute", 0, 59),
    ("second", 0, 59),
)


def _parse_at(text: str, start: int, end: int) -> _AtPlan:
    inner = text[start:end].strip(_SPACE)
    start += len(text[start:end]) - len(text[start:end].lstrip(_SPACE))
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
            where = f" in {_MONTH_TITLES[values[1]]} {values[0]}"
        if not low <= values[index] <= high:
            raise ScheduleError(
                f"at() {name} {values[index]} is out of range {low}-{high}{where}",
                offset=match.start(index + 1),
            )
    year, month, day, hour, minute, second = values
    return _AtPlan(datetime(year, month, day, hour, minute, second, tzinfo=UTC))
