"""``rate(value unit)``: a fixed period of minutes, hours or days, with EventBridge's rule
that 1 takes the singular unit and more take the plural."""

from __future__ import annotations

from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.lexical import BIG, DIGITS, to_int, tokenize
from agentsync.config.schedule.plans import RatePlan

_UNIT_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def parse_rate(text: str, start: int, end: int) -> RatePlan:
    """The inside of ``rate(...)``, ``text[start:end]``."""
    tokens = tokenize(text, start, end)
    if len(tokens) != 2:
        raise ScheduleError("rate() expects a value and a unit, e.g. rate(5 minutes)", offset=start)
    (value_text, value_at), (unit_text, unit_at) = tokens
    if not DIGITS.fullmatch(value_text):
        raise ScheduleError(
            f"rate value {value_text!r} is not a whole number",
            hint="e.g. rate(5 minutes)",
            offset=value_at,
        )
    value = to_int(value_text)
    if value == 0:
        raise ScheduleError("rate value 0 must be at least 1", offset=value_at)
    if value >= BIG:
        raise ScheduleError(
            f"rate value {value_text} is too large (at most {BIG - 1})", offset=value_at
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
    return RatePlan(value * _UNIT_MINUTES[singular])
