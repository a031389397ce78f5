"""How a worker behaves (:class:`WorkerSettings`): its lease, its retries, its resyncs and how
long finished work is kept, with their defaults. ``agent serve`` and ``agent worker`` show these
defaults in their flags' help, so this module is light: ``agent --help`` never loads the
worker."""

from __future__ import annotations

from dataclasses import dataclass

from agentsync.service.outages import OUTAGE_BACKOFF_CAP

SECONDS_PER_DAY = 86400.0
DEFAULT_RETENTION_DAYS = 7.0


@dataclass(frozen=True)
class WorkerSettings:
    lease_seconds: float = 60.0
    poll_interval: float = 0.25  # seconds between claims when the queue is empty
    max_attempts: int = 8  # claims, then a dead letter: retries spread over up to ten minutes
    backoff_base: float = 5.0  # the first retry waits up to this; each next one, twice as long
    backoff_cap: float = 300.0
    resync_interval: float | None = 3600.0  # None: no periodic resync
    # seconds to keep done jobs and deliveries; None: forever
    retention: float | None = DEFAULT_RETENTION_DAYS * SECONDS_PER_DAY
    outage_backoff_cap: float = OUTAGE_BACKOFF_CAP  # the longest pause while the database fails
