"""The service's schema migrations, one sequence per backend, in order: see
:mod:`agentsync.migrations`. Both sequences move together (migration N means the same change
on SQLite and on PostgreSQL). Every schema change adds one to each, and fixture databases of
the previous release that ``tests/service/test_upgrade.py`` upgrades."""

from __future__ import annotations

from agentsync.migrations import Migration, sql_file

SQLITE_MIGRATIONS: tuple[Migration, ...] = (
    sql_file(__name__, "sqlite/0001_initial.sql"),
    sql_file(__name__, "sqlite/0002_blob_cache.sql"),
)
POSTGRES_MIGRATIONS: tuple[Migration, ...] = (
    sql_file(__name__, "postgres/0001_initial.sql"),
    sql_file(__name__, "postgres/0002_blob_cache.sql"),
)
