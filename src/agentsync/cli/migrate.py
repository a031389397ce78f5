"""What ``agent control-plane migrate`` and ``agent serve migrate`` share: open a store
without migrating it, then report its schema status (``--check``) or apply what is pending.

Exit statuses: 0 when the database is current (or was just migrated), 1 when ``--check``
finds migrations pending (it names them), 2 when the database cannot be opened or migrated
(newer than this agentsync, unreachable, not a database).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import click

from agentsync.errors import AgentsyncError
from agentsync.migrations import MigrationError, SchemaStatus

EXIT_CURRENT, EXIT_PENDING = 0, 1


class Migratable(Protocol):
    def schema_status(self) -> SchemaStatus: ...
    def migrate(self) -> SchemaStatus: ...
    def close(self) -> None: ...


def _labels(status: SchemaStatus) -> str:
    return ", ".join(migration.label for migration in status.pending)


def check_text(status: SchemaStatus, command: str) -> str:
    if status.is_current:
        return f"{status.where}: schema version {status.current}, current"
    return (
        f"{status.where}: schema version {status.current}, needs {len(status.pending)} "
        f"migration(s) to reach version {status.latest}: {_labels(status)} "
        f"(back it up, then run `{command}`)"
    )


def migrated_text(before: SchemaStatus) -> str:
    if before.is_current:
        return f"{before.where}: schema version {before.current}, current; nothing to do"
    return (
        f"{before.where}: migrated from schema version {before.current} to {before.latest} "
        f"({_labels(before)})"
    )


def migrate_or_check(open_unmigrated: Callable[[], Migratable], check: bool, command: str) -> int:
    """Run the command on the store ``open_unmigrated`` opens; its exit status."""
    try:
        store = open_unmigrated()
        try:
            status = store.schema_status() if check else store.migrate()
        finally:
            store.close()
    except MigrationError:
        raise
    except AgentsyncError as error:  # --check's "cannot tell" is 2, like any migrate error
        raise MigrationError(str(error)) from error
    if check:
        click.echo(check_text(status, command))
        return EXIT_CURRENT if status.is_current else EXIT_PENDING
    click.echo(migrated_text(status))
    return EXIT_CURRENT
