"""What a local control plane is set up with (``ServerSettings``), the clock its times come
from (UTC, injectable so that tests can move time, written as the API writes times), and
``Shared``: what every part of the control plane works over."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from agentsync.localserver.store import SQLiteStore
from agentsync.localserver.templates import BUILTIN_TEMPLATES

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class ServerSettings:
    customer_id: str = "cust_local"
    customer_login: str = "local"
    max_run_limit: float | None = 50.0
    templates: Mapping[str, dict[str, Any]] = field(default_factory=lambda: BUILTIN_TEMPLATES)
    workers: int = 8
    account_budget_usd: float | None = None  # per calendar month (UTC); None: no budget


def utcnow() -> datetime:
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """A time as the API writes it (always with microseconds, so that strings compare)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Shared:
    """What every part of the control plane works over: one store, the settings, the clock,
    and the lock under which config writes and run state changes happen one at a time."""

    store: SQLiteStore
    settings: ServerSettings
    clock: Clock
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> str:
        """The clock's time, as the API writes it."""
        return stamp(self.clock())
