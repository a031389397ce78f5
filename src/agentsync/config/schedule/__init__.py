"""Cron trigger schedules: parsing, validation with precise messages, and firing arithmetic.

The schedule syntaxes an agent's cron trigger accepts are 5-field cron and its @macros,
EventBridge ``cron(...)``, ``rate(...)`` and ``at(...)``. This package's public face is
``parse_schedule``, the ``Schedule`` it returns (how often it can fire in a day, when it fires
next) and ``ScheduleError`` for bad ones. Every schedule is UTC. Standard library only, so
importing it stays cheap for agent-lint.

Rooms: ``errors`` (ScheduleError), ``lexical`` (tokens and numbers), ``fields`` (cron fields
and their values), ``days`` (which days of a month a schedule selects), ``plans`` (compiled
schedules and when they fire), ``cron``, ``rate`` and ``at`` (one syntax each), ``parse``
(telling the syntaxes apart; Schedule and parse_schedule).
"""

from __future__ import annotations

from agentsync.config.schedule.errors import ScheduleError
from agentsync.config.schedule.parse import Schedule, parse_schedule

__all__ = ["Schedule", "ScheduleError", "parse_schedule"]
