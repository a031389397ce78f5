"""The migration runner on real SQLite files and a real PostgreSQL server: pending steps
only, in one transaction, once however many processes open a database at once; a newer
database is refused."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from agentsync.localserver.migrations import MIGRATIONS as CONTROL_PLANE_MIGRATIONS
from agentsync.migrations import (
    Database,
    Migration,
    MigrationError,
    inspect,
    sql_statements,
    upgrade,
)
from agentsync.service.migrations import POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS
from agentsync.service.stores import open_store


class SQLiteFile:
    """A bare migration target: one SQLite file, the write lock as the migration lock."""

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.row_factory = sqlite3.Row

    @contextmanager
    def migration_transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE" if write else "BEGIN DEFERRED")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def versions(self) -> list[int]:
        return [row[0] for row in self.db.execute("SELECT version FROM schema_version")]

    def tables(self) -> set[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}


def _sql(version: int, name: str, *statements: str) -> Migration:
    def apply(db: Database) -> None:
        for statement in statements:
            db.execute(statement)

    return Migration(version, name, apply)


STEPS = (
    _sql(1, "notes", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"),
    _sql(2, "seed", "INSERT INTO notes (body) VALUES ('kept')"),
    _sql(3, "tags", "ALTER TABLE notes ADD COLUMN tag TEXT"),
)


def test_a_new_database_gets_every_migration_once(tmp_path: Path) -> None:
    target = SQLiteFile(tmp_path / "a.db")
    before = upgrade(target, STEPS)
    assert (before.current, before.latest) == (0, 3)
    assert [m.label for m in before.pending] == ["0001_notes", "0002_seed", "0003_tags"]
    assert target.versions() == [1, 2, 3]
    again = upgrade(target, STEPS)
    assert again.is_current
    assert target.versions() == [1, 2, 3]
    assert target.db.execute("SELECT count(*) FROM notes").fetchone()[0] == 1


def test_only_the_pending_migrations_run(tmp_path: Path) -> None:
    target = SQLiteFile(tmp_path / "a.db")
    upgrade(target, STEPS[:2])
    status = inspect(target, STEPS)
    assert (status.current, [m.version for m in status.pending]) == (2, [3])
    upgrade(target, STEPS)
    assert [tuple(row) for row in target.db.execute("SELECT body, tag FROM notes")] == [
        ("kept", None)
    ]


def test_inspect_changes_nothing(tmp_path: Path) -> None:
    target = SQLiteFile(tmp_path / "a.db")
    status = inspect(target, STEPS)
    assert (status.current, len(status.pending)) == (0, 3)
    assert target.tables() == set()  # not even the version table


def test_a_failing_migration_changes_nothing(tmp_path: Path) -> None:
    target = SQLiteFile(tmp_path / "a.db")
    upgrade(target, STEPS[:1])
    broken = (*STEPS[:2], _sql(3, "broken", "ALTER TABLE no_such_table ADD COLUMN x TEXT"))
    with pytest.raises(MigrationError, match=r"a\.db: migration 0003_broken failed"):
        upgrade(target, broken)
    assert target.versions() == [1]
    assert target.db.execute("SELECT count(*) FROM notes").fetchone()[0] == 0  # 2 rolled back


def test_a_newer_database_is_refused_in_one_line(tmp_path: Path) -> None:
    target = SQLiteFile(tmp_path / "a.db")
    upgrade(target, STEPS)
    with pytest.raises(MigrationError) as refused:
        upgrade(target, STEPS[:2])
    message = str(refused.value)
    assert "\n" not in message
    assert "schema version 3, newer than this agentsync's version 2" in message
    assert refused.value.exit_code == 2
    assert target.versions() == [1, 2, 3]


def test_migrations_are_numbered_without_gaps(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="numbered"):
        upgrade(SQLiteFile(tmp_path / "a.db"), (STEPS[0], STEPS[2]))


@pytest.mark.parametrize(
    "migrations", [CONTROL_PLANE_MIGRATIONS, SQLITE_MIGRATIONS, POSTGRES_MIGRATIONS]
)
def test_every_store_numbers_its_migrations_from_one(migrations: tuple[Migration, ...]) -> None:
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_sql_scripts_split_into_statements() -> None:
    script = """-- a comment; with a semicolon
CREATE TABLE a (x TEXT DEFAULT ';');
CREATE INDEX a_x ON a (x)
    WHERE x <> 'y';
-- trailing comment
"""
    assert list(sql_statements(script)) == [
        "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT ';');",
        "CREATE INDEX a_x ON a (x)\n    WHERE x <> 'y';",
    ]


OPEN_CONTROL_PLANE = "from agentsync.localserver.store import SQLiteStore; SQLiteStore({!r})"
OPEN_SERVICE = "from agentsync.service.stores import open_store; open_store({!r}).close()"


def _open_at_once(program: str, processes: int = 6) -> None:
    started = [
        subprocess.Popen([sys.executable, "-c", program], stderr=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    errors = [process.communicate(timeout=120)[1] for process in started]
    assert [process.returncode for process in started] == [0] * processes, errors


def _sqlite_versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT version FROM schema_version")]


def test_processes_opening_a_new_control_plane_database_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "control-plane.db"
    _open_at_once(OPEN_CONTROL_PLANE.format(str(path)))
    assert _sqlite_versions(path) == [m.version for m in CONTROL_PLANE_MIGRATIONS]


def test_processes_opening_a_new_service_database_migrate_it_once(tmp_path: Path) -> None:
    path = tmp_path / "service.db"
    _open_at_once(OPEN_SERVICE.format(str(path)))
    assert _sqlite_versions(path) == [m.version for m in SQLITE_MIGRATIONS]


def test_processes_opening_a_new_postgres_database_migrate_it_once(postgres_url: str) -> None:
    _open_at_once(OPEN_SERVICE.format(postgres_url))
    with psycopg.connect(postgres_url) as connection:
        rows = connection.execute("SELECT version FROM schema_version").fetchall()
    assert [row[0] for row in rows] == [m.version for m in POSTGRES_MIGRATIONS]


def test_check_reads_a_postgres_database_as_a_role_that_cannot_write(postgres_url: str) -> None:
    open_store(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("CREATE ROLE checker_role LOGIN")
        connection.execute("GRANT SELECT ON schema_version TO checker_role")
    reader = postgres_url.replace("postgres@", "checker_role@")
    store = open_store(reader, migrate=False)
    try:
        assert store.schema_status().is_current
    finally:
        store.close()
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DROP OWNED BY checker_role")
        connection.execute("DROP ROLE checker_role")
