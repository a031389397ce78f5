"""Opening the service's database: the backend picked by the address.

:func:`open_store` picks the backend from the address: ``postgresql://`` and ``postgres://``
URLs open :class:`~agentsync.service.store_postgres.PostgresServiceStore`, anything else is the
path of a SQLite file (:class:`~agentsync.service.store_sqlite.SQLiteServiceStore`). Every
problem opening or reaching the database is a :class:`StoreError` (or, for a database that
cannot be migrated, a :class:`~agentsync.migrations.MigrationError`) whose message never holds
the password of the URL. A database server that cannot be reached yet
(:class:`~agentsync.errors.DatabaseUnreachable`) may be waited for, with backoff; nothing else
is: a database that answers but cannot be used will not mend by waiting. What the backends
share is in :mod:`~agentsync.service.store_base`.
"""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path
from urllib.parse import urlsplit

from agentsync.errors import DatabaseUnreachable, StoreError
from agentsync.http.backoff import backoff_delay
from agentsync.server_extra import INSTALL_SERVER_EXTRA
from agentsync.service.outages import OUTAGE_BACKOFF_CAP
from agentsync.service.queue import ServiceStore

POSTGRES_SCHEMES = ("postgresql", "postgres")


def backend_of(database: str) -> str:
    """Which backend a ``--database`` value names: ``PostgreSQL`` for a URL, else ``SQLite``."""
    return "PostgreSQL" if urlsplit(database).scheme in POSTGRES_SCHEMES else "SQLite"


FIRST_WAIT = 0.25  # seconds before the second try to reach a database, doubling from there


log = logging.getLogger("agentsync.service.store")


def open_store(database: str | Path, *, migrate: bool = True, wait: float = 0.0) -> ServiceStore:
    """The store at ``database``: a PostgreSQL URL or a SQLite file path. Pending migrations
    are applied unless ``migrate`` is false (then only ``schema_status`` and ``migrate`` may
    be used). A database server that cannot be reached is tried again for up to ``wait``
    seconds (one log line when the waiting starts), then :class:`DatabaseUnreachable`."""
    deadline = time.monotonic() + wait
    failures, rng = 0, random.Random()
    while True:
        try:
            return _open(database, migrate)
        except DatabaseUnreachable as error:
            left = deadline - time.monotonic()
            if wait <= 0:
                raise
            if left <= 0:
                raise DatabaseUnreachable(
                    error.where, f"still unreachable after waiting {wait:g}s: {error.reason}"
                ) from error
            failures += 1
            if failures == 1:
                log.warning(
                    f"waiting up to {wait:g}s for the database {error.where}: {error.reason}"
                )
            time.sleep(
                min(
                    left,
                    backoff_delay(failures, FIRST_WAIT, OUTAGE_BACKOFF_CAP, rng, floor=FIRST_WAIT),
                )
            )


def _open(database: str | Path, migrate: bool) -> ServiceStore:
    text = str(database)
    if backend_of(text) == "PostgreSQL":
        try:
            from agentsync.service.store_postgres import PostgresServiceStore
        except ImportError as error:
            raise StoreError(
                f"PostgreSQL support needs psycopg, of the server extra ({error}): "
                f"{INSTALL_SERVER_EXTRA}"
            ) from error
        return PostgresServiceStore(text, migrate=migrate)
    if "://" in text:  # sqlite:///x.db, mysql://...: not a file path to create directories for
        raise StoreError(
            f"a {urlsplit(text).scheme or '(no scheme)'}:// URL is not a database agentsync can "
            "use: give a PostgreSQL URL (postgresql://...) or a SQLite file path"
        )
    from agentsync.service.store_sqlite import SQLiteServiceStore

    return SQLiteServiceStore(Path(database), migrate=migrate)
