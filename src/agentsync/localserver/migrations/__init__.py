"""The local control plane's schema migrations (SQLite), in order: see
:mod:`agentsync.migrations`. Every schema change adds one here, and a fixture database of
the previous release that ``tests/localserver/test_upgrade.py`` upgrades."""

from __future__ import annotations

from agentsync.migrations import Database, Migration, sql_file


def _columns(db: Database, table: str) -> set[str]:
    return {row["name"] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}


def _adopt_early_config_columns(db: Database) -> None:
    """Databases written before the 0.1.0 release kept a config's sync error in
    ``last_sync_error`` (same content) and had no ``edited_by``."""
    columns = _columns(db, "configs")
    if "last_sync_error" in columns and "sync_error" not in columns:
        db.execute("ALTER TABLE configs RENAME COLUMN last_sync_error TO sync_error")
    if "edited_by" not in columns:
        db.execute("ALTER TABLE configs ADD COLUMN edited_by TEXT")


MIGRATIONS: tuple[Migration, ...] = (
    sql_file(__name__, "0001_initial.sql"),
    Migration(2, "early_config_columns", _adopt_early_config_columns),
)
