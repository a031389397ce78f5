"""What the service's two store backends share: the SQL that is the same on SQLite and
PostgreSQL (written once, with ``%(name)s`` parameters and ``{now}``, ``{for_update}`` and
``{skip_locked}`` holes a :class:`Dialect` fills), the row mapping, and
:class:`SQLServiceStore`, the base class whose methods run that SQL. Each backend
(:mod:`~agentsync.service.store_sqlite`, :mod:`~agentsync.service.store_postgres`) keeps only
what differs: connections and transactions, locking, the claim, and the statements that need
the backend's types.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, partial
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

from agentsync.migrations import Migrated
from agentsync.service.queue import (
    JOB_STATES,
    SYNC_KINDS,
    Job,
    JobState,
    NewJob,
    QueuedWork,
    RepositoryInfo,
    ServiceStatus,
)
from agentsync.shorten import one_line, truncate

MAX_ERROR_CHARS = 4000  # a job's last_error is a message, not a log
# The blob cache: read and touched this many shas per statement; pruned of the blobs unused for
# the retention period, then of the least recently used past this many bytes.
BLOB_CHUNK = 500
MAX_CACHED_BLOB_BYTES = 256 * 2**20


# status(), in both backends: every count through a partial index (the active jobs' through
# jobs_active).
ACTIVE_STATES = ("queued", "running")
STATUS_ACTIVE = """
SELECT count(*) FILTER (WHERE state = 'queued') AS queued,
       count(*) FILTER (WHERE state = 'running') AS running,
       count(*) FILTER (WHERE state = 'queued' AND run_after <= {now}) AS depth,
       min(created_at) FILTER (WHERE state = 'queued' AND run_after <= {now}) AS oldest
FROM jobs WHERE state IN ('queued', 'running')
"""
STATUS_FINISHED = """
SELECT (SELECT count(*) FROM jobs WHERE state = 'done') AS done,
       (SELECT count(*) FROM jobs WHERE state = 'done' AND coalesced_into IS NOT NULL) AS folded,
       (SELECT count(*) FROM jobs WHERE state = 'dead') AS dead,
       (SELECT count(*) FROM deliveries) AS deliveries
"""
# Each repository with queued jobs: their count and age, and the error and due time of the
# latest one that failed (a retry waiting for its backoff), through the jobs_active index.
STATUS_QUEUED = """
SELECT repository, jobs, oldest_created_at, last_error, next_attempt_at FROM (
  SELECT repository,
         count(*) OVER (PARTITION BY repository) AS jobs,
         min(created_at) OVER (PARTITION BY repository) AS oldest_created_at,
         last_error,
         CASE WHEN last_error IS NULL THEN NULL ELSE run_after END AS next_attempt_at,
         row_number() OVER (
           PARTITION BY repository ORDER BY (last_error IS NULL), updated_at DESC, id DESC
         ) AS place
  FROM jobs WHERE state = 'queued'
) AS ranked WHERE place = 1 ORDER BY repository
"""
STATUS_REPOSITORIES = (
    "SELECT repository, installation_id, last_sync_at, last_sync_commit, "
    "last_sync_outcome, last_resync_at FROM repositories ORDER BY repository"
)


class Row(Protocol):
    """A result row by column name (``sqlite3.Row``, psycopg's ``dict_row``)."""

    def __getitem__(self, name: str) -> Any: ...


def read_status(
    execute: Callable[[str, dict[str, Any]], Any], dialect: Dialect, at: float, dead_limit: int
) -> ServiceStatus:
    """The :class:`ServiceStatus` at ``at``, read with ``execute`` (a connection's or a
    cursor's: it returns what it ran) in one consistent read transaction."""
    active = execute(dialect.sql(STATUS_ACTIVE), {"now": at}).fetchone()
    finished = execute(STATUS_FINISHED, {}).fetchone()
    dead = execute(dialect.sql(DEAD_JOBS), {"limit": dead_limit}).fetchall()
    repositories = execute(STATUS_REPOSITORIES, {}).fetchall()
    queued = execute(STATUS_QUEUED, {}).fetchall()
    oldest = active["oldest"]
    return ServiceStatus(
        jobs_by_state={
            state: (active if state in ACTIVE_STATES else finished)[state] for state in JOB_STATES
        },
        queue_depth=active["depth"],
        oldest_queued_age=None if oldest is None else max(0.0, at - oldest),
        dead=[row_job(row) for row in dead],
        repositories=[
            RepositoryInfo(*(row[name] for name in RepositoryInfo._fields)) for row in repositories
        ],
        deliveries=finished["deliveries"],
        folded=finished["folded"],
        queued=[QueuedWork(*(row[name] for name in QueuedWork._fields)) for row in queued],
    )


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


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, separators=(",", ":"), sort_keys=True)


class _Closeable(Protocol):
    def close(self) -> None: ...


Connection = TypeVar("Connection", bound=_Closeable)


def close_ended_threads(connections: dict[threading.Thread, Connection]) -> None:
    """Close (and forget) the connections of threads that have ended: stores keep one
    connection per thread, and heartbeat and scrape threads come and go."""
    for thread in [thread for thread in connections if not thread.is_alive()]:
        connections.pop(thread).close()


class Dialect(NamedTuple):
    """How one backend spells what differs in the shared SQL."""

    now: str  # the clock: the ``now`` parameter, or the server's clock when it is None
    for_update: str  # row locks in a claim's selects ("" where a write lock covers the file)
    skip_locked: str  # the same, skipping rows another transaction holds
    named: str = r"%(\1)s"  # a named parameter, as a substitution of its name (group 1)

    def sql(self, template: str) -> str:
        return _render(template, self)


@cache
def _render(template: str, dialect: Dialect) -> str:
    text = template.format(
        now=dialect.now, for_update=dialect.for_update, skip_locked=dialect.skip_locked
    )
    return re.sub(r"%\((\w+)\)s", dialect.named, text)


# A job is claimable when due (queued) or abandoned (running, lease expired).
CLAIMABLE = """
    state IN ('queued', 'running')
    AND ((state = 'queued' AND run_after <= %(now)s)
         OR (state = 'running' AND lease_expires_at <= %(now)s))
"""
NEWEST_OF_GROUP = """
SELECT id FROM jobs
WHERE repository = %(repository)s AND coalesce_key = %(key)s AND state = 'queued'
  AND run_after <= %(now)s
ORDER BY id DESC LIMIT 1{for_update}
"""
RETIRE_OLDER = """
UPDATE jobs SET state = 'done', outcome = 'coalesced', coalesced_into = %(id)s,
    updated_at = %(now)s
WHERE repository = %(repository)s AND coalesce_key = %(key)s AND state = 'queued'
  AND id < %(id)s
"""
TAKE = """
UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = %(worker)s,
    lease_expires_at = %(now)s + %(lease)s, updated_at = %(now)s
WHERE id = %(id)s RETURNING *
"""
HOLDS_LEASE = """
id = %(id)s AND state = 'running' AND lease_owner = %(worker)s AND lease_expires_at > {now}
"""
INSERT_JOB = """
INSERT INTO jobs (kind, repository, payload, coalesce_key, state, delivery_id, run_after,
                  created_at, updated_at)
VALUES (%(kind)s, %(repository)s, %(payload)s, %(key)s, 'queued', %(delivery_id)s, {now}, {now},
        {now})
"""
HEARTBEAT = f"""
UPDATE jobs SET lease_expires_at = {{now}} + %(lease)s, updated_at = {{now}}
WHERE {HOLDS_LEASE}
"""
COMPLETE = f"""
UPDATE jobs SET state = 'done', outcome = %(outcome)s, lease_owner = NULL,
    lease_expires_at = NULL, updated_at = {{now}}
WHERE {HOLDS_LEASE}
"""
FAIL = f"""
UPDATE jobs SET state = %(state)s, last_error = %(error)s, run_after = {{now}} + %(retry_in)s,
    lease_owner = NULL, lease_expires_at = NULL, updated_at = {{now}}
WHERE {HOLDS_LEASE}
"""
REQUEUE_DEAD = """
UPDATE jobs SET state = 'queued', attempts = 0, run_after = {now}, updated_at = {now}
WHERE id = %(id)s AND state = 'dead'
"""
# A discarded dead letter is done (pruned after the retention), its last error kept until then.
DISCARD_DEAD = """
UPDATE jobs SET state = 'done', outcome = 'discarded', updated_at = {now}
WHERE id = %(id)s AND state = 'dead'
"""
GET_JOB = "SELECT * FROM jobs WHERE id = %(id)s"
DEAD_JOBS = (
    "SELECT * FROM jobs WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT %(limit)s"
)
REMEMBER_REPOSITORY = """
INSERT INTO repositories (repository, installation_id, created_at, updated_at)
VALUES (%(repository)s, %(installation_id)s, {now}, {now})
ON CONFLICT (repository) DO UPDATE SET
    installation_id = coalesce(excluded.installation_id, repositories.installation_id),
    updated_at = excluded.updated_at
"""
RECORD_SYNC = """
INSERT INTO repositories (repository, last_sync_at, last_sync_commit, last_sync_outcome,
                          created_at, updated_at)
VALUES (%(repository)s, {now}, %(commit)s, %(outcome)s, {now}, {now})
ON CONFLICT (repository) DO UPDATE SET last_sync_at = excluded.last_sync_at,
    last_sync_commit = excluded.last_sync_commit,
    last_sync_outcome = excluded.last_sync_outcome, updated_at = excluded.updated_at
"""
# The repositories due a resync; rows another caller holds are skipped (that caller enqueues
# them), on PostgreSQL.
DUE_RESYNCS = """
SELECT repository, installation_id FROM repositories AS r
WHERE (last_resync_at IS NULL OR last_resync_at <= %(since)s)
  AND coalesce(last_sync_outcome, '') <> 'blocked' AND NOT EXISTS (
    SELECT 1 FROM jobs WHERE jobs.repository = r.repository
    AND state = 'queued' AND coalesce_key = 'sync'
  ) ORDER BY repository{skip_locked}
"""
FORGET_REPOSITORY = "DELETE FROM repositories WHERE repository = %(repository)s"
FORGET_SYNC_STATE = "DELETE FROM sync_states WHERE repository = %(repository)s"
LOAD_SYNC_STATE = "SELECT data FROM sync_states WHERE repository = %(repository)s"
SAVE_SYNC_STATE = """
INSERT INTO sync_states (repository, data, updated_at) VALUES (%(repository)s, %(data)s, {now})
ON CONFLICT (repository) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at
"""
CACHE_BLOB = """
INSERT INTO blob_cache (sha, content, size, used_at) VALUES (%(sha)s, %(content)s, %(size)s, {now})
ON CONFLICT (sha) DO UPDATE SET used_at = excluded.used_at
"""
# One batch of prune(): the oldest prunable rows from ``since`` on (the newest time of the
# previous batch: rows before it that are kept are not read again), deleted. Rows another
# pruner has locked are skipped, on PostgreSQL.
PRUNE_JOBS = """
DELETE FROM jobs WHERE id IN (
    SELECT id FROM jobs
    WHERE state = 'done' AND updated_at >= %(since)s AND updated_at < %(cutoff)s
    ORDER BY updated_at LIMIT %(batch)s{skip_locked}
) RETURNING updated_at AS at
"""
PRUNE_DELIVERIES = """
DELETE FROM deliveries WHERE delivery_id IN (
    SELECT delivery_id FROM deliveries AS d
    WHERE received_at >= %(since)s AND received_at < %(cutoff)s AND NOT EXISTS (
        SELECT 1 FROM jobs WHERE jobs.delivery_id = d.delivery_id
        AND state IN ('queued', 'running', 'dead')
    )
    ORDER BY received_at LIMIT %(batch)s{skip_locked}
) RETURNING received_at AS at
"""
PRUNE_BLOBS = """
DELETE FROM blob_cache WHERE sha IN (
    SELECT sha FROM blob_cache WHERE used_at >= %(since)s AND used_at < %(cutoff)s
    ORDER BY used_at LIMIT %(batch)s{skip_locked}
) RETURNING used_at AS at
"""
PRUNES = (PRUNE_JOBS, PRUNE_DELIVERIES, PRUNE_BLOBS)
# The least recently used blobs past the cache's size bound.
TRIM_BLOBS = """
DELETE FROM blob_cache WHERE sha IN (
    SELECT sha FROM (
        SELECT sha, sum(size) OVER (ORDER BY used_at DESC, sha) AS kept FROM blob_cache
    ) AS ranked WHERE kept > %(max_bytes)s
)
"""


def _job_payload(stored: Any) -> tuple[dict[str, Any], str | None]:
    """A job's payload from its column (JSON text on SQLite, decoded on PostgreSQL), or an
    empty one and why it cannot be read (a row edited by hand, a disk that lied)."""
    try:
        payload = json.loads(stored) if isinstance(stored, (str, bytes)) else stored
    except (ValueError, RecursionError) as error:
        return {}, f"its stored payload is not JSON ({one_line(error)[:200]})"
    if not isinstance(payload, dict):
        return {}, f"its stored payload is not a JSON object but {type(payload).__name__}"
    return payload, None


def row_job(row: Row) -> Job:
    """The :class:`Job` of a ``jobs`` row (its times floats, always: SQLite may hand back a
    whole number as an int); a payload that cannot be read is empty, and says why."""
    payload, payload_error = _job_payload(row["payload"])
    lease_expires_at = row["lease_expires_at"]
    return Job(
        id=row["id"],
        kind=row["kind"],
        repository=row["repository"],
        payload=payload,
        state=row["state"],
        attempts=row["attempts"],
        delivery_id=row["delivery_id"],
        last_error=row["last_error"],
        lease_owner=row["lease_owner"],
        lease_expires_at=None if lease_expires_at is None else float(lease_expires_at),
        run_after=float(row["run_after"]),
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        payload_error=payload_error,
    )


# A statement and the parameters to run it with, once each (``SQLServiceStore._run_many``).
Step = tuple[str, Sequence[dict[str, Any]]]


class Result(NamedTuple):
    """What one statement returned: its rows and how many rows it changed."""

    rows: Sequence[Row]
    rowcount: int


def prune_batches(run: Callable[[dict[str, Any]], Sequence[Row]], params: dict[str, Any]) -> int:
    """Run one of the ``PRUNE_*`` batches (``run``: each its own transaction) until one deletes
    less than a batch; how many rows were deleted."""
    deleted = 0
    since = float("-inf")
    while True:
        times: list[float] = [row["at"] for row in run(params | {"since": since})]
        deleted += len(times)
        if len(times) < params["batch"]:
            return deleted
        since = max(times)


class SQLServiceStore(Migrated, Generic[Connection]):
    """The ``ServiceStore`` methods whose SQL both backends share. A backend runs one
    statement in its dialect as its own transaction (:meth:`_run`) or several as one
    (:meth:`_run_many`), reads its clock (:meth:`_now`, :meth:`_time`) and encodes JSON for
    its column type (:meth:`_json`)."""

    def _init_connections(self) -> None:
        self._local = threading.local()
        # One connection per live thread: a thread's is closed once the thread has ended.
        self._connections: dict[threading.Thread, Connection] = {}
        self._guard = threading.Lock()
        self._closed = False

    def close(self) -> None:
        with self._guard:
            self._closed = True
            for connection in self._connections.values():
                connection.close()
            self._connections.clear()

    def _run(self, template: str, params: dict[str, Any], *, read: bool = False) -> Result:
        """Run ``template`` (in this backend's dialect) as one transaction."""
        raise NotImplementedError

    def _run_many(self, steps: Sequence[Step]) -> None:
        """Run each step's template (in this backend's dialect) once with each of its
        parameters, step after step, all as one transaction."""
        raise NotImplementedError

    def _now(self, now: float | None) -> float | None:
        """The ``now`` parameter of a statement: as given, or the backend's default clock."""
        return now

    def _time(self, now: float | None) -> float:
        """``now``, else the backend's clock, as a number."""
        raise NotImplementedError

    def _json(self, data: dict[str, Any]) -> Any:
        """``data`` as a JSON column value."""
        return dump_json(data)

    def _job_params(
        self, job: NewJob, delivery_id: str | None, now: float | None
    ) -> dict[str, Any]:
        return {
            "kind": job.kind,
            "repository": job.repository,
            "payload": self._json(job.payload),
            "key": coalesce_key(job),
            "delivery_id": delivery_id,
            "now": self._now(now),
        }

    def enqueue(self, job: NewJob, *, now: float | None = None) -> int:
        result = self._run(INSERT_JOB + " RETURNING id", self._job_params(job, None, now))
        return int(result.rows[0]["id"])

    def complete(
        self, job_id: int, worker_id: str, outcome: str, *, now: float | None = None
    ) -> bool:
        params = {"id": job_id, "worker": worker_id, "outcome": outcome, "now": self._now(now)}
        return self._run(COMPLETE, params).rowcount == 1

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
        params = {
            "id": job_id,
            "worker": worker_id,
            "state": state,
            "error": truncate(error, MAX_ERROR_CHARS),
            "retry_in": retry_in or 0.0,
            "now": self._now(now),
        }
        return state if self._run(FAIL, params).rowcount == 1 else None

    def requeue_dead(self, job_id: int, *, now: float | None = None) -> bool:
        return self._run(REQUEUE_DEAD, {"id": job_id, "now": self._now(now)}).rowcount == 1

    def discard_dead(self, job_id: int, *, now: float | None = None) -> bool:
        return self._run(DISCARD_DEAD, {"id": job_id, "now": self._now(now)}).rowcount == 1

    def get_job(self, job_id: int) -> Job | None:
        rows = self._run(GET_JOB, {"id": job_id}, read=True).rows
        return row_job(rows[0]) if rows else None

    def remember_repository(
        self, repository: str, installation_id: int | None, *, now: float | None = None
    ) -> None:
        params = {"repository": repository, "installation_id": installation_id}
        self._run(REMEMBER_REPOSITORY, params | {"now": self._now(now)})

    def record_sync(
        self, repository: str, commit: str | None, outcome: str, *, now: float | None = None
    ) -> None:
        params = {"repository": repository, "commit": commit, "outcome": outcome}
        self._run(RECORD_SYNC, params | {"now": self._now(now)})

    def load_sync_state(self, repository: str) -> dict[str, Any] | None:
        rows = self._run(LOAD_SYNC_STATE, {"repository": repository}, read=True).rows
        if not rows:
            return None
        data = rows[0]["data"]
        decoded: dict[str, Any] = json.loads(data) if isinstance(data, str) else data
        return decoded

    def save_sync_state(self, repository: str, data: dict[str, Any]) -> None:
        params = {"repository": repository, "data": self._json(data), "now": self._now(None)}
        self._run(SAVE_SYNC_STATE, params)

    def forget_repository(self, repository: str) -> None:
        params = [{"repository": repository}]
        self._run_many([(FORGET_REPOSITORY, params), (FORGET_SYNC_STATE, params)])

    def cache_blobs(self, blobs: Mapping[str, bytes]) -> None:
        now = self._now(None)
        rows = [
            {"sha": sha, "content": content, "size": len(content), "now": now}
            for sha, content in blobs.items()
        ]
        self._run_many([(CACHE_BLOB, rows)])

    def prune(self, older_than: float, *, now: float | None = None, batch: int = 5000) -> int:
        params: dict[str, Any] = {"cutoff": self._time(now) - older_than, "batch": batch}
        deleted = sum(prune_batches(partial(self._prune_rows, sql), params) for sql in PRUNES)
        return deleted + self._run(TRIM_BLOBS, {"max_bytes": MAX_CACHED_BLOB_BYTES}).rowcount

    def _prune_rows(self, statement: str, params: dict[str, Any]) -> Sequence[Row]:
        return self._run(statement, params).rows
