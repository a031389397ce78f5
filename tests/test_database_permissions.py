"""The SQLite files of both servers' stores (the control plane's and the service's) are their
owner's alone: created 0600 with their -wal and -shm files, and an existing file open to others
is tightened with one warning line. The process umask is left as it was."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentsync.errors import StoreError
from agentsync.localserver.store import SQLiteStore
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.sqlite_files import LOG


def open_control_plane(path: Path) -> SQLiteStore | SQLiteServiceStore:
    store = SQLiteStore(path)
    store.set_repository_commit("acme/app", "abc123")  # a write: SQLite makes its WAL files
    return store


def open_service(path: Path) -> SQLiteStore | SQLiteServiceStore:
    store = SQLiteServiceStore(path)
    store.save_sync_state("acme/app", {"commit": "abc123"})
    return store


Opener = Callable[[Path], SQLiteStore | SQLiteServiceStore]


@pytest.fixture(params=[open_control_plane, open_service])
def open_store(request: pytest.FixtureRequest) -> Opener:
    opener: Opener = request.param
    return opener


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def beside(database: Path, end: str) -> Path:
    return database.with_name(database.name + end)


@pytest.fixture
def warnings() -> Iterator[list[str]]:
    """The warning lines of the files module (caught at its logger: another test's logging
    setup may stop them from reaching the root logger)."""
    lines: list[str] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    LOG.addHandler(handler)
    yield lines
    LOG.removeHandler(handler)


def test_a_new_database_and_its_wal_files_are_the_owners_alone(
    tmp_path: Path, open_store: Opener, warnings: list[str]
) -> None:
    database = tmp_path / "new" / "store.db"
    previous = os.umask(0o022)
    try:
        store = open_store(database)
        try:
            files = [database, beside(database, "-wal"), beside(database, "-shm")]
            assert [mode(file) for file in files] == [0o600] * 3
        finally:
            store.close()
        assert os.umask(0o022) == 0o022  # untouched: other files keep their usual mode
        other = tmp_path / "other.txt"
        other.write_text("not a database")
        assert mode(other) == 0o644
    finally:
        os.umask(previous)
    assert warnings == []


def test_an_existing_database_open_to_others_is_tightened_with_a_warning(
    tmp_path: Path, open_store: Opener, warnings: list[str]
) -> None:
    database = tmp_path / "store.db"
    open_store(database).close()
    database.chmod(0o644)
    stale_wal = beside(database, "-wal")
    stale_wal.write_bytes(b"")
    stale_wal.chmod(0o666)
    store = open_store(database)
    try:
        assert (mode(database), mode(stale_wal)) == (0o600, 0o600)
        assert mode(beside(database, "-shm")) == 0o600
    finally:
        store.close()
    assert warnings == [
        f"{database}: was open to its group or others (mode 0644); now 0600",
        f"{stale_wal}: was open to its group or others (mode 0666); now 0600",
    ]


def test_a_private_database_is_left_as_it_is(
    tmp_path: Path, open_store: Opener, warnings: list[str]
) -> None:
    database = tmp_path / "store.db"
    open_store(database).close()
    database.chmod(0o700)
    open_store(database).close()
    assert mode(database) == 0o700
    assert warnings == []


def test_a_file_that_is_not_a_database_is_left_as_it_is(
    tmp_path: Path, open_store: Opener, warnings: list[str]
) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database " * 100)
    junk.chmod(0o644)
    with pytest.raises(StoreError, match=r"notes\.txt"):
        open_store(junk)
    assert mode(junk) == 0o644
    assert warnings == []
