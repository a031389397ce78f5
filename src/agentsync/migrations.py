"""Numbered schema migrations: one runner for every store of agentsync.

Each store keeps its migrations per backend, in order, in a package of its own
(``agentsync.localserver.migrations``, ``agentsync.service.migrations``): plain SQL files
named ``NNNN_name.sql``, plus the rare step that must look at the database first, written in
Python. A store applies what is pending when it opens; ``agent control-plane migrate`` and
``agent serve migrate`` do the same as an explicit step, or only report with ``--check``.

The applied version is recorded in the table ``schema_version`` (one row per migration:
``max(version)`` is the database's version; the service of agentsync 0.1.0 reads the same
table and refuses a database newer than itself). A database newer than the code is refused
with one line that names both versions. Every pending migration and its record are applied
in one transaction that holds the store's migration lock (SQLite: the write lock of
``BEGIN IMMEDIATE``; PostgreSQL: an advisory lock), so two processes opening one database at
once migrate it once and a failed migration leaves the database as it was. Reading the
version (``--check``) writes nothing, so it works on a database it may not write.

Why not yoyo-migrations or alembic: neither refuses a database newer than the code, both keep
their own bookkeeping tables beside the ``schema_version`` table 0.1.0 databases already have,
and this runner is about a hundred lines.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import resources
from typing import Any, ClassVar, Protocol

from agentsync.errors import AgentsyncError
from agentsync.shorten import one_line

log = logging.getLogger("agentsync.migrations")

VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)"


class MigrationError(AgentsyncError):
    """A database that cannot be brought to this agentsync's schema (newer, or a step
    failed). Exit status 2: ``migrate --check`` keeps 1 for "migrations are pending"."""

    exit_code = 2


class Database(Protocol):
    """What a migration runs statements on: a ``sqlite3.Connection`` or a psycopg cursor,
    inside the migration transaction, whose rows are addressed by column name."""

    def execute(self, query: Any, /) -> Any: ...


@dataclass(frozen=True)
class Migration:
    """One step of a store's schema: applied once, in ``version`` order."""

    version: int
    name: str
    apply: Callable[[Database], None]

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands against the code's migrations."""

    where: str
    current: int
    latest: int
    pending: tuple[Migration, ...]

    @property
    def is_current(self) -> bool:
        return not self.pending

    @property
    def labels(self) -> str:
        """The pending migrations' labels: ``0002_blob_cache, 0003_...``."""
        return ", ".join(migration.label for migration in self.pending)

    @property
    def migrated(self) -> str:
        """What applying the pending migrations did, for a message or a log line."""
        return (
            f"{self.where}: migrated from schema version {self.current} to {self.latest} "
            f"({self.labels})"
        )


class MigrationTarget(Protocol):
    """A store's database, as the runner sees it."""

    @property
    def where(self) -> str:
        """The database's name for messages (a path, or a URL without its password)."""
        ...

    def migration_transaction(self, *, write: bool) -> AbstractContextManager[Database]:
        """One transaction, rolled back on error. ``write``: it holds the store's migration
        lock, to apply migrations; else it only reads (so ``--check`` works on a database
        it may not write)."""
        ...


def sql_statements(script: str) -> Iterator[str]:
    """The statements of an SQL script, one by one (``sqlite3.Connection.executescript``
    would commit the migration transaction first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip():
                yield statement.strip()
            statement = ""
    if any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines()):
        yield statement.strip()  # the last statement, without its ";"


def sql_file(package: str, filename: str) -> Migration:
    """The migration in ``package``'s SQL file ``[folder/]NNNN_name.sql``."""
    stem = filename.rpartition("/")[2].removesuffix(".sql")
    number, _, name = stem.partition("_")
    script = resources.files(package).joinpath(filename).read_text(encoding="utf-8")

    def apply(db: Database) -> None:
        if not isinstance(db, sqlite3.Connection):  # psycopg runs a whole script at once
            db.execute(script)
            return
        for statement in sql_statements(script):
            db.execute(statement)

    return Migration(int(number), name, apply)


def check_sequence(migrations: Sequence[Migration]) -> None:
    """Migrations are numbered 1, 2, 3… with no gap or repeat (a programming error)."""
    numbers = [migration.version for migration in migrations]
    if numbers != list(range(1, len(numbers) + 1)):
        raise ValueError(f"migrations must be numbered 1..{len(numbers)}, got {numbers}")


def _has_version_table(db: Database) -> bool:
    if isinstance(db, sqlite3.Connection):
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        return db.execute(found).fetchone() is not None
    row = db.execute("SELECT to_regclass('schema_version') IS NOT NULL AS found").fetchone()
    return bool(row["found"])


def current_version(db: Database) -> int:
    """The database's schema version, read without writing: 0 for one never migrated."""
    if not _has_version_table(db):
        return 0
    row = db.execute("SELECT max(version) AS version FROM schema_version").fetchone()
    return int(row["version"] or 0)


def _status(where: str, current: int, migrations: Sequence[Migration]) -> SchemaStatus:
    latest = migrations[-1].version if migrations else 0
    if current > latest:
        raise MigrationError(
            f"{where}: the database is at schema version {current}, newer than this "
            f"agentsync's version {latest}; upgrade agentsync, or restore the backup taken "
            "before the upgrade"
        )
    pending = tuple(migration for migration in migrations if migration.version > current)
    return SchemaStatus(where, current, latest, pending)


def inspect(target: MigrationTarget, migrations: Sequence[Migration]) -> SchemaStatus:
    """The database's version and pending migrations, read without writing anything."""
    check_sequence(migrations)
    with target.migration_transaction(write=False) as db:
        return _status(target.where, current_version(db), migrations)


def upgrade(target: MigrationTarget, migrations: Sequence[Migration]) -> SchemaStatus:
    """Apply the pending migrations in one transaction; the status before they ran."""
    check_sequence(migrations)
    with target.migration_transaction(write=True) as db:
        status = _status(target.where, current_version(db), migrations)
        if status.pending:
            db.execute(VERSION_TABLE)
        for migration in status.pending:
            try:
                migration.apply(db)
            except Exception as error:
                raise MigrationError(
                    f"{target.where}: migration {migration.label} failed, nothing was "
                    f"changed: {one_line(error)}"
                ) from error
            db.execute(f"INSERT INTO schema_version (version) VALUES ({migration.version:d})")
    return status


class _MigratedStore(MigrationTarget, Protocol):
    MIGRATIONS: ClassVar[tuple[Migration, ...]]

    def migrate(self) -> SchemaStatus: ...
    def close(self) -> None: ...


class Migrated:
    """What a store gets from naming its ``MIGRATIONS`` (it must be a
    :class:`MigrationTarget`)."""

    MIGRATIONS: ClassVar[tuple[Migration, ...]]

    def schema_status(self: _MigratedStore) -> SchemaStatus:
        """The database's schema version and the migrations it lacks (nothing applied)."""
        return inspect(self, self.MIGRATIONS)

    def migrate(self: _MigratedStore) -> SchemaStatus:
        """Apply the pending migrations under the store's lock; the status before."""
        return upgrade(self, self.MIGRATIONS)

    def _migrate_on_open(self: _MigratedStore, migrate: bool) -> None:
        """What a store's constructor ends with: apply what is pending (unless ``migrate`` is
        false), closing the store if that fails. Migrating an existing database is logged (a
        warning, so that a command such as ``agent serve status`` says it too): it cannot be
        undone without a backup. A new database (version 0) is only created."""
        if not migrate:
            return
        try:
            before = self.migrate()
        except BaseException:
            self.close()
            raise
        if before.current and not before.is_current:
            log.warning(before.migrated)
