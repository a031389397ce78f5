"""``build_preview``: a plan, the desired configs and the control plane's configs made into a
``Preview``. Pure: the moment the next firings count from is given.

Budget exposure: a config's cron triggers can fire at most ``budget.fires_per_day`` times a UTC
day (summed over its cron triggers), each run costing up to ``limits.run``; ``limits.day`` caps
the day. An agent that also reacts to events or answers mentions runs as often as they come, so
only ``limits.day`` bounds its day. An unset limit is the account default (the platform's config
reference gives no figure for it), so it bounds nothing the preview can count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from agentsync.client.records import AgentConfigRecord
from agentsync.config import budget
from agentsync.config.schedule import ScheduleError, parse_schedule
from agentsync.config.schedule.words import describe, next_fires
from agentsync.lint.settings import LIMIT_WINDOWS
from agentsync.sync.engine import SyncRun
from agentsync.sync.model import Action
from agentsync.sync.preview.model import (
    EnabledChange,
    Exposure,
    FilePreview,
    Preview,
    ScheduleChange,
)

CHANGES = frozenset({"create", "update", "restore", "move"})
_RUNS_ON_THEIR_OWN = frozenset({"cron", "react"})  # mentions need someone to ask


def build_preview(run: SyncRun, now: datetime, *, against_empty: bool = False) -> Preview:
    """The preview of ``run``'s plan against the control plane's configs it was planned on
    (``run.actual``); next firings count from ``now``."""
    by_id = {record.id: record for record in run.actual}
    files = []
    for action in run.plan.actions:  # a create has no record: it had nothing before
        record = by_id.get(action.config_id) if action.config_id is not None else None
        desired = run.desired.get(action.path)
        after = desired.agent_config if desired is not None else None
        files.append(_file_preview(action, record, after, now))
    return Preview(run.plan, run.snapshot.ref, now, tuple(files), against_empty)


def _file_preview(
    action: Action,
    record: AgentConfigRecord | None,
    after: Mapping[str, Any] | None,
    now: datetime,
) -> FilePreview:
    stored = record.agent_config if record is not None else None
    if action.kind == "soft-delete":  # a disabled agent was not running: nothing stops
        return FilePreview(action, stops=None if stored and not _enabled(stored) else "deleted")
    if action.kind not in CHANGES or after is None:
        return FilePreview(action)
    # A restored config was not running; a new one had nothing before.
    before = stored if record is not None and action.kind != "restore" else None
    enabled = None
    if before is not None and _enabled(before) != _enabled(after):
        enabled = EnabledChange(_enabled(before), _enabled(after))
    return FilePreview(
        action,
        schedules=_schedule_changes(before, after, now),
        exposure=_exposure(before, after),
        enabled=enabled,
        limits_removed=_limits_removed(before, after),
        stops="disabled" if enabled is not None and not enabled.after else None,
    )


def _enabled(config: Mapping[str, Any]) -> bool:
    return config.get("enabled") is not False


def _triggers(config: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    triggers = (config or {}).get("triggers")
    return [t for t in triggers or () if isinstance(t, dict)]


def _cron_schedules(config: Mapping[str, Any] | None) -> list[str]:
    return [schedule for _, schedule in budget.cron_schedules(config)]


def _schedule_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any], now: datetime
) -> tuple[ScheduleChange, ...]:
    """Each cron schedule of ``after`` that ``before`` does not have; the one it replaces is
    ``before``'s schedule at the same place among the cron triggers, if ``after`` dropped it."""
    old, new = _cron_schedules(before), _cron_schedules(after)
    changes = []
    for index, expression in enumerate(new):
        if expression in old:
            continue
        replaced = old[index] if index < len(old) and old[index] not in new else None
        try:
            schedule = parse_schedule(expression)
        except ScheduleError:  # a valid config's schedules parse; a stored one may not
            continue
        changes.append(
            ScheduleChange(expression, describe(schedule), next_fires(schedule, now), replaced)
        )
    return tuple(changes)


def _fires_per_day(config: Mapping[str, Any]) -> int | None:
    schedules = _cron_schedules(config)
    if not schedules:
        return None
    each = (budget.fires_per_day(expression) for expression in schedules)
    return math.ceil(sum(fires for fires in each if fires is not None))


def _daily(config: Mapping[str, Any] | None) -> tuple[int | None, bool, float | None]:
    """Cron firings a day, whether it runs on events too, and its daily bound (None: none)."""
    if config is None:
        return None, False, 0.0
    fires = _fires_per_day(config)
    on_events = any(t.get("type") in ("react", "mention") for t in _triggers(config))
    if not _enabled(config) or (fires is None and not on_events):  # it never runs by itself
        return fires, on_events, 0.0
    bounds = [bound for bound in (budget.limit(config, "day"),) if bound is not None]
    run = budget.limit(config, "run")
    if not on_events and run is not None:
        bounds.append((fires or 0) * run)
    return fires, on_events, min(bounds) if bounds else None


def _exposure(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> Exposure:
    fires, on_events, daily = _daily(after)
    previous = _daily(before)[2]
    rises = previous is not None and (daily is None or daily > previous)
    return Exposure(
        fires,
        budget.limit(after, "run"),
        budget.limit(after, "day"),
        on_events,
        _enabled(after),
        daily,
        previous,
        rises,
    )


def _limits_removed(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> tuple[str, ...]:
    """The limits a cron or react agent had and no longer has: they fall back to the account
    defaults."""
    if not any(t.get("type") in _RUNS_ON_THEIR_OWN for t in _triggers(after)):
        return ()
    return tuple(
        window
        for window in LIMIT_WINDOWS
        if budget.limit(before, window) is not None and budget.limit(after, window) is None
    )
