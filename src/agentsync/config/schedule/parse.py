"""Telling the schedule syntaxes apart and handing each to its parser; ``Schedule``, the
valid schedule this builds, and ``parse_schedule``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal

from agentsync.config.schedule.at import parse_at
from agentsync.config.schedule.cron import MACROS, parse_cron, parse_eventbridge, parse_macro
from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.fields import DAY_NAMES, MONTH_NAMES
from agentsync.config.schedule.lexical import SPACE, tokenize
from agentsync.config.schedule.plans import Plan
from agentsync.config.schedule.rate import parse_rate

_Kind = Literal["cron", "eventbridge-cron", "rate", "at"]

_WORD = re.compile(r"[A-Za-z]{2,}")
_CALL = re.compile(r"([A-Za-z]+)\(")
# Letter runs that cron fields can hold; any other run of 2+ letters marks prose.
_CRON_WORDS = frozenset((*MONTH_NAMES, *DAY_NAMES, "LW"))
_FORMS = (
    "expected a 5-field cron expression like '0 9 * * 1-5', "
    "cron(minute hour day-of-month month day-of-week year), rate(value unit), "
    "at(yyyy-mm-ddThh:mm:ss) or a macro like @daily"
)
_CALL_PARSERS: dict[str, Callable[[str, int, int], Plan]] = {
    "cron": parse_eventbridge,
    "rate": parse_rate,
    "at": parse_at,
}


@dataclass(frozen=True)
class Schedule:
    """A valid schedule; ``parse_schedule`` builds one, and constructing one validates it."""

    kind: _Kind
    expression: str

    def __post_init__(self) -> None:
        actual = _compile(self.expression).kind
        if actual != self.kind:
            raise ScheduleError(f"{self.expression!r} is a {actual} schedule, not {self.kind}")

    def plan(self) -> Plan:
        """The compiled schedule: its minutes, hours, days and months, or its period or moment."""
        return _compile(self.expression)

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
    return Schedule(kind, text.strip(SPACE))


@lru_cache(maxsize=512)
def _compile(text: str) -> Plan:
    start = len(text) - len(text.lstrip(SPACE))
    end = len(text.rstrip(SPACE))
    if start >= end:
        raise ScheduleError("schedule is empty", hint="e.g. '0 9 * * 1-5' (09:00 UTC on weekdays)")
    call = _CALL.match(text, start, end)
    if call is not None:
        return _parse_call(text, call, end)
    tokens = tokenize(text, start, end)
    if tokens[0][0].startswith("@"):
        return parse_macro(tokens)
    words = sum(_is_prose(token) for token, _ in tokens)
    if words >= 2 or (words == 1 and len(tokens) != 5):
        raise _unrecognised(text[start:end], start)
    return parse_cron(tokens)


def _is_prose(token: str) -> bool:
    return any(word.upper() not in _CRON_WORDS for word in _WORD.findall(token))


def _unrecognised(core: str, offset: int) -> ScheduleError:
    macro = "@" + core.lower()
    hint = f"did you mean {macro}?" if macro in MACROS else None
    return ScheduleError(f"not a recognised schedule; {_FORMS}", hint=hint, offset=offset)


def _parse_call(text: str, call: re.Match[str], end: int) -> Plan:
    keyword = call[1].lower()
    parse = _CALL_PARSERS.get(keyword)
    if parse is None:
        raise _unrecognised(text[call.start() : end], call.start())
    close = text.find(")", call.end(), end)
    if close < 0:
        raise ScheduleError(f"{keyword}( is missing its closing ')'", offset=end)
    if close + 1 < end:
        extra = text[close + 1 : end].lstrip(SPACE)
        raise ScheduleError(f"unexpected text after {keyword}(...)", offset=end - len(extra))
    return parse(text, call.end(), close)
