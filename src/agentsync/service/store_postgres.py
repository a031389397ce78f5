"""The service's store on PostgreSQL (psycopg 3): for ``agent worker`` processes on many
machines sharing one queue.

Each thread has its own connection (autocommit, explicit transactions). Times default to the
database server's clock, so workers whose clocks drift still agree on leases.

Per-repository exclusivity: every transition of a job to ``running`` happens in a claim
transaction that holds the repository's transaction-scoped advisory lock
(``pg_try_advisory_xact_lock``; a claimer that cannot take it skips the repository) and, after
taking it, checks with a fresh statement (a new snapshot: it sees every claim committed before
the lock was released) that no job of the repository holds an unexpired lease. A heartbeat
takes the same lock (waiting for it) and reads the clock after it, so it cannot extend a lease
that a concurrent claim has just seen expire.

Workers learn of new jobs at once through ``LISTEN``/``NOTIFY`` (:meth:`listen`), not only by
polling. A connection that cannot be made is :class:`~agentsync.errors.DatabaseUnreachable`
(the server may come back: ``agent serve`` waits for it at start-up).

:meth:`~PostgresServiceStore.prune` deletes in batches, each one statement (one short
transaction); rows another pruner has locked are skipped.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from agentsync.errors import DatabaseUnreachable, StoreError
from agentsync.http.backoff import backoff_delay
from agentsync.migrations import MigrationError
from agentsync.service import store_base as shared
from agentsync.service.migrations import POSTGRES_MIGRATIONS
from agentsync.service.outages import OUTAGE_BACKOFF_CAP, Outage
from agentsync.service.queue import Delivery, Job, NewJob, ServiceStatus
from agentsync.shorten import one_line
from agentsync.urls import redact_url

CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise
DEFAULT_CONNECTION_SETTINGS = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "options": "-c statement_timeout=60000",  # ms; prune batches and claims take far less
}
# Advisory lock keys (pg_advisory_xact_lock(int, int)): the first number is agentsync's.
LOCK_SPACE = 0x61676E74
SCHEMA_LOCK = 0  # second number of the DDL lock; repository locks use hashtext(repository)
REPOSITORY_LOCK_SPACE = LOCK_SPACE + 1

log = logging.getLogger("agentsync.service.store")

JOBS_CHANNEL = "agentsync_jobs"  # NOTIFYed on commit of every insert into jobs

# ``now`` as given, else the server's clock at the start of the statement.
NOW = "coalesce(%(now)s::float8, extract(epoch FROM statement_timestamp())::float8)"
DIALECT = shared.Dialect(now=NOW, for_update=" FOR UPDATE", skip_locked=" FOR UPDATE SKIP LOCKED")

# The oldest claimable job's repository, among those no job holds an unexpired lease of.
CANDIDATE = f"""
SELECT repository FROM jobs
WHERE {shared.CLAIMABLE}
  AND repository <> ALL(%(skipped)s::text[])
  AND repository NOT IN (
    SELECT repository FROM jobs WHERE state = 'running' AND lease_expires_at > %(now)s
  )
ORDER BY id LIMIT 1
"""
LEASED = """
SELECT 1 FROM jobs
WHERE repository = %(repository)s AND state = 'running' AND lease_expires_at > %(now)s
LIMIT 1
"""
OLDEST_OF_REPOSITORY = f"""
SELECT id, state, coalesce_key FROM jobs
WHERE repository = %(repository)s AND {shared.CLAIMABLE}
ORDER BY id LIMIT 1 FOR UPDATE
"""


def _url_password(url: str) -> str:
    """The password in ``url`` (authority or ``password=`` parameter), read leniently: the URL
    may be too broken for libpq to parse, and its error message must not show it either."""
    try:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
    except ValueError:
        return ""
    return parts.password or query.get("password", "")


def _unreachable(error: psycopg.Error) -> bool:
    """Whether a failed connect failed on the way to the server (refused, timed out, a name
    not resolved, the server starting up or shutting down...), not on settings libpq refuses
    before it tries (an invalid port or sslmode: psycopg says "connection is bad")."""
    return isinstance(error, psycopg.OperationalError) and not str(error).startswith(
        "connection is bad:"
    )


class PostgresServiceStore(shared.SQLServiceStore[psycopg.Connection[DictRow]]):
    """``ServiceStore`` on the PostgreSQL database at ``url`` (its tables are created if
    missing, under a lock, so several processes may open it at once)."""

    MIGRATIONS = POSTGRES_MIGRATIONS

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self._url = url
        self._redacted = redact_url(url)
        self._password = _url_password(url)
        try:
            params = conninfo_to_dict(url)
        except psycopg.Error as error:
            raise StoreError(f"{self._redacted}: {self._scrub(error)}") from error
        self._password = str(params.get("password") or "")
        self._connect_options: dict[str, Any] = {"application_name": "agentsync"}
        if "connect_timeout" not in params:
            self._connect_options["connect_timeout"] = CONNECT_TIMEOUT
        # A silently dropped connection must fail, not hang a worker or the webhook.
        for name, value in DEFAULT_CONNECTION_SETTINGS.items():
            if name not in params:
                self._connect_options[name] = value
        self._init_connections()
        self._migrate_on_open(migrate)

    @property
    def where(self) -> str:
        return self._redacted

    @contextmanager
    def migration_transaction(self, *, write: bool) -> Iterator[psycopg.Cursor[DictRow]]:
        """To write, the schema's advisory lock: processes opening the database at once
        migrate it once. A failed migration's message is scrubbed of the password."""
        try:
            with self._transaction() as cursor:
                if write:
                    cursor.execute(
                        "SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_SPACE, SCHEMA_LOCK)
                    )
                yield cursor
        except MigrationError as error:
            raise MigrationError(self._scrub(error)) from error.__cause__

    # connections -------------------------------------------------------------------------

    def _scrub(self, error: BaseException) -> str:
        """The error's message on one line, the password masked wherever it appears."""
        message = one_line(error)
        return message.replace(self._password, "***") if self._password else message

    def _connection(self) -> psycopg.Connection[DictRow]:
        connection: psycopg.Connection[DictRow] | None = getattr(self._local, "connection", None)
        if connection is not None and not connection.closed:
            return connection
        with self._guard:
            if self._closed:
                raise StoreError(f"{self._redacted}: the store is closed")
            if connection is not None:  # broken: the server restarted or dropped it
                self._connections.pop(threading.current_thread(), None)
                connection.close()
            shared.close_ended_threads(self._connections)
            try:
                connection = psycopg.connect(
                    self._url, autocommit=True, row_factory=dict_row, **self._connect_options
                )
            except psycopg.Error as error:
                if _unreachable(error):
                    raise DatabaseUnreachable(self._redacted, self._scrub(error)) from error
                raise StoreError(
                    f"cannot connect to {self._redacted}: {self._scrub(error)}"
                ) from error
            self._connections[threading.current_thread()] = connection
        self._local.connection = connection
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[psycopg.Cursor[DictRow]]:
        """A cursor in one transaction."""
        connection = self._connection()
        try:
            with connection.transaction(), connection.cursor() as cursor:
                yield cursor
        except psycopg.Error as error:
            raise StoreError(f"{self._redacted}: {self._scrub(error)}") from error

    @contextmanager
    def _autocommit(self) -> Iterator[psycopg.Cursor[DictRow]]:
        """A cursor whose every statement is its own transaction (one round trip each)."""
        connection = self._connection()
        try:
            with connection.cursor() as cursor:
                yield cursor
        except psycopg.Error as error:
            raise StoreError(f"{self._redacted}: {self._scrub(error)}") from error

    @staticmethod
    def _one(cursor: psycopg.Cursor[DictRow]) -> DictRow:
        row = cursor.fetchone()
        if row is None:
            raise StoreError("the database returned no row where one was expected")
        return row

    def ping(self) -> None:
        with self._autocommit() as cursor:
            cursor.execute("SELECT 1 FROM schema_version")

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """Call ``wake`` whenever a job is queued (``LISTEN``: a trigger notifies on every
        insert into jobs), until ``stop`` is set; a lost connection is reopened, after a
        growing pause while it cannot be (logged once when lost, once when back)."""
        lost = Outage(
            log,
            failing="job notifications lost (reconnecting with backoff)",
            recovered="job notifications restored",
            level=logging.WARNING,
        )
        failures, rng = 0, random.Random()
        while not stop.is_set():
            try:
                with psycopg.connect(
                    self._url, autocommit=True, **self._connect_options
                ) as connection:
                    connection.execute(f"LISTEN {JOBS_CHANNEL}")
                    failures = 0
                    lost.succeeded()
                    wake()  # jobs queued while no one listened
                    while not stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            wake()
            except psycopg.Error as error:
                failures += 1
                lost.failed(self._scrub(error))
                stop.wait(backoff_delay(failures, 1.0, OUTAGE_BACKOFF_CAP, rng, floor=1.0))

    # deliveries and jobs -------------------------------------------------------------------

    def accept_delivery(self, delivery: Delivery, job: NewJob | None) -> bool:
        params: dict[str, Any] = {
            f"delivery_{name}": value for name, value in delivery._asdict().items()
        } | {"now": None}
        insert_delivery = f"""
            INSERT INTO deliveries (delivery_id, event, action, repository, body, received_at)
            VALUES (%(delivery_delivery_id)s, %(delivery_event)s, %(delivery_action)s,
                    %(delivery_repository)s, %(delivery_body)s, {NOW})
            ON CONFLICT (delivery_id) DO NOTHING RETURNING delivery_id
        """
        if job is not None:
            # One statement (one transaction, one round trip): the job is inserted only
            # when the delivery was.
            params |= self._job_params(job, delivery.delivery_id, None)
            insert_delivery = f"""
                WITH delivery AS ({insert_delivery})
                INSERT INTO jobs (kind, repository, payload, coalesce_key, state, delivery_id,
                                  run_after, created_at, updated_at)
                SELECT %(kind)s, %(repository)s, %(payload)s, %(key)s, 'queued', delivery_id,
                       {NOW}, {NOW}, {NOW}
                FROM delivery
                RETURNING id
            """
        with self._autocommit() as cursor:
            cursor.execute(insert_delivery, params)
            return cursor.fetchone() is not None

    def _run(self, template: str, params: dict[str, Any], *, read: bool = False) -> shared.Result:
        with self._autocommit() as cursor:
            cursor.execute(DIALECT.sql(template), params)
            return shared.Result(cursor.fetchall() if cursor.description else [], cursor.rowcount)

    def _run_many(self, steps: Sequence[shared.Step]) -> None:
        with self._transaction() as cursor:
            for template, params in steps:
                cursor.executemany(DIALECT.sql(template), params)

    def _json(self, data: dict[str, Any]) -> Jsonb:
        return Jsonb(data)

    def _time(self, now: float | None) -> float:
        with self._autocommit() as cursor:
            return self._clock(cursor, now)

    def _clock(self, cursor: psycopg.Cursor[DictRow], now: float | None) -> float:
        """``now``, else the database server's clock."""
        cursor.execute(f"SELECT {NOW} AS now", {"now": now})
        at: float = self._one(cursor)["now"]
        return at

    def claim(
        self, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> Job | None:
        with self._transaction() as cursor:
            at = self._clock(cursor, now)
            skipped: list[str] = []
            while True:
                cursor.execute(CANDIDATE, {"now": at, "skipped": skipped})
                row = cursor.fetchone()
                if row is None:
                    return None
                repository: str = row["repository"]
                cursor.execute(
                    "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s)) AS locked",
                    (REPOSITORY_LOCK_SPACE, repository),
                )
                if self._one(cursor)["locked"]:
                    job = self._claim_in(cursor, repository, worker_id, lease_seconds, at)
                    if job is not None:
                        return job
                skipped.append(repository)

    def _claim_in(
        self,
        cursor: psycopg.Cursor[DictRow],
        repository: str,
        worker_id: str,
        lease_seconds: float,
        now: float,
    ) -> Job | None:
        """Claim the oldest claimable job of ``repository``, whose lock this transaction
        holds; None if another worker's claim (committed since the candidate was read)
        holds it now."""
        group: dict[str, Any] = {"repository": repository, "now": now}
        cursor.execute(LEASED, group)
        if cursor.fetchone() is not None:
            return None
        cursor.execute(OLDEST_OF_REPOSITORY, group)
        chosen = cursor.fetchone()
        if chosen is None:
            return None
        if chosen["coalesce_key"] is not None:
            group["key"] = chosen["coalesce_key"]
            if chosen["state"] == "queued":
                cursor.execute(DIALECT.sql(shared.NEWEST_OF_GROUP), group)
                chosen = self._one(cursor)
            cursor.execute(DIALECT.sql(shared.RETIRE_OLDER), group | {"id": chosen["id"]})
        take = {"id": chosen["id"], "worker": worker_id, "lease": lease_seconds, "now": now}
        cursor.execute(DIALECT.sql(shared.TAKE), take)
        return shared.row_job(self._one(cursor))

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        with self._transaction() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(repository)) FROM jobs WHERE id = %s",
                (REPOSITORY_LOCK_SPACE, job_id),
            )
            if cursor.fetchone() is None:
                return False
            cursor.execute(
                DIALECT.sql(shared.HEARTBEAT),
                {"id": job_id, "worker": worker_id, "lease": lease_seconds, "now": now},
            )
            return cursor.rowcount == 1

    # repositories --------------------------------------------------------------------------

    def due_resyncs(self, interval: float, *, now: float | None = None) -> list[str]:
        with self._transaction() as cursor:
            at = self._clock(cursor, now)
            # A row another caller holds is skipped (that caller enqueues it); one it updated
            # since this statement's snapshot is re-checked against its new last_resync_at.
            cursor.execute(DIALECT.sql(shared.DUE_RESYNCS), {"since": at - interval})
            rows = cursor.fetchall()
            due: list[str] = [row["repository"] for row in rows]
            if due:
                cursor.execute(
                    "UPDATE repositories SET last_resync_at = %(now)s, updated_at = %(now)s "
                    "WHERE repository = ANY(%(due)s)",
                    {"now": at, "due": due},
                )
                jobs = [
                    NewJob("resync", row["repository"], {"installation_id": row["installation_id"]})
                    for row in rows
                ]
                cursor.executemany(
                    DIALECT.sql(shared.INSERT_JOB),
                    [self._job_params(job, None, at) for job in jobs],
                )
        return due

    def cached_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        with self._autocommit() as cursor:
            for chunk in shared.chunks(sorted(shas)):
                cursor.execute(
                    "UPDATE blob_cache SET used_at = extract(epoch FROM statement_timestamp()) "
                    "WHERE sha = ANY(%(shas)s) RETURNING sha, content",
                    {"shas": list(chunk)},
                )
                found.update((row["sha"], bytes(row["content"])) for row in cursor.fetchall())
        return found

    def status(self, *, dead_limit: int = 20, now: float | None = None) -> ServiceStatus:
        with self._transaction() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return shared.read_status(cursor.execute, DIALECT, self._clock(cursor, now), dead_limit)
