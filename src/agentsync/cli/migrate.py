"""``agent control-plane migrate``, and what it shares with ``agent serve migrate``: open a
store without migrating it, then report its schema status (``--check``) or apply what is
pending. Also the control plane's ``--db`` option, which ``agent control-plane serve`` shares.

Exit statuses: 0 when the database is current (or was just migrated), 1 when ``--check``
finds migrations pending (it names them), 2 when the database cannot be opened or migrated
(newer than this agentsync, unreachable, not a database).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import click

from agentsync.cli.boundary import ExitCode
from agentsync.errors import AgentsyncError, UsageError
from agentsync.migrations import MigrationError, SchemaStatus
from agentsync.plural import plural
from agentsync.state_dir import state_dir


class Migratable(Protocol):
    def schema_status(self) -> SchemaStatus: ...
    def migrate(self) -> SchemaStatus: ...
    def close(self) -> None: ...


def check_text(status: SchemaStatus, command: str) -> str:
    if status.is_current:
        return f"{status.where}: schema version {status.current}, current"
    return (
        f"{status.where}: schema version {status.current}, needs "
        f"{plural(len(status.pending), 'migration')} to reach version {status.latest}: "
        f"{status.labels} (back it up, then run `{command}`)"
    )


def migrated_text(before: SchemaStatus) -> str:
    if before.is_current:
        return f"{before.where}: schema version {before.current}, current; nothing to do"
    return before.migrated


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
        return ExitCode.OK if status.is_current else ExitCode.FAILED
    click.echo(migrated_text(status))
    return ExitCode.OK


def default_control_plane_db() -> str:
    return str(state_dir() / "control-plane.db")


control_plane_db_option = click.option(
    "--db",
    default=default_control_plane_db,
    show_default="$XDG_STATE_HOME/agentsync/control-plane.db",
    help="SQLite database file (its key file beside it, .key); :memory: keeps nothing.",
)

check_option = click.option(
    "--check", is_flag=True, help="Only report: exit 0 if current, 1 if migrations are pending."
)


@click.command("migrate")
@control_plane_db_option
@check_option
def control_plane_migrate(db: str, check: bool) -> None:
    """Apply the database's pending schema migrations (back it up first)."""

    def open_unmigrated() -> Migratable:
        from agentsync.localserver.store import SQLiteStore

        if not Path(db).is_file():
            raise UsageError(
                f"no control-plane database at {db}: pass the server's --db PATH, or start "
                "`agent control-plane serve`, which creates it"
            )
        return SQLiteStore(db, migrate=False)

    code = migrate_or_check(open_unmigrated, check, "agent control-plane migrate")
    if code:
        raise SystemExit(code)
