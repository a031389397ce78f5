"""The service's store on one SQLite file: the default, for a single ``agent serve`` process
(the web endpoint and its worker thread), and safe for a few processes on one machine.

WAL mode with ``synchronous=NORMAL``: a committed transaction survives ``kill -9`` of the
process (not a power cut). Each thread has its own connection; every write is one ``BEGIN
IMMEDIATE`` transaction, which holds SQLite's single write lock, so a claim is atomic across
threads and processes without any further locking. Times are this process's clock.

The SQL both backends share is in :mod:`~agentsync.service.store_base`.
:meth:`~SQLiteServiceStore.prune` deletes in batches, one write transaction each, so the
webhook's writes wait for one batch at most.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Literal

from agentsync.errors import StoreError
from agentsync.service import store_base as shared
from agentsync.service.migrations import SQLITE_MIGRATIONS
from agentsync.service.queue import Delivery, Job, NewJob, ServiceStatus
from agentsync.sqlite_files import connect, make_private, transaction

DIALECT = shared.Dialect(now="%(now)s", for_update="", skip_locked="", named=r":\1")

# The oldest claimable job whose repository has no job under an unexpired lease.
CANDIDATE = f"""
SELECT * FROM jobs
WHERE {shared.CLAIMABLE}
  AND repository NOT IN (
    SELECT repository FROM jobs WHERE state = 'running' AND lease_expires_at > %(now)s
  )
ORDER BY id LIMIT 1
"""


class SQLiteServiceStore(shared.SQLServiceStore[sqlite3.Connection]):
    """``ServiceStore`` on the SQLite file at ``path`` (created, with its directory, if
    missing; only its owner may open it: :mod:`agentsync.sqlite_files`)."""

    MIGRATIONS = SQLITE_MIGRATIONS

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        self._init_connections()
        self._writer = threading.Lock()
        try:
            make_private(path)
        except OSError as error:
            raise StoreError(f"{path}: cannot create the database: {error}") from error
        self._migrate_on_open(migrate)

    @property
    def where(self) -> str:
        return str(self.path)

    def migration_transaction(self, *, write: bool) -> AbstractContextManager[sqlite3.Connection]:
        """To write, SQLite's write lock: processes opening the file at once migrate it once."""
        return self._transaction("IMMEDIATE" if write else "DEFERRED")

    # connections -------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError(f"{self.path}: the store is closed")
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            return db
        try:
            db = connect(self.path)
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open the SQLite database: {error}") from error
        with self._guard:
            if self._closed:
                db.close()
                raise StoreError(f"{self.path}: the store is closed")
            shared.close_ended_threads(self._connections)
            self._connections[threading.current_thread()] = db
        self._local.db = db
        return db

    @contextmanager
    def _transaction(
        self, mode: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE"
    ) -> Iterator[sqlite3.Connection]:
        """One transaction (:func:`~agentsync.sqlite_files.transaction`) on this thread's
        connection; SQLite's errors become a ``StoreError`` naming the database."""
        db = self._connection()
        # Writers of this process queue on a lock, handed over at once, rather than on
        # SQLite's busy handler, which sleeps in steps of up to 100 ms (the webhook's p99).
        with self._writer if mode == "IMMEDIATE" else nullcontext():
            try:
                with transaction(db, mode):
                    yield db
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: {error}") from error

    def _run(self, template: str, params: dict[str, Any], *, read: bool = False) -> shared.Result:
        with self._transaction("DEFERRED" if read else "IMMEDIATE") as db:
            cursor = db.execute(DIALECT.sql(template), params)
            return shared.Result(cursor.fetchall(), cursor.rowcount)

    def _run_many(self, steps: Sequence[shared.Step]) -> None:
        with self._transaction() as db:
            for template, params in steps:
                db.executemany(DIALECT.sql(template), params)

    def _now(self, now: float | None) -> float:
        return time.time() if now is None else now

    def _time(self, now: float | None) -> float:
        return self._now(now)

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """SQLite cannot tell other processes: returns at once (in ``agent serve`` the webhook
        app wakes its own workers; other processes poll)."""

    def ping(self) -> None:
        with self._transaction("DEFERRED") as db:
            db.execute("SELECT 1 FROM schema_version").fetchall()

    # deliveries and jobs -------------------------------------------------------------------

    def accept_delivery(self, delivery: Delivery, job: NewJob | None) -> bool:
        with self._transaction() as db:
            now = time.time()
            inserted = db.execute(
                "INSERT INTO deliveries (delivery_id, event, action, repository, body, "
                "received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO NOTHING",
                (*delivery, now),
            ).rowcount
            if inserted and job is not None:
                params = self._job_params(job, delivery.delivery_id, now)
                db.execute(DIALECT.sql(shared.INSERT_JOB), params)
        return bool(inserted)

    def claim(
        self, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> Job | None:
        with self._transaction() as db:
            at = self._now(now)  # read once the write lock is held: a late clock is safe
            chosen = db.execute(DIALECT.sql(CANDIDATE), {"now": at}).fetchone()
            if chosen is None:
                return None
            key = chosen["coalesce_key"]
            if key is not None:
                group = {"repository": chosen["repository"], "key": key, "now": at}
                if chosen["state"] == "queued":
                    chosen = db.execute(DIALECT.sql(shared.NEWEST_OF_GROUP), group).fetchone()
                db.execute(DIALECT.sql(shared.RETIRE_OLDER), group | {"id": chosen["id"]})
            take = {"id": chosen["id"], "worker": worker_id, "lease": lease_seconds, "now": at}
            rows = db.execute(DIALECT.sql(shared.TAKE), take).fetchall()
        return shared.row_job(rows[0])

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        with self._transaction() as db:
            at = self._now(now)  # read once the write lock is held
            params = {"id": job_id, "worker": worker_id, "lease": lease_seconds, "now": at}
            return db.execute(DIALECT.sql(shared.HEARTBEAT), params).rowcount == 1

    # repositories --------------------------------------------------------------------------

    def due_resyncs(self, interval: float, *, now: float | None = None) -> list[str]:
        with self._transaction() as db:
            at = self._now(now)
            due = db.execute(DIALECT.sql(shared.DUE_RESYNCS), {"since": at - interval}).fetchall()
            for row in due:
                installation = {"installation_id": row["installation_id"]}
                job = NewJob("resync", row["repository"], installation)
                db.execute(DIALECT.sql(shared.INSERT_JOB), self._job_params(job, None, at))
                db.execute(
                    "UPDATE repositories SET last_resync_at = ?, updated_at = ? "
                    "WHERE repository = ?",
                    (at, at, row["repository"]),
                )
        return [row["repository"] for row in due]

    def cached_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._transaction() as db:
            for chunk in shared.chunks(sorted(shas)):
                rows = db.execute(
                    f"UPDATE blob_cache SET used_at = ? WHERE sha IN ({','.join('?' * len(chunk))})"
                    " RETURNING sha, content",
                    (time.time(), *chunk),
                )
                found.update((sha, bytes(content)) for sha, content in rows)
        return found

    def status(self, *, dead_limit: int = 20, now: float | None = None) -> ServiceStatus:
        with self._transaction("DEFERRED") as db:
            return shared.read_status(db.execute, DIALECT, self._now(now), dead_limit)
