"""The service's store on one SQLite file: the default, for a single ``agent serve`` process
(the web endpoint and its worker thread), and safe for a few processes on one machine.

WAL mode with ``synchronous=NORMAL``: a committed transaction survives ``kill -9`` of the
process (not a power cut). Each thread has its own connection; every write is one ``BEGIN
IMMEDIATE`` transaction, which holds SQLite's single write lock, so a claim is atomic across
threads and processes without any further locking.

:meth:`~SQLiteServiceStore.prune` deletes in batches, one write transaction each, so the
webhook's writes wait for one batch at most.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from agentsync.errors import StoreError
from agentsync.migrations import Migrated
from agentsync.service.migrations import SQLITE_MIGRATIONS
from agentsync.service.queue import (
    Delivery,
    Job,
    JobState,
    NewJob,
    RepositoryInfo,
    ServiceStatus,
)
from agentsync.service.stores import (
    MAX_CACHED_BLOB_BYTES,
    STATUS_ACTIVE_TEMPLATE,
    STATUS_FINISHED,
    STATUS_REPOSITORIES,
    chunks,
    clip_error,
    close_ended_threads,
    coalesce_key,
    dump_payload,
    service_status,
)
from agentsync.sqlite_files import make_private

BUSY_TIMEOUT = 30.0  # seconds a statement waits for another connection's write lock

# A job is claimable when due (queued) or abandoned (running, lease expired), and its
# repository has no job under an unexpired lease.
CLAIMABLE = """
    state IN ('queued', 'running')
    AND ((state = 'queued' AND run_after <= :now)
         OR (state = 'running' AND lease_expires_at <= :now))
"""
CANDIDATE = f"""
SELECT * FROM jobs
WHERE {CLAIMABLE}
  AND repository NOT IN (
    SELECT repository FROM jobs WHERE state = 'running' AND lease_expires_at > :now
  )
ORDER BY id LIMIT 1
"""
NEWEST_OF_GROUP = """
SELECT * FROM jobs
WHERE repository = :repository AND coalesce_key = :key AND state = 'queued'
  AND run_after <= :now
ORDER BY id DESC LIMIT 1
"""
RETIRE_OLDER = """
UPDATE jobs SET state = 'done', outcome = 'coalesced', coalesced_into = :id, updated_at = :now
WHERE repository = :repository AND coalesce_key = :key AND state = 'queued' AND id < :id
"""
TAKE = """
UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = :worker,
    lease_expires_at = :now + :lease, updated_at = :now
WHERE id = :id RETURNING *
"""
HOLDS_LEASE = "id = :id AND state = 'running' AND lease_owner = :worker AND lease_expires_at > :now"
INSERT_JOB = """
INSERT INTO jobs (kind, repository, payload, coalesce_key, state, delivery_id, run_after,
                  created_at, updated_at)
VALUES (:kind, :repository, :payload, :key, 'queued', :delivery_id, :now, :now, :now)
"""
# One batch of prune(): the oldest prunable rows from ``:since`` on (the newest time of the
# previous batch: rows before it that are kept are not read again), deleted.
PRUNE_JOBS = """
DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs WHERE state = 'done' AND updated_at >= :since AND updated_at < :cutoff
    ORDER BY updated_at LIMIT :batch
) RETURNING updated_at
"""
PRUNE_DELIVERIES = """
DELETE FROM deliveries WHERE delivery_id IN (
    SELECT delivery_id FROM deliveries AS d
    WHERE received_at >= :since AND received_at < :cutoff AND NOT EXISTS (
        SELECT 1 FROM jobs WHERE jobs.delivery_id = d.delivery_id
        AND state IN ('queued', 'running', 'dead')
    )
    ORDER BY received_at LIMIT :batch
) RETURNING received_at
"""

PRUNE_BLOBS = """
DELETE FROM blob_cache WHERE sha IN (
    SELECT sha FROM blob_cache WHERE used_at >= :since AND used_at < :cutoff
    ORDER BY used_at LIMIT :batch
) RETURNING used_at
"""
# The least recently used blobs past the cache's size bound.
TRIM_BLOBS = """
DELETE FROM blob_cache WHERE sha IN (
    SELECT sha FROM (
        SELECT sha, sum(size) OVER (ORDER BY used_at DESC, sha) AS kept FROM blob_cache
    ) WHERE kept > :max_bytes
)
"""

STATUS_ACTIVE = STATUS_ACTIVE_TEMPLATE.format(now=":now")


def _clock(now: float | None) -> float:
    return time.time() if now is None else now


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        repository=row["repository"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
        delivery_id=row["delivery_id"],
        last_error=row["last_error"],
        lease_owner=row["lease_owner"],
        # Floats, always: SQLite may hand back a whole number as an int.
        lease_expires_at=None
        if row["lease_expires_at"] is None
        else float(row["lease_expires_at"]),
        run_after=float(row["run_after"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
    )


def _job_params(job: NewJob, delivery_id: str | None, now: float) -> dict[str, Any]:
    return {
        "kind": job.kind,
        "repository": job.repository,
        "payload": dump_payload(job.payload),
        "key": coalesce_key(job),
        "delivery_id": delivery_id,
        "now": now,
    }


def _enable_wal(db: sqlite3.Connection, path: Path) -> None:
    """Switch the file to WAL (once: the mode is persistent). The switch needs an exclusive
    lock and does not wait for it, so processes opening a new file at once retry."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            (mode,) = db.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        if mode != "wal":
            raise StoreError(f"{path}: SQLite cannot use WAL mode here (journal mode {mode})")
        return


class SQLiteServiceStore(Migrated):
    """``ServiceStore`` on the SQLite file at ``path`` (created, with its directory, if
    missing; only its owner may open it: :mod:`agentsync.sqlite_files`)."""

    MIGRATIONS = SQLITE_MIGRATIONS

    def __init__(self, path: Path, *, migrate: bool = True) -> None:
        self.path = path
        self._local = threading.local()
        # One connection per live thread: a thread's is closed once the thread has ended.
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._guard = threading.Lock()
        self._writer = threading.Lock()
        self._closed = False
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
            db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot open the SQLite database: {error}") from error
        try:
            db.row_factory = sqlite3.Row
            _enable_wal(db, self.path)
            db.execute("PRAGMA synchronous=NORMAL")
        except BaseException as error:
            db.close()
            if isinstance(error, sqlite3.Error):
                raise StoreError(
                    f"{self.path}: cannot open the SQLite database: {error}"
                ) from error
            raise
        with self._guard:
            if self._closed:
                db.close()
                raise StoreError(f"{self.path}: the store is closed")
            close_ended_threads(self._connections)
            self._connections[threading.current_thread()] = db
        self._local.db = db
        return db

    @contextmanager
    def _transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        """One transaction: ``IMMEDIATE`` takes the write lock up front (no upgrade deadlock);
        ``DEFERRED`` is a consistent read."""
        db = self._connection()
        # Writers of this process queue on a lock, handed over at once, rather than on
        # SQLite's busy handler, which sleeps in steps of up to 100 ms (the webhook's p99).
        with self._writer if mode == "IMMEDIATE" else nullcontext():
            try:
                db.execute(f"BEGIN {mode}")
                try:
                    yield db
                    db.execute("COMMIT")
                except BaseException:
                    if db.in_transaction:
                        db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: {error}") from error

    def close(self) -> None:
        with self._guard:
            self._closed = True
            for db in self._connections.values():
                db.close()
            self._connections.clear()

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
                db.execute(INSERT_JOB, _job_params(job, delivery.delivery_id, now))
        return bool(inserted)

    def enqueue(self, job: NewJob, *, now: float | None = None) -> int:
        with self._transaction() as db:
            rows = db.execute(INSERT_JOB + " RETURNING id", _job_params(job, None, _clock(now)))
            (job_id,) = rows.fetchall()[0]
        return int(job_id)

    def claim(
        self, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> Job | None:
        with self._transaction() as db:
            at = _clock(now)  # read once the write lock is held: a late clock is safe
            chosen = db.execute(CANDIDATE, {"now": at}).fetchone()
            if chosen is None:
                return None
            key = chosen["coalesce_key"]
            if key is not None:
                group = {"repository": chosen["repository"], "key": key, "now": at}
                if chosen["state"] == "queued":
                    chosen = db.execute(NEWEST_OF_GROUP, group).fetchone()
                db.execute(RETIRE_OLDER, group | {"id": chosen["id"]})
            rows = db.execute(
                TAKE, {"id": chosen["id"], "worker": worker_id, "lease": lease_seconds, "now": at}
            ).fetchall()
        return _job(rows[0])

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        with self._transaction() as db:
            at = _clock(now)
            changed = db.execute(
                "UPDATE jobs SET lease_expires_at = :now + :lease, updated_at = :now "
                f"WHERE {HOLDS_LEASE}",
                {"id": job_id, "worker": worker_id, "lease": lease_seconds, "now": at},
            ).rowcount
        return changed == 1

    def complete(
        self, job_id: int, worker_id: str, outcome: str, *, now: float | None = None
    ) -> bool:
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE jobs SET state = 'done', outcome = :outcome, lease_owner = NULL, "
                f"lease_expires_at = NULL, updated_at = :now WHERE {HOLDS_LEASE}",
                {"id": job_id, "worker": worker_id, "outcome": outcome, "now": _clock(now)},
            ).rowcount
        return changed == 1

    def fail(
        self,
        job_id: int,
        worker_id: str,
        error: str,
        *,
        retry_in: float | None,
        now: float | None = None,
    ) -> JobState | None:
        state: JobState = "dead" if retry_in is None else "queued"
        with self._transaction() as db:
            at = _clock(now)
            changed = db.execute(
                "UPDATE jobs SET state = :state, last_error = :error, run_after = :run_after, "
                "lease_owner = NULL, lease_expires_at = NULL, updated_at = :now "
                f"WHERE {HOLDS_LEASE}",
                {
                    "id": job_id,
                    "worker": worker_id,
                    "state": state,
                    "error": clip_error(error),
                    "run_after": at + (retry_in or 0.0),
                    "now": at,
                },
            ).rowcount
        return state if changed == 1 else None

    def requeue_dead(self, job_id: int, *, now: float | None = None) -> bool:
        with self._transaction() as db:
            at = _clock(now)
            changed = db.execute(
                "UPDATE jobs SET state = 'queued', attempts = 0, run_after = ?, updated_at = ? "
                "WHERE id = ? AND state = 'dead'",
                (at, at, job_id),
            ).rowcount
        return changed == 1

    def get_job(self, job_id: int) -> Job | None:
        with self._transaction("DEFERRED") as db:
            row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return None if row is None else _job(row)

    # repositories --------------------------------------------------------------------------

    def remember_repository(
        self, repository: str, installation_id: int | None, *, now: float | None = None
    ) -> None:
        with self._transaction() as db:
            at = _clock(now)
            db.execute(
                "INSERT INTO repositories (repository, installation_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (repository) DO UPDATE SET "
                "installation_id = coalesce(excluded.installation_id, installation_id), "
                "updated_at = excluded.updated_at",
                (repository, installation_id, at, at),
            )

    def forget_repository(self, repository: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM repositories WHERE repository = ?", (repository,))
            db.execute("DELETE FROM sync_states WHERE repository = ?", (repository,))

    def record_sync(
        self, repository: str, commit: str | None, outcome: str, *, now: float | None = None
    ) -> None:
        with self._transaction() as db:
            at = _clock(now)
            db.execute(
                "INSERT INTO repositories (repository, last_sync_at, last_sync_commit, "
                "last_sync_outcome, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (repository) DO UPDATE SET last_sync_at = excluded.last_sync_at, "
                "last_sync_commit = excluded.last_sync_commit, "
                "last_sync_outcome = excluded.last_sync_outcome, updated_at = excluded.updated_at",
                (repository, at, commit, outcome, at, at),
            )

    def due_resyncs(self, interval: float, *, now: float | None = None) -> list[str]:
        with self._transaction() as db:
            at = _clock(now)
            due = [
                (row[0], row[1])
                for row in db.execute(
                    "SELECT repository, installation_id FROM repositories AS r "
                    "WHERE (last_resync_at IS NULL OR last_resync_at <= ?) "
                    "AND coalesce(last_sync_outcome, '') <> 'blocked' AND NOT EXISTS ("
                    "  SELECT 1 FROM jobs WHERE jobs.repository = r.repository "
                    "  AND state = 'queued' AND coalesce_key = 'sync'"
                    ") ORDER BY repository",
                    (at - interval,),
                )
            ]
            for repository, installation_id in due:
                job = NewJob("resync", repository, {"installation_id": installation_id})
                db.execute(INSERT_JOB, _job_params(job, None, at))
                db.execute(
                    "UPDATE repositories SET last_resync_at = ?, updated_at = ? "
                    "WHERE repository = ?",
                    (at, at, repository),
                )
        return [repository for repository, _ in due]

    def load_sync_state(self, repository: str) -> dict[str, Any] | None:
        with self._transaction("DEFERRED") as db:
            row = db.execute(
                "SELECT data FROM sync_states WHERE repository = ?", (repository,)
            ).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def save_sync_state(self, repository: str, data: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sync_states (repository, data, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (repository) DO UPDATE SET data = excluded.data, "
                "updated_at = excluded.updated_at",
                (repository, json.dumps(data, sort_keys=True), time.time()),
            )

    def cached_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._transaction() as db:
            for chunk in chunks(sorted(shas)):
                rows = db.execute(
                    f"UPDATE blob_cache SET used_at = ? WHERE sha IN ({','.join('?' * len(chunk))})"
                    " RETURNING sha, content",
                    (time.time(), *chunk),
                )
                found.update((sha, bytes(content)) for sha, content in rows)
        return found

    def cache_blobs(self, blobs: Mapping[str, bytes]) -> None:
        at = time.time()
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO blob_cache (sha, content, size, used_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (sha) DO UPDATE SET used_at = excluded.used_at",
                [(sha, content, len(content), at) for sha, content in blobs.items()],
            )

    def prune(self, older_than: float, *, now: float | None = None, batch: int = 5000) -> int:
        params = {"cutoff": _clock(now) - older_than, "batch": batch}
        deleted = sum(
            self._prune(statement, params)
            for statement in (PRUNE_JOBS, PRUNE_DELIVERIES, PRUNE_BLOBS)
        )
        with self._transaction() as db:
            return deleted + db.execute(TRIM_BLOBS, {"max_bytes": MAX_CACHED_BLOB_BYTES}).rowcount

    def _prune(self, statement: str, params: dict[str, float]) -> int:
        """Run one of the ``PRUNE_*`` batches until one deletes less than a batch."""
        deleted = 0
        since = float("-inf")
        while True:
            with self._transaction() as db:
                times = [row[0] for row in db.execute(statement, params | {"since": since})]
            deleted += len(times)
            if len(times) < params["batch"]:
                return deleted
            since = max(times)

    def status(self, *, dead_limit: int = 20, now: float | None = None) -> ServiceStatus:
        with self._transaction("DEFERRED") as db:
            at = _clock(now)
            active = db.execute(STATUS_ACTIVE, {"now": at}).fetchone()
            finished = db.execute(STATUS_FINISHED).fetchone()
            dead = db.execute(
                "SELECT * FROM jobs WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT ?",
                (dead_limit,),
            ).fetchall()
            repositories = db.execute(STATUS_REPOSITORIES).fetchall()
        return service_status(
            active,
            finished,
            [_job(row) for row in dead],
            [RepositoryInfo(*row) for row in repositories],
            at,
        )
