"""A config's spending bounds, read from its parsed data: each usable ``limits`` window and how
often its cron triggers can fire in a UTC day. The lint rules on limits and the sync preview
read them here, so they agree on what a config may spend."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from agentsync.config.money import dollars
from agentsync.config.schedule import ScheduleError, parse_schedule

__all__ = ["cron_schedules", "fires_per_day", "limit"]


def limit(config: Mapping[str, Any] | None, window: str) -> float | None:
    """``limits.<window>`` in dollars; None unless it is a usable amount (the type and
    invalid-value rules report the rest: a string, a negative, NaN, infinity, 10^309)."""
    limits = (config or {}).get("limits")
    amount = dollars(limits.get(window)) if isinstance(limits, dict) else None
    return amount if amount is not None and amount >= 0 else None


def cron_schedules(config: Mapping[str, Any] | None) -> Iterator[tuple[int, str]]:
    """``(index, text)`` of each cron trigger (its place in ``triggers``) whose ``schedule``
    is a string."""
    triggers = (config or {}).get("triggers")
    for index, trigger in enumerate(triggers if isinstance(triggers, list) else ()):
        if isinstance(trigger, dict) and trigger.get("type") == "cron":
            schedule = trigger.get("schedule")
            if isinstance(schedule, str):
                yield index, schedule


def fires_per_day(expression: str) -> float | None:
    """How many times the cron ``expression`` can fire in a UTC day, at most; None if it does
    not parse (the cron-schedule rule reports it)."""
    try:
        return parse_schedule(expression).max_fires_per_day()
    except ScheduleError:
        return None
