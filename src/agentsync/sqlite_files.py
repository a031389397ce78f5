"""How the servers open their SQLite files: their owner's alone (mode 0600), in WAL mode, and
waiting for another process's lock rather than failing at once.

The files are private like the control plane's key file: the control plane's database holds run
logs and encrypted variable values, the service's the webhook deliveries.

:func:`make_private` runs before SQLite opens a database. It creates a missing file 0600
(SQLite gives the ``-wal``, ``-shm`` and ``-journal`` files it makes beside it the database's
mode), and tightens an existing database (a SQLite file, or an empty one), or one of those
files beside it, that its group or others may read or write, with one warning line each. A file
that is not a database is left as it is, for SQLite to refuse. The process umask is left alone:
no other file is affected.

:func:`enable_wal` switches a connection's file to WAL. Processes that open a new file at the
same time race for that switch, and the loser can get SQLITE_BUSY without its busy handler
having waited (a lock it would have to upgrade), so it tries again until ``BUSY_TIMEOUT``, the
time every connection waits for another one's lock, has passed.

:func:`connect` opens a connection the way both stores use one, and :func:`transaction` runs
one transaction on it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from agentsync.errors import StoreError

LOG = logging.getLogger("agentsync.sqlite_files")
OWNER_ONLY = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT = 30.0  # seconds a connection waits for another one's lock (e.g. a migration's)
MEMORY = ":memory:"


def make_private(path: Path) -> None:
    """Create ``path``'s directory, and the file, owner-only; or tighten the database there
    already. OSError when the directory or the file cannot be created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY))
    except FileExistsError:
        if not _is_database(path):
            return
        for file in (path, *(path.with_name(path.name + end) for end in SQLITE_COMPANIONS)):
            _tighten(file)


def _is_database(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) in (b"", SQLITE_HEADER)
    except OSError:
        return False


def _tighten(file: Path) -> None:
    try:
        status = file.stat()
    except FileNotFoundError:
        return
    mode = stat.S_IMODE(status.st_mode)
    if not stat.S_ISREG(status.st_mode) or not mode & 0o077:
        return
    try:
        file.chmod(mode & 0o700)
    except OSError as error:
        LOG.warning(
            "%s: its group or others may open it (mode %04o), and it cannot be made private: %s",
            file, mode, error.strerror,
        )  # fmt: skip
        return
    LOG.warning(
        "%s: was open to its group or others (mode %04o); now %04o", file, mode, mode & 0o700
    )


def enable_wal(db: sqlite3.Connection, path: str | Path) -> None:
    """Switch ``path``'s file, open as ``db``, to WAL (once: the mode is persistent), trying
    again while another connection holds the lock the switch needs (each try may itself wait
    up to the connection's busy timeout). StoreError if SQLite cannot use WAL there; any other
    SQLite error, or SQLITE_BUSY once ``BUSY_TIMEOUT`` has passed, is raised as it is."""
    deadline = time.monotonic() + BUSY_TIMEOUT
    while True:
        try:
            (mode,) = db.execute("PRAGMA journal_mode=WAL").fetchone()
        except sqlite3.OperationalError as error:
            busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # and its extended codes
            if not busy or time.monotonic() > deadline:
                raise
            time.sleep(0.01)
            continue
        if mode != "wal":
            raise StoreError(f"{path}: SQLite cannot use WAL mode here (journal mode {mode})")
        return


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to ``path`` (``:memory:`` for a throwaway database) as the stores use one:
    in autocommit mode (they begin their own transactions), with rows by column name, usable
    from any thread (each store serializes its use), waiting up to ``BUSY_TIMEOUT`` for another
    connection's lock, in WAL mode (a file) and ``synchronous=NORMAL``. Closed again if a step
    fails: sqlite3.Error as SQLite raises it, StoreError from :func:`enable_wal`."""
    db = sqlite3.connect(
        str(path), timeout=BUSY_TIMEOUT, check_same_thread=False, isolation_level=None
    )
    try:
        db.row_factory = sqlite3.Row
        if str(path) != MEMORY:
            enable_wal(db, path)
        db.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        db.close()
        raise
    return db


@contextmanager
def transaction(
    db: sqlite3.Connection, mode: Literal["IMMEDIATE", "DEFERRED"]
) -> Iterator[sqlite3.Connection]:
    """One transaction on ``db`` (from :func:`connect`), committed when the block ends and
    rolled back if it raises. ``IMMEDIATE`` takes the write lock up front, so two writers never
    deadlock upgrading a read lock; ``DEFERRED`` is a consistent read."""
    db.execute(f"BEGIN {mode}")
    try:
        yield db
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
