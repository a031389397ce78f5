"""Opening the service's database, and what its two backends share.

:func:`open_store` picks the backend from the address: ``postgresql://`` and ``postgres://``
URLs open :class:`~agentsync.service.store_postgres.PostgresServiceStore`, anything else is the
path of a SQLite file (:class:`~agentsync.service.store_sqlite.SQLiteServiceStore`). Every
problem opening or reaching the database is a :class:`StoreError` (or, for a database that
cannot be migrated, a :class:`~agentsync.migrations.MigrationError`) whose message never holds
the password of the URL. A database server that cannot be reached yet
(:class:`~agentsync.errors.DatabaseUnreachable`) may be waited for, with backoff; nothing else
is: a database that answers but cannot be used will not mend by waiting.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from agentsync.errors import DatabaseUnreachable, StoreError
from agentsync.http.backoff import backoff_delay
from agentsync.service.outages import OUTAGE_BACKOFF_CAP
from agentsync.service.queue import (
    JOB_STATES,
    SYNC_KINDS,
    Job,
    NewJob,
    RepositoryInfo,
    ServiceStatus,
    ServiceStore,
)

POSTGRES_SCHEMES = ("postgresql", "postgres")
FIRST_WAIT = 0.25  # seconds before the second try to reach a database, doubling from there
MAX_ERROR_CHARS = 4000  # a job's last_error is a message, not a log
# The blob cache: read and touched this many shas per statement; pruned of the blobs unused for
# the retention period, then of the least recently used past this many bytes.
BLOB_CHUNK = 500
MAX_CACHED_BLOB_BYTES = 256 * 2**20


# status(), in both backends: every count through a partial index (the active jobs' through
# jobs_active). ``{now}`` is the backend's placeholder for the clock.
ACTIVE_STATES = ("queued", "running")
STATUS_ACTIVE_TEMPLATE = """
SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'queued' AND run_after <= {now}) AS depth,
       min(created_at) FILTER (WHERE state = 'queued' AND run_after <= {now}) AS oldest
FROM jobs WHERE state IN ('queued', 'running')
"""
STATUS_FINISHED = """
SELECT (SELECT count(*) FROM jobs WHERE state = 'done') AS done,
       (SELECT count(*) FROM jobs WHERE state = 'dead') AS dead,
       (SELECT count(*) FROM deliveries) AS deliveries
"""
STATUS_REPOSITORIES = (
    "SELECT repository, installation_id, last_sync_at, last_sync_commit, "
    "last_sync_outcome, last_resync_at FROM repositories ORDER BY repository"
)


class Row(Protocol):
    """A result row by column name (``sqlite3.Row``, psycopg's ``dict_row``)."""

    def __getitem__(self, name: str) -> Any: ...


def service_status(
    active: Row, finished: Row, dead: list[Job], repositories: list[RepositoryInfo], at: float
) -> ServiceStatus:
    """The :class:`ServiceStatus` from the rows of :data:`STATUS_ACTIVE_TEMPLATE` and
    :data:`STATUS_FINISHED` read at ``at``."""
    oldest = active["oldest"]
    return ServiceStatus(
        jobs_by_state={
            state: (active if state in ACTIVE_STATES else finished)[state] for state in JOB_STATES
        },
        queue_depth=active["depth"],
        oldest_queued_age=None if oldest is None else max(0.0, at - oldest),
        dead=dead,
        repositories=repositories,
        deliveries=finished["deliveries"],
    )


log = logging.getLogger("agentsync.service.store")


def open_store(database: str | Path, *, migrate: bool = True, wait: float = 0.0) -> ServiceStore:
    """The store at ``database``: a PostgreSQL URL or a SQLite file path. Pending migrations
    are applied unless ``migrate`` is false (then only ``schema_status`` and ``migrate`` may
    be used). A database server that cannot be reached is tried again for up to ``wait``
    seconds (one log line when the waiting starts), then :class:`DatabaseUnreachable`."""
    deadline = time.monotonic() + wait
    failures, rng = 0, random.Random()
    while True:
        try:
            return _open(database, migrate)
        except DatabaseUnreachable as error:
            left = deadline - time.monotonic()
            if wait <= 0:
                raise
            if left <= 0:
                raise DatabaseUnreachable(
                    error.where, f"still unreachable after waiting {wait:g}s: {error.reason}"
                ) from error
            failures += 1
            if failures == 1:
                log.warning(
                    f"waiting up to {wait:g}s for the database {error.where}: {error.reason}"
                )
            time.sleep(
                min(
                    left,
                    backoff_delay(failures, FIRST_WAIT, OUTAGE_BACKOFF_CAP, rng, floor=FIRST_WAIT),
                )
            )


def _open(database: str | Path, migrate: bool) -> ServiceStore:
    text = str(database)
    if urlsplit(text).scheme in POSTGRES_SCHEMES:
        try:
            from agentsync.service.store_postgres import PostgresServiceStore
        except ImportError as error:
            raise StoreError(
                f"PostgreSQL support needs psycopg (pip install 'agentsync[server]'): {error}"
            ) from error
        return PostgresServiceStore(text, migrate=migrate)
    from agentsync.service.store_sqlite import SQLiteServiceStore

    return SQLiteServiceStore(Path(database), migrate=migrate)


def redact_url(url: str) -> str:
    """``url`` with its password (in the authority or a ``password=`` parameter) masked."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if parts.password is not None:
            userinfo, _, hostinfo = netloc.rpartition("@")
            user = userinfo.partition(":")[0]
            netloc = f"{user}:***@{hostinfo}"
        query = parts.query
        if "password" in query.lower():
            query = urlencode(
                [
                    (key, "***" if key.lower() == "password" else value)
                    for key, value in parse_qsl(query, keep_blank_values=True)
                ],
                safe="*",
            )
        return urlunsplit(parts._replace(netloc=netloc, query=query))
    except ValueError:
        return "<an invalid database URL>"


def coalesce_key(job: NewJob) -> str | None:
    """The group of queued jobs a claim of ``job`` retires the older of: every sync job of a
    repository, or the jobs of one pull request; None for a job that coalesces with nothing."""
    if job.kind in SYNC_KINDS:
        return "sync"
    number = job.payload.get("number")
    if job.kind == "pull_request" and number is not None:
        return f"pull_request:{number}"
    return None


def chunks(items: Sequence[str], size: int = BLOB_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dump_payload(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True)


def clip_error(error: str) -> str:
    return error if len(error) <= MAX_ERROR_CHARS else error[: MAX_ERROR_CHARS - 1] + "…"


class _Closeable(Protocol):
    def close(self) -> None: ...


Connection = TypeVar("Connection", bound=_Closeable)


def close_ended_threads(connections: dict[threading.Thread, Connection]) -> None:
    """Close (and forget) the connections of threads that have ended: stores keep one
    connection per thread, and heartbeat and scrape threads come and go."""
    for thread in [thread for thread in connections if not thread.is_alive()]:
        connections.pop(thread).close()
