"""The two cron syntaxes: 5-field cron (with its @macros and Vixie cron's day rule) and
EventBridge's 6-field ``cron(...)`` (with ``?``, L, W and #), compiled to a CronPlan that is
sure to fire."""

from __future__ import annotations

import calendar
import re

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
from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.fields import (
    DOM,
    DOW,
    EB_DOW,
    HOUR,
    MINUTE,
    MONTH,
    YEAR,
    Field,
    parse_list,
    parse_value,
)
from agentsync.config.schedule.lexical import MONTH_TITLES, Tokens, items, to_int, tokenize
from agentsync.config.schedule.plans import CronPlan

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

_CRON_FIELDS = "minute hour day-of-month month day-of-week"
_DAY_NAME_RE = "SUN|MON|TUE|WED|THU|FRI|SAT"
# Items that only EventBridge (Quartz) syntax gives a meaning: ?, L, LW, 15W, 5L, 3#2.
_EVENTBRIDGE_ONLY = re.compile(
    rf"\?|LW?|L-[0-9]+|[0-9]+W|([0-9]+|{_DAY_NAME_RE})(L|#[0-9]*)", re.IGNORECASE
)
_EB_DOM_SPECIAL = re.compile(r"LW?|([0-9]+)W", re.IGNORECASE)
_EB_DOW_SPECIAL = re.compile(rf"([0-9]+|{_DAY_NAME_RE})(?:(L)|#([0-9]+))", re.IGNORECASE)
# The Gregorian calendar repeats every 28 years within 1901-2099: every year layout occurs.
_CALENDAR_CYCLE = range(2000, 2028)


def parse_macro(tokens: Tokens) -> CronPlan:
    """``@daily`` and the like, alone."""
    (name, offset), *rest = tokens
    if rest:
        raise ScheduleError(f"unexpected text after {name}", offset=rest[0][1])
    expansion = MACROS.get(name.lower())
    if expansion is None:
        raise ScheduleError(
            f"unknown macro {name}; use one of {', '.join(MACROS)}",
            hint="or write the 5 cron fields, e.g. '0 9 * * 1-5'",
            offset=offset,
        )
    return parse_cron(tokenize(expansion, 0, len(expansion)))


_EVENTBRIDGE_HINT = "'?', L, W and # need the 6-field form, e.g. cron(0 9 ? * 6L *)"
_NO_VALUE_HINT = (
    "5-field cron writes '*' for any day; or use the 6-field form, e.g. cron(0 9 ? * 2-6 *), "
    "where weekdays count from Sunday = 1, not 0"
)


def parse_cron(tokens: Tokens) -> CronPlan:
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
    fields = (MINUTE, HOUR, DOM, MONTH, DOW)
    for spec, (token, offset) in zip(fields, tokens, strict=True):
        for item, at in items(token, offset):
            if _EVENTBRIDGE_ONLY.fullmatch(item):
                raise ScheduleError(
                    f"{spec.name} {item!r} is EventBridge syntax, not 5-field cron",
                    hint=_NO_VALUE_HINT if item == "?" else _EVENTBRIDGE_HINT,
                    offset=at,
                )
    minutes, hours, doms, months, dows = (
        parse_list(spec, token, offset)
        for spec, (token, offset) in zip(fields, tokens, strict=True)
    )
    (dom_token, dom_offset), dow_token = tokens[2], tokens[4][0]
    month_days = MonthDays(doms)
    weekdays = Weekdays(frozenset((value + 6) % 7 for value in dows))
    days: Days
    if dom_token == "*":
        days = weekdays
    elif dow_token == "*":
        days = month_days
    else:
        days = Either(month_days, weekdays)
    plan = CronPlan("cron", _sorted(minutes), _sorted(hours), _sorted(months), days, None)
    # Only day-of-month against month can make a 5-field schedule impossible.
    _require_firing(plan, DOM, dom_token, dom_offset, None)
    return plan


def parse_eventbridge(text: str, start: int, end: int) -> CronPlan:
    """The inside of ``cron(...)``, ``text[start:end]``: six fields, '?' in one day field."""
    tokens = tokenize(text, start, end)
    if len(tokens) != 6:
        raise ScheduleError(
            f"cron() expects 6 fields ({_CRON_FIELDS} year), got {len(tokens)}",
            hint="e.g. cron(0 9 ? * MON-FRI *); the last field is the year",
            offset=tokens[6][1] if len(tokens) > 6 else None,
        )
    (dom, dom_at), (dow, dow_at), (year, year_at) = tokens[2], tokens[4], tokens[5]
    _check_question_marks(dom, dom_at, dow, dow_at)
    minutes = parse_list(MINUTE, *tokens[0])
    hours = parse_list(HOUR, *tokens[1])
    months = parse_list(MONTH, *tokens[3])
    years = parse_list(YEAR, year, year_at)
    if dom == "?":
        blame, token, offset, days = EB_DOW, dow, dow_at, _eventbridge_weekdays(dow, dow_at)
    else:
        blame, token, offset, days = DOM, dom, dom_at, _eventbridge_month_days(dom, dom_at)
    plan = CronPlan(
        "eventbridge-cron", _sorted(minutes), _sorted(hours), _sorted(months), days, _sorted(years)
    )
    _require_firing(plan, blame, token, offset, None if year == "*" else year)
    return plan


def _check_question_marks(dom: str, dom_at: int, dow: str, dow_at: int) -> None:
    """EventBridge wants '?' as the whole of exactly one of day-of-month and day-of-week."""
    for spec, token, at in ((DOM, dom, dom_at), (EB_DOW, dow, dow_at)):
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


def _reject_combined(spec: Field, token: str, offset: int, special: re.Pattern[str]) -> None:
    for item, at in items(token, offset):
        if special.fullmatch(item):
            raise ScheduleError(
                f"{spec.name} {item!r} cannot be combined with other values",
                hint=f"use {item} as the whole {spec.name} field",
                offset=at,
            )


def _eventbridge_month_days(token: str, offset: int) -> Days:
    special = _EB_DOM_SPECIAL.fullmatch(token)
    if special is None:
        _reject_combined(DOM, token, offset, _EB_DOM_SPECIAL)
        return MonthDays(parse_list(DOM, token, offset))
    if special[1] is not None:
        return NearestWeekday(parse_value(DOM, special[1], offset, token))
    return NearestWeekday(None) if token.upper() == "LW" else LastDay()


def _eventbridge_weekdays(token: str, offset: int) -> Days:
    special = _EB_DOW_SPECIAL.fullmatch(token)
    if special is None:
        _reject_combined(EB_DOW, token, offset, _EB_DOW_SPECIAL)
        return Weekdays(frozenset((v + 5) % 7 for v in parse_list(EB_DOW, token, offset)))
    weekday = (parse_value(EB_DOW, special[1], offset, token) + 5) % 7
    if special[2] is not None:
        return LastWeekday(weekday)
    nth = to_int(special[3])
    if not 1 <= nth <= 5:
        raise ScheduleError(
            f"day-of-week {token}: occurrence {special[3]} is out of range 1-5",
            hint="e.g. 3#2 is the second Tuesday of the month",
            offset=offset + special.start(3),
        )
    return NthWeekday(weekday, nth)


def _sorted(values: frozenset[int]) -> tuple[int, ...]:
    return tuple(sorted(values))


def _require_firing(
    plan: CronPlan, blame: Field, token: str, offset: int, years_text: str | None
) -> None:
    """Reject a schedule that selects no day at all, blaming the field that restricts days."""
    years = _CALENDAR_CYCLE if plan.years is None else plan.years
    if any(plan.days.select(year, month) for year in years for month in plan.months):
        return
    titles = [MONTH_TITLES[month] for month in plan.months]
    where = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " or " + titles[-1]
    if years_text is not None:
        where += f" of {years_text}"
    longest = max(calendar.monthrange(year, month)[1] for year in years for month in plan.months)
    subject = f"{titles[0]} has" if len(titles) == 1 else "these months have"
    raise ScheduleError(
        f"{blame.name} {token} never occurs in {where}",
        hint=f"{subject} at most {longest} days" if blame is DOM else None,
        offset=offset,
    )
