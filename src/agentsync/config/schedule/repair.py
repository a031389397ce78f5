"""A schedule written in one cron syntax where the other was needed, rewritten to say the same
in the syntax it needs (``repaired``), for agent-lint's safe fix of ``cron-schedule``.

Only rewrites that cannot change when the schedule fires, and only where the result parses:

- six fields with a ``?`` are EventBridge's: wrapped in ``cron(...)``;
- five fields with a whole ``?`` in one day field (EventBridge's "no value") read ``*`` there,
  or, with L, W or # in them, become ``cron(...)`` with every year; not with weekdays by
  number (``? * 1-5``), which the two syntaxes read as different days, unless L or # says
  which syntax is meant;
- ``cron(...)`` with no ``?`` gets one in the day field that is ``*`` (day-of-month when both
  are): ``cron(0 9 * * MON-FRI *)`` becomes ``cron(0 9 ? * MON-FRI *)``. With both day fields
  restricted, which one was meant cannot be told, and nothing is rewritten; nor with weekdays
  by number (``cron(0 9 * * 1-5 *)`` may be a 5-field schedule wrapped, meaning Monday to
  Friday, where EventBridge reads Sunday to Thursday).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.lexical import SPACE
from agentsync.config.schedule.parse import parse_schedule

_CRON_CALL = re.compile(r"cron\((?P<inside>[^)]*)\)\Z", re.IGNORECASE)
DOM, DOW = 2, 4  # the day fields' places, in both syntaxes
_NUMBERED = re.compile(r"[0-9]")
_EVENTBRIDGE_WEEKDAY = re.compile(r"[L#]", re.IGNORECASE)  # no weekday's name holds an L


def repaired(schedule: str) -> str | None:
    """``schedule`` in the syntax it needs, firing when it was written to; None when no such
    rewrite parses (or ``schedule`` needs none)."""
    for candidate in _candidates(schedule.strip(SPACE)):
        try:
            parse_schedule(candidate)
        except ScheduleError:
            continue
        return candidate
    return None


def _numbered(weekdays: str) -> bool:
    """Whether weekdays are written by number with nothing to say which syntax counts them:
    ``1-5`` is Monday to Friday in 5-field cron, Sunday to Thursday in EventBridge's, while
    ``6L`` or ``3#2`` can only be EventBridge's."""
    return bool(_NUMBERED.search(weekdays)) and not _EVENTBRIDGE_WEEKDAY.search(weekdays)


def _candidates(text: str) -> Iterator[str]:
    call = _CRON_CALL.match(text)
    if call is not None:
        fields = call["inside"].split()
        if len(fields) != 6 or "?" in (fields[DOM], fields[DOW]) or _numbered(fields[DOW]):
            return
        if fields[DOM] == "*":
            fields[DOM] = "?"
        elif fields[DOW] == "*":
            fields[DOW] = "?"
        else:
            return  # both restricted: which one was meant cannot be told
        yield f"cron({' '.join(fields)})"
        return
    fields = text.split()
    if len(fields) == 6 and "?" in (fields[DOM], fields[DOW]):
        yield f"cron({' '.join(fields)})"
    elif len(fields) == 5 and [fields[DOM], fields[DOW]].count("?") == 1:
        if _numbered(fields[DOW]):
            return
        if not _NUMBERED.search(fields[DOW]):  # with L or #, only EventBridge's reading holds
            no_value = DOM if fields[DOM] == "?" else DOW
            yield " ".join("*" if at == no_value else field for at, field in enumerate(fields))
        yield f"cron({' '.join(fields)} *)"
