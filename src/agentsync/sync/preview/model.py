"""The preview's values: a plan with, for each of its actions, what a reader of a merge wants
to know beyond the field diff: the cron schedules it adds or changes, in words and with their
next firings; its budget exposure; whether it is switched on or off; limits it gives up."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from agentsync.sync.model import Action, Plan


class ScheduleChange(NamedTuple):
    """A cron trigger's schedule that the merge adds (``before`` None) or changes."""

    expression: str
    words: str  # "at 03:00 UTC on weekdays"
    next_fires: tuple[datetime, ...]  # the next three, in UTC (fewer when it ends)
    before: str | None = None  # the schedule it replaces


class Exposure(NamedTuple):
    """The most a config can spend in a UTC day, by its own limits, before and after."""

    fires_per_day: int | None  # its cron triggers' most firings a day; None: no cron trigger
    run: float | None  # limits.run; None: unset (the account default)
    day: float | None  # limits.day; None: unset (the account default)
    on_events: bool  # it also runs on events or mentions, as often as they come
    enabled: bool
    daily: float | None  # the most a day; None: not bounded by its own limits
    before: float | None  # the same before the merge (0 for a new agent)
    rises: bool


class EnabledChange(NamedTuple):
    before: bool
    after: bool


class FilePreview(NamedTuple):
    """One action of the plan, and what the preview adds to it."""

    action: Action
    schedules: tuple[ScheduleChange, ...] = ()
    exposure: Exposure | None = None
    enabled: EnabledChange | None = None
    limits_removed: tuple[str, ...] = ()  # windows (run, day...) whose limit was removed
    stops: str | None = None  # why the agent would stop running: deleted, or disabled


class Preview(NamedTuple):
    plan: Plan
    ref: str | None
    now: datetime  # when the next firings are counted from
    files: tuple[FilePreview, ...]  # one for each action of the plan, in its order
    against_empty: bool = False  # planned with no control plane: every valid file a create

    @property
    def stopping(self) -> tuple[FilePreview, ...]:
        return tuple(file for file in self.files if file.stops is not None)
