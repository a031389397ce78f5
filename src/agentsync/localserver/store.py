"""Storage of the local control plane: configs, runs and their events, idempotency keys,
sandbox variables (encrypted by the caller), repository sync state and cron state.

``SQLiteStore`` keeps them with the standard library (one connection, WAL, a lock: the server
is one process), in a file only its owner may open (:mod:`agentsync.sqlite_files`). Its schema is
:mod:`agentsync.localserver.migrations`, applied when the store opens.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from agentsync.client.records import (
    DERIVED_CONFIG_FIELDS,
    AgentConfigRecord,
    Run,
    RunEvent,
    now,
)
from agentsync.errors import StoreError
from agentsync.localserver.migrations import MIGRATIONS
from agentsync.migrations import Migrated
from agentsync.sqlite_files import MEMORY, connect, make_private, transaction


@dataclass(frozen=True, kw_only=True)
class ConfigQuery:
    """Which configs ``list_configs`` returns, by id: of one repository (or all), with the
    soft-deleted ones or not, after the id ``after_id`` (the page before ended there)."""

    repository: str | None = None
    include_deleted: bool = False
    after_id: str | None = None
    limit: int = 100


@dataclass(frozen=True, kw_only=True)
class RunQuery:
    """Which runs ``list_runs`` returns, newest first: of one config (or all), from some
    sources (or all), created between ``start`` and ``end`` (RFC 3339, both included)."""

    config_id: str | None = None
    sources: tuple[str, ...] = ()
    start: str | None = None
    end: str | None = None
    limit: int = 50


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


class SQLiteStore(Migrated):
    """The control plane's storage on one SQLite file (``:memory:`` for a throwaway server)."""

    MIGRATIONS = MIGRATIONS

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        """Open the database, creating it if missing, and apply pending migrations (with
        ``migrate=False``, only :meth:`schema_status` and :meth:`migrate` may be used)."""
        self.where = str(path)
        self._lock = threading.RLock()
        try:
            if str(path) != MEMORY:
                make_private(Path(path))
            self._db = connect(path)
            if migrate:
                self.migrate()
        except (sqlite3.Error, OSError) as error:
            self.close()
            raise StoreError(f"{path}: cannot open the SQLite database: {error}") from error
        except BaseException:
            self.close()
            raise

    def migration_transaction(self, *, write: bool) -> AbstractContextManager[sqlite3.Connection]:
        return self._transaction("IMMEDIATE" if write else "DEFERRED")

    def close(self) -> None:
        with self._lock:
            if hasattr(self, "_db"):
                self._db.close()

    @contextmanager
    def _locked(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock; SQLite's errors become a ``StoreError`` naming the
        database."""
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"{self.where}: {error}") from error

    @contextmanager
    def _transaction(
        self, mode: Literal["IMMEDIATE", "DEFERRED"] = "IMMEDIATE"
    ) -> Iterator[sqlite3.Connection]:
        """One transaction (:func:`~agentsync.sqlite_files.transaction`), under the lock."""
        with self._locked() as db, transaction(db, mode):
            yield db

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """The rows one read returns."""
        with self._locked() as db:
            return db.execute(sql, params).fetchall()

    # configs ---------------------------------------------------------------------------

    @staticmethod
    def _config_row(record: AgentConfigRecord) -> dict[str, Any]:
        row = record.model_dump(exclude=set(DERIVED_CONFIG_FIELDS))
        for column in ("agent_config", "sync_error", "requested_limits", "edited_by"):
            row[column] = _json(row[column])
        return row

    @staticmethod
    def _config_record(row: sqlite3.Row) -> AgentConfigRecord:
        data = dict(row)
        data["agent_config"] = json.loads(data["agent_config"])
        for column in ("sync_error", "requested_limits", "edited_by"):
            data[column] = json.loads(data[column]) if data[column] else None
        data["deleted"] = bool(data["deleted"])
        data["enabled"] = bool(data["enabled"])
        return AgentConfigRecord(**data)

    def insert_config(self, record: AgentConfigRecord) -> None:
        row = self._config_row(record)
        columns = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        with self._transaction() as db:
            db.execute(f"INSERT INTO configs ({columns}) VALUES ({marks})", row)

    def replace_config(self, record: AgentConfigRecord) -> None:
        row = self._config_row(record)
        assignments = ", ".join(f"{c} = :{c}" for c in row if c != "id")
        with self._transaction() as db:
            db.execute(f"UPDATE configs SET {assignments} WHERE id = :id", row)

    def get_config(self, config_id: str) -> AgentConfigRecord | None:
        rows = self._rows("SELECT * FROM configs WHERE id = ?", (config_id,))
        return self._config_record(rows[0]) if rows else None

    def config_at(self, repository: str, path: str) -> AgentConfigRecord | None:
        rows = self._rows(
            "SELECT * FROM configs WHERE repository = ? AND path = ?", (repository, path)
        )
        return self._config_record(rows[0]) if rows else None

    def list_configs(self, query: ConfigQuery) -> list[AgentConfigRecord]:
        clauses, params = ["1 = 1"], []
        if query.repository is not None:
            clauses.append("repository = ?")
            params.append(query.repository)
        if not query.include_deleted:
            clauses.append("deleted = 0")
        if query.after_id is not None:
            clauses.append("id > ?")
            params.append(query.after_id)
        sql = f"SELECT * FROM configs WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?"
        return [self._config_record(r) for r in self._rows(sql, [*params, query.limit])]

    # runs and events ----------------------------------------------------------------------

    def insert_run(self, run: Run) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (id, created_at, agent_config_id, source, body) "
                "VALUES (?, ?, ?, ?, ?)",
                (run.id, run.created_at, run.agent_config_id, run.source, run.model_dump_json()),
            )

    def replace_run(self, run: Run) -> None:
        with self._transaction() as db:
            db.execute("UPDATE runs SET body = ? WHERE id = ?", (run.model_dump_json(), run.id))

    def get_run(self, run_id: str) -> Run | None:
        rows = self._rows("SELECT body FROM runs WHERE id = ?", (run_id,))
        return Run.model_validate_json(rows[0]["body"]) if rows else None

    def list_runs(self, query: RunQuery) -> list[Run]:
        clauses, params = ["1 = 1"], []
        if query.config_id is not None:
            clauses.append("agent_config_id = ?")
            params.append(query.config_id)
        if query.sources:
            clauses.append(f"source IN ({', '.join('?' for _ in query.sources)})")
            params.extend(query.sources)
        if query.start is not None:
            clauses.append("created_at >= ?")
            params.append(query.start)
        if query.end is not None:
            clauses.append("created_at <= ?")
            params.append(query.end)
        sql = (
            f"SELECT body FROM runs WHERE {' AND '.join(clauses)} "
            "ORDER BY created_at DESC, id DESC LIMIT ?"
        )
        rows = self._rows(sql, [*params, query.limit])
        return [Run.model_validate_json(r["body"]) for r in rows]

    def append_event(self, run_id: str, type_: str, data: dict[str, Any]) -> RunEvent:
        with self._transaction() as db:
            return self._insert_event(db, run_id, type_, data)

    def finish_run(self, run: Run, type_: str, data: dict[str, Any]) -> RunEvent:
        """Store a run's final state and its final event in one transaction: a reader never
        sees a finished run whose log has not ended, or the reverse."""
        with self._transaction() as db:
            db.execute("UPDATE runs SET body = ? WHERE id = ?", (run.model_dump_json(), run.id))
            return self._insert_event(db, run.id, type_, data)

    @staticmethod
    def _insert_event(
        db: sqlite3.Connection, run_id: str, type_: str, data: dict[str, Any]
    ) -> RunEvent:
        created_at = now()
        row = db.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM run_events WHERE run_id = ?", (run_id,)
        ).fetchone()
        seq = int(row[0])
        db.execute(
            "INSERT INTO run_events (run_id, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)",
            (run_id, seq, type_, _json(data), created_at),
        )
        return RunEvent(seq=seq, type=type_, data=data, created_at=created_at)  # type: ignore[arg-type]

    def events_after(self, run_id: str, after_seq: int, limit: int = 1000) -> list[RunEvent]:
        rows = self._rows(
            "SELECT seq, type, data, created_at FROM run_events "
            "WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
            (run_id, after_seq, limit),
        )
        return [
            RunEvent(
                seq=r["seq"], type=r["type"], data=json.loads(r["data"]), created_at=r["created_at"]
            )
            for r in rows
        ]

    # idempotency ------------------------------------------------------------------------

    def recorded_response(self, scope: str, key: str) -> tuple[str, int, Any] | None:
        rows = self._rows(
            "SELECT fingerprint, status, body FROM idempotency WHERE scope = ? AND key = ?",
            (scope, key),
        )
        if not rows:
            return None
        return rows[0]["fingerprint"], rows[0]["status"], json.loads(rows[0]["body"])

    def record_response(
        self, scope: str, key: str, fingerprint: str, status: int, body: Any
    ) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO idempotency (scope, key, fingerprint, status, body, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (scope, key, fingerprint, status, _json(body), now()),
            )

    # sandbox variables ------------------------------------------------------------------

    def put_variable(self, name: str, encrypted: bytes) -> None:
        stamp = now()
        with self._transaction() as db:
            db.execute(
                "INSERT INTO variables (name, value, created_at, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (name, encrypted, stamp, stamp),
            )

    def get_variable(self, name: str) -> bytes | None:
        rows = self._rows("SELECT value FROM variables WHERE name = ?", (name,))
        return bytes(rows[0]["value"]) if rows else None

    def list_variables(self) -> list[dict[str, str]]:
        rows = self._rows("SELECT name, created_at, updated_at FROM variables ORDER BY name")
        return [dict(r) for r in rows]

    def delete_variable(self, name: str) -> bool:
        with self._transaction() as db:
            return db.execute("DELETE FROM variables WHERE name = ?", (name,)).rowcount > 0

    # sync and cron state ------------------------------------------------------------------

    def repository_commit(self, repository: str) -> str | None:
        rows = self._rows(
            "SELECT commit_sha FROM sync_repositories WHERE repository = ?", (repository,)
        )
        return str(rows[0]["commit_sha"]) if rows else None

    def set_repository_commit(self, repository: str, commit: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO sync_repositories (repository, commit_sha, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT (repository) DO UPDATE SET "
                "commit_sha = excluded.commit_sha, updated_at = excluded.updated_at",
                (repository, commit, now()),
            )

    def cron_next_fire(self, config_id: str, schedule: str) -> str | None:
        rows = self._rows(
            "SELECT next_fire_at FROM cron_state WHERE config_id = ? AND schedule = ?",
            (config_id, schedule),
        )
        return str(rows[0]["next_fire_at"]) if rows else None

    def set_cron_next_fire(self, config_id: str, schedule: str, next_fire_at: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO cron_state (config_id, schedule, next_fire_at) VALUES (?, ?, ?) "
                "ON CONFLICT (config_id, schedule) DO UPDATE SET "
                "next_fire_at = excluded.next_fire_at",
                (config_id, schedule, next_fire_at),
            )

    def forget_cron(self, config_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM cron_state WHERE config_id = ?", (config_id,))

    def cron_entries(self) -> list[tuple[str, str, str]]:
        """Every stored ``(config_id, schedule, next_fire_at)``."""
        rows = self._rows(
            "SELECT config_id, schedule, next_fire_at FROM cron_state ORDER BY config_id, schedule"
        )
        return [(r["config_id"], r["schedule"], r["next_fire_at"]) for r in rows]

    def forget_cron_schedule(self, config_id: str, schedule: str) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM cron_state WHERE config_id = ? AND schedule = ?", (config_id, schedule)
            )
