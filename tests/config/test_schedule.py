"""Tests for agentsync.config.schedule: messages, semantics, and a cross-check with croniter."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentsync.config import schedule as schedule_module
from agentsync.config.schedule import Schedule, ScheduleError, parse_schedule

NOT_A_SCHEDULE = (
    "not a recognised schedule; expected a 5-field cron expression like '0 9 * * 1-5', "
    "cron(minute hour day-of-month month day-of-week year), rate(value unit), "
    "at(yyyy-mm-ddThh:mm:ss) or a macro like @daily"
)
FIVE_FIELDS = "expected 5 fields (minute hour day-of-month month day-of-week), got"


@pytest.fixture(scope="module")
def croniter() -> Any:
    """croniter is a test-only oracle; the module under test never imports it."""
    return pytest.importorskip("croniter").croniter


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def fires(schedule: Schedule, after: datetime, count: int) -> list[datetime | None]:
    result: list[datetime | None] = []
    current: datetime | None = after
    for _ in range(count):
        current = None if current is None else schedule.next_fire(current)
        result.append(current)
    return result


# --- valid schedules -------------------------------------------------------------------------

VALID = [
    ("rate(30 minutes)", "rate", 48.0),
    ("cron(0 9 ? * MON-FRI *)", "eventbridge-cron", 1.0),
    ("0 9 * * 1-5", "cron", 1.0),
    ("*/15 * * * *", "cron", 96.0),
    ("30 2 * * *", "cron", 1.0),
    ("0 */6 * * *", "cron", 4.0),
    ("15 14 1 * *", "cron", 1.0),
    ("0 0 * * 0", "cron", 1.0),
    ("0 8-18/2 * * 1-5", "cron", 6.0),
    ("45 23 * * 5", "cron", 1.0),
    ("0 12 1,15 * *", "cron", 1.0),
    ("5 4 * * sun", "cron", 1.0),
    ("* * * * *", "cron", 1440.0),
    ("0,30 9-17 * * *", "cron", 18.0),
    ("5/15 * * * *", "cron", 96.0),
    ("*/90 * * * *", "cron", 24.0),
    ("0 9 29 2 *", "cron", 1.0),
    ("0 9 * JAN-mar Mon,wed", "cron", 1.0),
    ("0 0 * * 7", "cron", 1.0),
    ("00 09 * * *", "cron", 1.0),
    ("  0 9 * * *\n", "cron", 1.0),
    ("0\t9 *  * *", "cron", 1.0),
    ("@yearly", "cron", 1.0),
    ("@annually", "cron", 1.0),
    ("@monthly", "cron", 1.0),
    ("@weekly", "cron", 1.0),
    ("@daily", "cron", 1.0),
    ("@midnight", "cron", 1.0),
    ("@hourly", "cron", 24.0),
    ("@Daily", "cron", 1.0),
    ("rate(1 minute)", "rate", 1440.0),
    ("rate(7 minutes)", "rate", 1440 / 7),
    ("rate(1 hour)", "rate", 24.0),
    ("rate(5 hours)", "rate", 4.8),
    ("rate(1 day)", "rate", 1.0),
    ("rate(2 days)", "rate", 0.5),
    ("rate( 10 Minutes )", "rate", 144.0),
    ("at(2030-01-31T09:00:00)", "at", 1.0),
    ("at(2024-02-29T23:59:59)", "at", 1.0),
    ("cron(0/15 * * * ? *)", "eventbridge-cron", 96.0),
    ("cron(0 9 1 * ? *)", "eventbridge-cron", 1.0),
    ("cron(0 9 * * ? *)", "eventbridge-cron", 1.0),
    ("cron(0 0 L * ? *)", "eventbridge-cron", 1.0),
    ("cron(0 0 LW * ? *)", "eventbridge-cron", 1.0),
    ("cron(0 0 15W * ? *)", "eventbridge-cron", 1.0),
    ("cron(0 0 ? * 3#2 *)", "eventbridge-cron", 1.0),
    ("cron(0 0 ? * 6L *)", "eventbridge-cron", 1.0),
    ("cron(0 0 ? * FRIL *)", "eventbridge-cron", 1.0),
    ("cron(0 8-18/2 ? * 2-6 2025-2030)", "eventbridge-cron", 6.0),
    ("cron(0 0 29 2 ? 2024,2025)", "eventbridge-cron", 1.0),
    ("cron(0 0 1 1 ? 2020)", "eventbridge-cron", 1.0),
    ("CRON(0 9 ? * mon-fri *)", "eventbridge-cron", 1.0),
]


@pytest.mark.parametrize(("text", "kind", "per_day"), VALID)
def test_valid_schedules(text: str, kind: str, per_day: float) -> None:
    schedule = parse_schedule(text)
    assert schedule.kind == kind
    assert schedule.expression == text.strip()
    assert schedule.max_fires_per_day() == pytest.approx(per_day)


# --- invalid schedules: exact messages and offsets -------------------------------------------

INVALID = [
    ("", "schedule is empty", None),
    (" \t\n", "schedule is empty", None),
    # 5-field cron
    ("61 * * * *", "minute 61 is out of range 0-59", 0),
    ("0 25 * * 1-5", "hour 25 is out of range 0-23", 2),
    ("0 9 * *", f"{FIVE_FIELDS} 4", None),
    ("0 9 * * 1-5 2025", f"{FIVE_FIELDS} 6", 12),
    ("0 9 * * 8", "day-of-week 8 is out of range 0-7 (0 and 7 are Sunday)", 8),
    ("every weekday at 9", NOT_A_SCHEDULE, 0),
    ("run at nine every day", NOT_A_SCHEDULE, 0),
    ("daily", NOT_A_SCHEDULE, 0),
    ("0 9 31 2 *", "day-of-month 31 never occurs in February", 4),
    ("0 9 30 2 *", "day-of-month 30 never occurs in February", 4),
    ("0 9 30,31 2 *", "day-of-month 30,31 never occurs in February", 4),
    (
        "0 9 31 4,6,9,11 *",
        "day-of-month 31 never occurs in April, June, September or November",
        4,
    ),
    ("0 9 31 APR *", "day-of-month 31 never occurs in April", 4),
    ("*/0 * * * *", "minute step 0 must be at least 1", 2),
    ("0 8-18/0 * * *", "hour step 0 must be at least 1", 7),
    ("*/x * * * *", "minute step 'x' is not a number", 2),
    ("5/ * * * *", "minute step is missing after '/'", 2),
    ("0 18-8 * * *", "hour range 18-8 is backwards", 2),
    ("0 0 * * FRI-MON", "day-of-week range FRI-MON is backwards", 8),
    ("0 0 * DEC-JAN *", "month range DEC-JAN is backwards", 6),
    ("0 9 * * SUX", "day-of-week 'SUX' is not a day name (SUN-SAT)", 8),
    ("0 9 * JANU *", "month 'JANU' is not a month name (JAN-DEC)", 6),
    ("0 9 MON * *", "day-of-month 'MON' is not a number", 4),
    ("0 9 0 * *", "day-of-month 0 is out of range 1-31", 4),
    ("0 9 * 13 *", "month 13 is out of range 1-12", 6),
    ("0 9 * 0 *", "month 0 is out of range 1-12", 6),
    ("0 9 * * 1-8", "day-of-week 8 is out of range 0-7 (0 and 7 are Sunday)", 10),
    ("0000061 * * * *", "minute 61 is out of range 0-59", 0),
    ("1,,2 * * * *", "minute '1,,2' has an empty list item", 2),
    ("1, * * * *", "minute '1,' has an empty list item", 2),
    ("-5 * * * *", "minute '-5' is missing a number", 0),
    ("1- * * * *", "minute '1-' is missing a number", 2),
    ("1-2-3 * * * *", "minute '2-3' is not a number", 2),
    ("1.5 * * * *", "minute '1.5' is not a number", 0),
    ("0 9 * * ?", "day-of-week '?' is EventBridge syntax, not 5-field cron", 8),
    ("0 0 L * *", "day-of-month 'L' is EventBridge syntax, not 5-field cron", 4),
    ("0 0 15W * *", "day-of-month '15W' is EventBridge syntax, not 5-field cron", 4),
    ("0 0 * * 5L", "day-of-week '5L' is EventBridge syntax, not 5-field cron", 8),
    ("0 0 * * 1,2#3", "day-of-week '2#3' is EventBridge syntax, not 5-field cron", 10),
    # macros and other forms
    (
        "@reboot",
        (
            "unknown macro @reboot; use one of @yearly, @annually, @monthly, @weekly, @daily, "
            "@midnight, @hourly"
        ),
        0,
    ),
    ("@daily 5", "unexpected text after @daily", 7),
    ("every(5 minutes)", NOT_A_SCHEDULE, 0),
    ("rate(5 minutes", "rate( is missing its closing ')'", 14),
    ("rate(5 minutes)  x", "unexpected text after rate(...)", 17),
    # EventBridge cron(...)
    (
        "cron(0 9 * * *)",
        "cron() expects 6 fields (minute hour day-of-month month day-of-week year), got 5",
        None,
    ),
    (
        "cron(0 9 ? * MON-FRI * 1)",
        "cron() expects 6 fields (minute hour day-of-month month day-of-week year), got 7",
        23,
    ),
    (
        "cron(0 9 1 * MON-FRI *)",
        "cron() needs '?' in exactly one of day-of-month and day-of-week",
        9,
    ),
    ("cron(0 9 * * MON *)", "cron() needs '?' in exactly one of day-of-month and day-of-week", 9),
    ("cron(0 9 1 * * *)", "cron() needs '?' in exactly one of day-of-month and day-of-week", 13),
    ("cron(0 9 ? * ? *)", "day-of-month and day-of-week cannot both be '?'", 9),
    ("cron(0 9 1,? * * *)", "day-of-month '?' must be the whole field, not part of '1,?'", 11),
    ("cron(0 9 ? * 8 *)", "day-of-week 8 is out of range 1-7 (1 is Sunday)", 13),
    ("cron(0 9 ? * 0 *)", "day-of-week 0 is out of range 1-7 (1 is Sunday)", 13),
    ("cron(0 9 ? * 9L *)", "day-of-week 9 is out of range 1-7 (1 is Sunday)", 13),
    ("cron(0 9 ? * 3#6 *)", "day-of-week 3#6: occurrence 6 is out of range 1-5", 15),
    ("cron(0 9 ? * 3#0 *)", "day-of-week 3#0: occurrence 0 is out of range 1-5", 15),
    ("cron(0 9 ? * 3#2,4 *)", "day-of-week '3#2' cannot be combined with other values", 13),
    ("cron(0 9 L,15 * ? *)", "day-of-month 'L' cannot be combined with other values", 9),
    ("cron(0 9 1,15W * ? *)", "day-of-month '15W' cannot be combined with other values", 11),
    ("cron(0 9 32W * ? *)", "day-of-month 32 is out of range 1-31", 9),
    ("cron(0 9 1 * ? 2200)", "year 2200 is out of range 1970-2199", 15),
    ("cron(0 9 1 * ? 1969)", "year 1969 is out of range 1970-2199", 15),
    ("cron(61 9 1 * ? *)", "minute 61 is out of range 0-59", 5),
    ("cron(0 0 31 2 ? *)", "day-of-month 31 never occurs in February", 9),
    ("cron(0 0 29 2 ? 2025)", "day-of-month 29 never occurs in February of 2025", 9),
    ("cron(0 0 31W 4 ? *)", "day-of-month 31W never occurs in April", 9),
    ("cron(0 0 ? 2 5#5 2025)", "day-of-week 5#5 never occurs in February of 2025", 13),
    # rate(...)
    ("rate(1 hours)", "rate value 1 needs the singular unit 'hour'", 7),
    ("rate(1 minutes)", "rate value 1 needs the singular unit 'minute'", 7),
    ("rate(5 minute)", "rate value 5 needs the plural unit 'minutes'", 7),
    ("rate(2 day)", "rate value 2 needs the plural unit 'days'", 7),
    ("rate(0 minutes)", "rate value 0 must be at least 1", 5),
    ("rate(-5 minutes)", "rate value '-5' is not a whole number", 5),
    ("rate(1.5 hours)", "rate value '1.5' is not a whole number", 5),
    ("rate(5 weeks)", "rate unit 'weeks' is not minute(s), hour(s) or day(s)", 7),
    ("rate(5 secondss)", "rate unit 'secondss' is not minute(s), hour(s) or day(s)", 7),
    ("rate(5)", "rate() expects a value and a unit, e.g. rate(5 minutes)", 5),
    ("rate(5 minutes now)", "rate() expects a value and a unit, e.g. rate(5 minutes)", 5),
    ("rate(1000000000 minutes)", "rate value 1000000000 is too large (at most 999999999)", 5),
    # at(...)
    ("at(2025-02-30T09:00:00)", "at() day 30 is out of range 1-28 in February 2025", 11),
    ("at(2024-02-30T09:00:00)", "at() day 30 is out of range 1-29 in February 2024", 11),
    ("at(2025-04-31T09:00:00)", "at() day 31 is out of range 1-30 in April 2025", 11),
    ("at(2025-13-01T09:00:00)", "at() month 13 is out of range 1-12", 8),
    ("at(2025-01-01T24:00:00)", "at() hour 24 is out of range 0-23", 14),
    ("at(2025-01-01T09:60:00)", "at() minute 60 is out of range 0-59", 17),
    ("at(2025-01-01T09:00:60)", "at() second 60 is out of range 0-59", 20),
    ("at(0000-01-01T00:00:00)", "at() year 0 is out of range 1-9999", 3),
    ("at(2025-01-01 09:00:00)", "at() expects yyyy-mm-ddThh:mm:ss, got '2025-01-01 09:00:00'", 3),
    ("at(2025-01-01T09:00)", "at() expects yyyy-mm-ddThh:mm:ss, got '2025-01-01T09:00'", 3),
    ("at()", "at() expects yyyy-mm-ddThh:mm:ss, got ''", 3),
    ("at(2025-01-01T09:00:00Z)", "at() takes no timezone ('Z'); the time is always UTC", 22),
    (
        "at(2025-01-01T09:00:00+02:00)",
        "at() takes no timezone ('+02:00'); the time is always UTC",
        22,
    ),
]


@pytest.mark.parametrize(("text", "message", "offset"), INVALID)
def test_invalid_schedules(text: str, message: str, offset: int | None) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert caught.value.message == message
    assert caught.value.offset == offset


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("0 9 31 2 *", "February has at most 29 days"),
        ("0 9 31 4,6,9,11 *", "these months have at most 30 days"),
        ("cron(0 0 29 2 ? 2025)", "February has at most 28 days"),
        ("0 18-8 * * *", "ranges run from low to high; to wrap around use 18-23,0-8"),
        ("0 0 * * FRI-MON", "ranges run from low to high; to wrap around use FRI-6,0-MON"),
        ("*/0 * * * *", "use * for every minute, or */5 for every 5th"),
        ("rate(1 hours)", "use rate(1 hour)"),
        ("rate(5 minute)", "use rate(5 minutes)"),
        ("at(2025-01-01T09:00:00Z)", "use at(2025-01-01T09:00:00)"),
        ("daily", "did you mean @daily?"),
        (
            "0 9 * * 1-5 2025",
            "6 fields is EventBridge syntax; wrap it in cron(...), e.g. cron(0 9 ? * MON-FRI *)",
        ),
        ("0 0 L * *", "'?', L, W and # need the 6-field form, e.g. cron(0 9 ? * 6L *)"),
        (
            "0 9 ? * 1-5",
            (
                "5-field cron writes '*' for any day; or use the 6-field form, e.g. "
                "cron(0 9 ? * 2-6 *), where weekdays count from Sunday = 1, not 0"
            ),
        ),
        (
            "cron(0 9 * * MON *)",
            "e.g. cron(0 9 ? * MON-FRI *) for weekdays, cron(0 9 1 * ? *) for the 1st",
        ),
        ("61 * * * *", None),
    ],
)
def test_hints(text: str, hint: str | None) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert caught.value.hint == hint


def test_error_is_a_value_error_whose_text_carries_the_hint() -> None:
    with pytest.raises(ValueError, match="use rate") as caught:
        parse_schedule("rate(1 hours)")
    assert str(caught.value) == "rate value 1 needs the singular unit 'hour' (use rate(1 hour))"
    with pytest.raises(ScheduleError) as caught:
        parse_schedule("61 * * * *")
    assert str(caught.value) == "minute 61 is out of range 0-59"


@pytest.mark.parametrize(
    ("text", "offset"),
    [("   61 * * * *", 3), ("\t0 9 * * 8", 9), (" rate(1 hours) ", 8), ("  every day", 2)],
)
def test_offsets_count_leading_whitespace(text: str, offset: int) -> None:
    with pytest.raises(ScheduleError) as caught:
        parse_schedule(text)
    assert caught.value.offset == offset


# --- Schedule --------------------------------------------------------------------------------


def test_schedule_validates_on_construction() -> None:
    assert parse_schedule(" 0 9 * * * ") == Schedule("cron", "0 9 * * *")
    with pytest.raises(ScheduleError, match="minute 61 is out of range 0-59"):
        Schedule("cron", "61 * * * *")
    with pytest.raises(ScheduleError) as caught:
        Schedule("rate", "0 9 * * *")
    assert caught.value.message == "'0 9 * * *' is a cron schedule, not rate"


def test_next_fire_needs_an_aware_datetime() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_schedule("0 9 * * *").next_fire(datetime(2025, 1, 1))


def test_next_fire_converts_other_timezones_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    result = parse_schedule("0 9 * * *").next_fire(datetime(2025, 1, 1, 9, 30, tzinfo=paris))
    assert result == utc(2025, 1, 1, 9, 0)
    assert result is not None
    assert result.tzinfo is UTC


@pytest.mark.parametrize("text", ["* * * * *", "rate(1 minute)", "cron(* * * * ? *)"])
def test_next_fire_at_the_end_of_time_is_none(text: str) -> None:
    assert parse_schedule(text).next_fire(datetime.max.replace(tzinfo=UTC)) is None


# --- next_fire semantics ---------------------------------------------------------------------

SEQUENCES = [
    # Vixie cron: day-of-month and day-of-week both restricted -> either one
    ("0 0 13 * 5", utc(2025, 1, 1), ["2025-01-03", "2025-01-10", "2025-01-13", "2025-01-17"]),
    # ... one of them '*' -> only the other one counts
    ("0 0 * * 5", utc(2025, 1, 1), ["2025-01-03", "2025-01-10", "2025-01-17", "2025-01-24"]),
    ("0 0 13 * *", utc(2025, 1, 1), ["2025-01-13", "2025-02-13", "2025-03-13", "2025-04-13"]),
    # a single-value range is that value (croniter reads 1-1 as "every day")
    ("0 0 * * 1-1", utc(2025, 1, 1), ["2025-01-06", "2025-01-13", "2025-01-20", "2025-01-27"]),
    # full-range day-of-month is still "restricted": OR with day-of-week -> every day
    ("0 0 1-31 * */2", utc(2025, 1, 1), ["2025-01-02", "2025-01-03", "2025-01-04", "2025-01-05"]),
    ("0 0 29 2 *", utc(2096, 3, 1), ["2104-02-29", "2108-02-29", "2112-02-29", "2116-02-29"]),
    (
        "cron(0 0 L * ? *)",
        utc(2024, 1, 15),
        ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"],
    ),
    (
        "cron(0 0 LW * ? *)",
        utc(2024, 3, 1),
        ["2024-03-29", "2024-04-30", "2024-05-31", "2024-06-28"],
    ),
    (
        "cron(0 0 15W * ? *)",
        utc(2024, 6, 1),
        ["2024-06-14", "2024-07-15", "2024-08-15", "2024-09-16"],
    ),
    (
        "cron(0 0 1W * ? *)",
        utc(2024, 5, 15),
        ["2024-06-03", "2024-07-01", "2024-08-01", "2024-09-02"],
    ),
    (
        "cron(0 0 31W * ? *)",
        utc(2024, 3, 1),
        ["2024-03-29", "2024-05-31", "2024-07-31", "2024-08-30"],
    ),
    (
        "cron(0 0 ? * 3#2 *)",
        utc(2024, 1, 1),
        ["2024-01-09", "2024-02-13", "2024-03-12", "2024-04-09"],
    ),
    (
        "cron(0 0 ? * 2#5 *)",
        utc(2024, 1, 1),
        ["2024-01-29", "2024-04-29", "2024-07-29", "2024-09-30"],
    ),
    (
        "cron(0 0 ? * 6L *)",
        utc(2024, 1, 1),
        ["2024-01-26", "2024-02-23", "2024-03-29", "2024-04-26"],
    ),
    ("cron(0 0 1 1 ? 2030,2040)", utc(2025, 6, 1), ["2030-01-01", "2040-01-01", None, None]),
    ("cron(0 0 1 1 ? 2020)", utc(2025, 6, 1), [None, None, None, None]),
    ("cron(0 0 29 2 ? *)", utc(2196, 3, 1), [None, None, None, None]),
    ("rate(2 days)", utc(1970, 1, 1), ["1970-01-03", "1970-01-05", "1970-01-07", "1970-01-09"]),
    ("at(2030-01-31T09:00:00)", utc(2025, 1, 1), ["2030-01-31", None, None, None]),
]


@pytest.mark.parametrize(("text", "after", "dates"), SEQUENCES)
def test_next_fire_sequences(text: str, after: datetime, dates: list[str | None]) -> None:
    got = fires(parse_schedule(text), after, len(dates))
    assert [None if fire is None else fire.date().isoformat() for fire in got] == dates


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        ("rate(30 minutes)", utc(2025, 1, 1, 10, 7, 12), utc(2025, 1, 1, 10, 30)),
        ("rate(30 minutes)", utc(2025, 1, 1, 10, 30), utc(2025, 1, 1, 11, 0)),
        ("rate(7 minutes)", utc(1970, 1, 1), utc(1970, 1, 1, 0, 7)),
        ("rate(1 day)", utc(1969, 12, 31, 23, 59), utc(1970, 1, 1)),
        # 2025-01-01 is 482136 hours after the epoch: 1 past a multiple of 5
        ("rate(5 hours)", utc(2025, 1, 1), utc(2025, 1, 1, 4)),
        ("rate(999999999 days)", utc(2025, 1, 1), None),
        ("at(2030-01-31T09:00:00)", utc(2030, 1, 31, 8, 59, 59), utc(2030, 1, 31, 9)),
        ("at(2030-01-31T09:00:00)", utc(2030, 1, 31, 9), None),
        ("at(2030-01-31T09:00:07)", utc(2030, 1, 31, 9), utc(2030, 1, 31, 9, 0, 7)),
        ("0 9 * * *", utc(2025, 1, 1, 8, 59, 59, 999999), utc(2025, 1, 1, 9)),
        ("0 9 * * *", utc(2025, 1, 1, 9), utc(2025, 1, 2, 9)),
        ("59 23 31 12 *", utc(2025, 12, 31, 23, 58, 30), utc(2025, 12, 31, 23, 59)),
        ("cron(0 9 ? * MON-FRI *)", utc(2025, 1, 3, 9), utc(2025, 1, 6, 9)),
    ],
)
def test_next_fire_exact(text: str, after: datetime, expected: datetime | None) -> None:
    assert parse_schedule(text).next_fire(after) == expected


@pytest.mark.parametrize(
    ("macro", "fields"),
    [
        ("@yearly", "0 0 1 1 *"),
        ("@annually", "0 0 1 1 *"),
        ("@monthly", "0 0 1 * *"),
        ("@weekly", "0 0 * * 0"),
        ("@daily", "0 0 * * *"),
        ("@midnight", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
    ],
)
def test_macros_fire_like_their_expansion(macro: str, fields: str) -> None:
    after = utc(2025, 3, 14, 15, 9, 26)
    assert fires(parse_schedule(macro), after, 5) == fires(parse_schedule(fields), after, 5)


def test_eventbridge_weekdays_match_standard_cron() -> None:
    eventbridge, standard = parse_schedule("cron(0 9 ? * MON-FRI *)"), parse_schedule("0 9 * * 1-5")
    after = utc(2025, 2, 27, 12)
    assert fires(eventbridge, after, 10) == fires(standard, after, 10)


# --- cross-check with croniter ---------------------------------------------------------------

# 5-field expressions on whose meaning this module and croniter agree.
CRONITER_AGREES = [
    "* * * * *",
    "*/15 * * * *",
    "0 9 * * 1-5",
    "30 2 * * *",
    "0 */6 * * *",
    "15 14 1 * *",
    "0 0 * * 0",
    "0 8-18/2 * * 1-5",
    "45 23 * * 5",
    "0 12 1,15 * *",
    "5 4 * * sun",
    "0 0 13 * 5",
    "0 0 */2 * 1",
    "0 0 1-7 * 1",
    "0 0 1,15 * 3",
    "0 0 * * 7",
    "0 0 * * 0,7",
    "0 0 * * 5-7",
    "0 0 * * 1-7/2",
    "0 0 29 2 *",
    "0 0 29 2 1",
    "0 0 31 * *",
    "0 0 30 1-6 *",
    "5/15 * * * *",
    "*/90 * * * *",
    "*/7 */5 * * *",
    "0 0 * jan/2 *",
    "0 0 * * mon/2",
    "0 22-23,0-1 * * *",
    "59 23 31 12 *",
    "0 0 1 1 *",
    "0 12 * JUN-AUG SAT,SUN",
    "0 9 * * MON-FRI",
    "0 0 */10 2 *",
    "0 0 */31 2 *",
    "@daily",
    "@hourly",
    "@weekly",
    "@monthly",
    "@yearly",
]
STARTS = [
    utc(2025, 1, 1),
    utc(2024, 2, 28, 23, 59, 30),
    utc(2024, 12, 31, 23, 59),
    datetime(2025, 6, 15, 12, 34, 56, 789000, tzinfo=UTC),
    utc(2023, 3, 31, 9),
    utc(2025, 1, 31, 23, 45),
    utc(2096, 3, 1),
]


@pytest.mark.parametrize("text", CRONITER_AGREES)
def test_next_fire_matches_croniter(text: str, croniter: Any) -> None:
    schedule = parse_schedule(text)
    for start in STARTS:
        oracle = croniter(text, start)
        expected = [oracle.get_next(datetime) for _ in range(25)]
        assert fires(schedule, start, 25) == expected, start


# Accepted by parse_schedule and by croniter.is_valid(strict=True).
BOTH_ACCEPT = [*CRONITER_AGREES, "0 0 * * 1-1", "0 9 * * Sun", "@DAILY", "0 0 1 1 * "]
# Rejected by both. strict=True makes croniter check day-of-month against month, like we do.
BOTH_REJECT = [
    "",
    "0 9 * *",
    "61 * * * *",
    "0 25 * * 1-5",
    "0 9 * * 8",
    "every weekday at 9",
    "0 9 31 2 *",
    "0 9 30 2 *",
    "0 9 31 4,6,9,11 *",
    "*/0 * * * *",
    "0-59/0 * * * *",
    "0 9 * * SUX",
    "0 0 0 * *",
    "0 0 * 0 *",
    "0 0 * 13 *",
    "-5 * * * *",
    "1,,2 * * * *",
    "1, * * * *",
    "1-/2 * * * *",
    "0 9 * * 1-5 2025",
    "0 0 FRI-MON * *",
    "0 0 * * 5L",
    "@reboot",
    "H * * * *",
]
# Deliberate disagreements: (expression, parse_schedule accepts it, why).
DISAGREE = [
    ("0 18-8 * * *", False, "croniter wraps backwards ranges; we reject them with a hint"),
    ("0 0 * DEC-JAN *", False, "croniter wraps backwards ranges; we reject them with a hint"),
    ("0 0 * * FRI-MON", False, "croniter wraps backwards ranges; we reject them with a hint"),
    ("0 9 * * ?", False, "'?' is EventBridge syntax; we keep it for cron(...)"),
    ("0 0 L * *", False, "L is EventBridge syntax; we keep it for cron(...)"),
    ("0 0 15W * *", False, "W is EventBridge syntax; we keep it for cron(...)"),
    ("0 0 * * 1#2", False, "# is EventBridge syntax; we keep it for cron(...)"),
    ("* * * * * *", False, "croniter reads a 6th field as seconds; we accept exactly 5 fields"),
    ("0 0 31 2 1", True, "OR semantics: it fires on Mondays in February; croniter strict rejects"),
]


@pytest.mark.parametrize("text", BOTH_ACCEPT)
def test_croniter_also_accepts(text: str, croniter: Any) -> None:
    parse_schedule(text)
    assert croniter.is_valid(text, strict=True)


@pytest.mark.parametrize("text", BOTH_REJECT)
def test_croniter_also_rejects(text: str, croniter: Any) -> None:
    with pytest.raises(ScheduleError):
        parse_schedule(text)
    assert not croniter.is_valid(text, strict=True)


@pytest.mark.parametrize(("text", "ours", "why"), DISAGREE)
def test_documented_disagreements_with_croniter(
    text: str, ours: bool, why: str, croniter: Any
) -> None:
    try:
        parse_schedule(text)
    except ScheduleError:
        accepted = False
    else:
        accepted = True
    assert accepted is ours, why
    assert croniter.is_valid(text, strict=True) is not ours, why


def test_croniter_cannot_fire_an_impossible_date_it_calls_valid(croniter: Any) -> None:
    """Why the validity cross-check uses strict=True: plain is_valid accepts 31 February."""
    assert croniter.is_valid("0 9 31 2 *")
    with pytest.raises(ScheduleError):
        parse_schedule("0 9 31 2 *")


# --- properties ------------------------------------------------------------------------------

CRONISH = st.lists(
    st.text(alphabet="0123456789*/,-?LW# ", max_size=6)
    | st.sampled_from(["*", "1-5", "*/15", "MON", "jan", "L", "5L", "3#2", "?", "15W"]),
    min_size=1,
    max_size=7,
).map(" ".join)
ANY_SCHEDULE_TEXT = (
    st.text()
    | CRONISH
    | CRONISH.map(lambda body: f"cron({body})")
    | st.text(alphabet="0123456789 minuteshoursdays").map(lambda body: f"rate({body})")
    | st.text(alphabet="0123456789-T:Z+").map(lambda body: f"at({body})")
)


@settings(max_examples=400, deadline=None)
@given(ANY_SCHEDULE_TEXT, st.datetimes(timezones=st.just(UTC)))
def test_parse_schedule_only_raises_schedule_error(text: str, after: datetime) -> None:
    try:
        schedule = parse_schedule(text)
    except ScheduleError as error:
        caught = error
    else:
        assert schedule.max_fires_per_day() > 0
        fire = schedule.next_fire(after)
        assert fire is None or fire > after
        return
    assert caught.message
    assert caught.offset is None or 0 <= caught.offset <= len(text)


def _field(low: int, high: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    """One field item: a value, an ascending range or a stepped start/range."""
    value = st.integers(low, high)
    word = value.map(str) if names is None else value.map(str) | value.map(lambda v: names[v - low])
    pair = st.tuples(value, value).filter(lambda ab: ab[0] < ab[1])
    step = st.integers(1, high - low + 2).map(str)
    item = st.one_of(
        word,
        pair.map(lambda ab: f"{ab[0]}-{ab[1]}"),
        st.tuples(pair, step).map(lambda p: f"{p[0][0]}-{p[0][1]}/{p[1]}"),
        st.tuples(value, step).map(lambda p: f"{p[0]}/{p[1]}"),
    )
    return st.lists(item, min_size=1, max_size=3).map(",".join)


def _stepped(low: int, high: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    return (
        st.just("*")
        | st.integers(1, high - low + 1).map(lambda n: f"*/{n}")
        | _field(low, high, names)
    )


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# Day fields are '*' or free of '*': croniter folds a full-range day field into '*' only when
# the other day field contains a '*', which would turn its OR into an AND.
CRON_EXPRESSIONS = st.tuples(
    _stepped(0, 59),
    _stepped(0, 23),
    st.just("*") | _field(1, 31),
    _stepped(1, 12, MONTHS),
    st.just("*") | _field(0, 6, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(
    CRON_EXPRESSIONS, st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1))
)
def test_generated_cron_matches_croniter(croniter: Any, text: str, start: datetime) -> None:
    start = start.replace(tzinfo=UTC)
    try:
        schedule = parse_schedule(text)
    except ScheduleError:
        assert not croniter.is_valid(text, strict=True)
        return
    assert croniter.is_valid(text, strict=True)
    oracle = croniter(text, start)
    assert fires(schedule, start, 3) == [oracle.get_next(datetime) for _ in range(3)]


def test_package_imports_only_the_standard_library() -> None:
    """Cheap to import: no croniter or any third-party module at import time.

    Every module of the package is read; the only other imports allowed are the package's own.
    """
    package = Path(schedule_module.__file__).parent
    imported: set[str] = set()
    for module in sorted(package.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        imported |= {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        }
        imported |= {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
    own = {name for name in imported if name.startswith(f"{schedule_module.__name__}.")}
    assert own, "the package's modules import each other"
    assert {name.partition(".")[0] for name in imported - own} <= sys.stdlib_module_names
