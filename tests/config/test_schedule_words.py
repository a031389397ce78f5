"""Tests for agentsync.config.schedule.words: schedules in words and their next firings."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentsync.config.schedule import parse_schedule
from agentsync.config.schedule.words import describe, fire_time, next_fires

NOW = datetime(2026, 12, 4, 7, 3, tzinfo=UTC)  # a Friday

WORDS = [
    ("* * * * *", "every minute"),
    ("*/30 * * * *", "every 30 minutes"),
    ("cron(0/15 * * * ? *)", "every 15 minutes"),
    ("15 * * * *", "every hour at minute 15"),
    ("0,30 * * * *", "every 30 minutes"),
    ("5,40 * * * *", "every hour at minutes 5 and 40"),
    ("0 */6 * * *", "every 6 hours"),
    ("30 */2 * * *", "every 2 hours at minute 30"),
    ("0 3 * * 1-5", "at 03:00 UTC on weekdays"),
    ("0 3 * * MON-FRI", "at 03:00 UTC on weekdays"),
    ("0 9 * * 0,6", "at 09:00 UTC on weekends"),
    ("0 9,17 * * 1", "at 09:00 and 17:00 UTC on Monday"),
    ("0 9 * * 1,3,5", "at 09:00 UTC on Monday, Wednesday and Friday"),
    ("0 9 * * 7", "at 09:00 UTC on Sunday"),
    ("0 9-17 * * 1-5", "every hour from 09:00 to 17:00 UTC on weekdays"),
    ("0 0 1 * *", "at 00:00 UTC on day 1 of the month"),
    ("0 0 1,15 * *", "at 00:00 UTC on days 1 and 15 of the month"),
    ("0 0 1 * 1", "at 00:00 UTC on day 1 of the month and on Monday"),
    ("0 0 1,15 3 *", "at 00:00 UTC on days 1 and 15 of the month in March"),
    ("0 8 * 1,7 *", "at 08:00 UTC every day in January and July"),
    ("@daily", "at 00:00 UTC every day"),
    ("@midnight", "at 00:00 UTC every day"),
    ("@hourly", "every hour"),
    ("@weekly", "at 00:00 UTC on Sunday"),
    ("@monthly", "at 00:00 UTC on day 1 of the month"),
    ("@yearly", "at 00:00 UTC on 1 January"),
    ("cron(0 12 25 DEC ? *)", "at 12:00 UTC on 25 December"),
    ("cron(0 9 ? * MON-FRI *)", "at 09:00 UTC on weekdays"),
    ("cron(0 9 * * ? *)", "at 09:00 UTC every day"),
    ("cron(0 9 * * ? 2027)", "at 09:00 UTC every day in 2027"),
    ("cron(0 9 ? * 6L *)", "at 09:00 UTC on the last Friday of the month"),
    ("cron(0 9 ? * 3#2 *)", "at 09:00 UTC on the second Tuesday of the month"),
    ("cron(0 9 L * ? *)", "at 09:00 UTC on the last day of the month"),
    ("cron(0 9 LW * ? *)", "at 09:00 UTC on the last weekday of the month"),
    ("cron(0 9 15W * ? *)", "at 09:00 UTC on the weekday nearest day 15 of the month"),
    ("rate(1 minute)", "every minute"),
    ("rate(5 minutes)", "every 5 minutes"),
    ("rate(90 minutes)", "every 90 minutes"),
    ("rate(1 hour)", "every hour"),
    ("rate(2 days)", "every 2 days"),
    ("at(2027-01-01T09:00:00)", "once, at 2027-01-01 09:00 UTC"),
    ("at(2027-01-01T09:00:30)", "once, at 2027-01-01 09:00:30 UTC"),
]

# Shapes without words of their own: the expression itself, never wrong words.
UNWORDED = ["0 9 */2 * *", "*/15 */2 * * *", "0 9 1-20 * *", "cron(0 9 * * ? 2027-2040)"]


@pytest.mark.parametrize(("expression", "words"), WORDS)
def test_schedule_in_words(expression: str, words: str) -> None:
    assert describe(parse_schedule(expression)) == words


@pytest.mark.parametrize("expression", UNWORDED)
def test_a_shape_without_words_reads_as_its_expression(expression: str) -> None:
    assert describe(parse_schedule(expression)) == f"on the schedule `{expression}`"


def test_next_three_firings_follow_the_schedule() -> None:
    fires = next_fires(parse_schedule("0 9,17 * * 1"), NOW)
    assert [fire_time(moment) for moment in fires] == [
        "2026-12-07 09:00 UTC",
        "2026-12-07 17:00 UTC",
        "2026-12-14 09:00 UTC",
    ]


def test_firings_are_strictly_after_now() -> None:
    schedule = parse_schedule("3 7 * * *")  # NOW itself is a firing
    assert next_fires(schedule, NOW, 2) == (
        datetime(2026, 12, 5, 7, 3, tzinfo=UTC),
        datetime(2026, 12, 6, 7, 3, tzinfo=UTC),
    )


def test_a_one_off_fires_once_and_a_past_one_never() -> None:
    assert next_fires(parse_schedule("at(2027-01-01T09:00:00)"), NOW) == (
        datetime(2027, 1, 1, 9, tzinfo=UTC),
    )
    assert next_fires(parse_schedule("at(2026-01-01T09:00:00)"), NOW) == ()


_WEEKDAY_WORDS = {
    "on weekdays": {0, 1, 2, 3, 4},
    "on weekends": {5, 6},
    **{f"on {name}": {day} for day, name in enumerate(("Monday", "Tuesday", "Wednesday"))},
}
_CLOCK = re.compile(r"\b(\d\d):(\d\d)\b")


def _field(values: range) -> st.SearchStrategy[str]:
    low, high = values.start, values.stop - 1
    single = st.integers(low, high).map(str)
    stepped = st.integers(1, high - low + 1).map(lambda step: f"*/{step}")
    listed = st.lists(st.integers(low, high), min_size=1, max_size=4, unique=True).map(
        lambda items: ",".join(map(str, sorted(items)))
    )
    ranged = st.tuples(st.integers(low, high), st.integers(low, high)).map(
        lambda pair: f"{min(pair)}-{max(pair)}"
    )
    return st.one_of(st.just("*"), single, stepped, listed, ranged)


@settings(max_examples=300, deadline=None)
@given(
    minute=_field(range(60)),
    hour=_field(range(24)),
    dow=st.one_of(st.just("*"), st.sampled_from(["1-5", "0,6", "6,0", "1", "2", "3"])),
)
def test_words_agree_with_the_firings(minute: str, hour: str, dow: str) -> None:
    """Whatever the words claim about times and weekdays, the next firings bear out."""
    expression = f"{minute} {hour} * * {dow}"
    schedule = parse_schedule(expression)
    words = describe(schedule)
    fires = next_fires(schedule, NOW, 12)
    if words.startswith("on the schedule"):
        assert words == f"on the schedule `{expression}`"
        return
    if words.startswith("at "):  # every firing is at one of the times named
        times = {(int(h), int(m)) for h, m in _CLOCK.findall(words.split(" UTC")[0])}
        assert {(f.hour, f.minute) for f in fires} <= times
        assert times == {(h, m) for h in schedule.plan().hours for m in schedule.plan().minutes}
    for phrase, weekdays in _WEEKDAY_WORDS.items():
        if words.endswith(phrase):
            assert {f.weekday() for f in fires} <= weekdays
    if words == "every minute" or (words.startswith("every ") and words.endswith(" minutes")):
        step = 1 if words == "every minute" else int(words.split()[1])
        assert all((b - a).total_seconds() == step * 60 for a, b in itertools.pairwise(fires))
