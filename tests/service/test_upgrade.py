"""Upgrading the service's database, SQLite and PostgreSQL: the ones agentsync 0.1.0 wrote
(deliveries; queued, done and dead jobs; repositories; a sync state) open with this code,
every record reads back as 0.1.0 read it, ``agent serve status`` still shows the queued
jobs (and says that it migrated the database), ``agent serve migrate --check`` exits 0, and
new writes work.

The fixtures were written by 0.1.0 itself: ``scripts/make_upgrade_fixtures.py`` (the
PostgreSQL one as a ``pg_dump``, restored here into the test server with ``psql``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agentsync.service.migrations import SQLITE_MIGRATIONS
from agentsync.service.queue import Delivery, Job, NewJob, ServiceStore
from agentsync.service.stores import open_store
from tests.conftest import FIXTURES, run_agent
from tests.postgres import PostgresServer

RELEASE_0_1_0 = FIXTURES / "upgrade" / "0.1.0"
EXPECTED = json.loads((RELEASE_0_1_0 / "expected.json").read_text())
T0 = 1_800_000_000.0  # the fixtures' clock (see the script that wrote them)
# Job fields that 0.1.0 did not have, and the value each of its jobs reads back with.
JOB_FIELDS_SINCE_0_1_0 = {"payload_error": None}


def _restore(server: PostgresServer, dump: Path) -> str:
    url = server.create_database()
    restored = subprocess.run(
        [str(server.bindir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-f", str(dump), url],
        capture_output=True,
        text=True,
        check=False,
    )
    assert restored.returncode == 0, restored.stderr
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def release_database(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, dict[str, Any]]:
    """A database 0.1.0 wrote, and what 0.1.0 read back from it."""
    if request.param == "sqlite":
        shutil.copy(RELEASE_0_1_0 / "service.db", tmp_path / "service.db")
        return str(tmp_path / "service.db"), EXPECTED["service_sqlite"]
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = _restore(server, RELEASE_0_1_0 / "service-postgres.sql")
    return url, EXPECTED["service_postgres"]


def _as_0_1_0(job: Job) -> dict[str, Any]:
    """The job as 0.1.0 read it back: the fields it had (each newer one at its value here)."""
    fields = job._asdict()
    for name, value in JOB_FIELDS_SINCE_0_1_0.items():
        assert fields.pop(name) == value, name
    return fields


def _read_back(store: ServiceStore) -> dict[str, Any]:
    status = store.status(now=T0 + 10)
    jobs = [store.get_job(job_id) for job_id in range(1, 10)]
    as_json: dict[str, Any] = json.loads(
        json.dumps(
            {
                "jobs": [_as_0_1_0(job) for job in jobs if job is not None],
                "status": {
                    "jobs_by_state": status.jobs_by_state,
                    "queue_depth": status.queue_depth,
                    "dead": [_as_0_1_0(job) for job in status.dead],
                    "repositories": [r._asdict() for r in status.repositories],
                    "deliveries": status.deliveries,
                },
                "sync_states": {"acme/done": store.load_sync_state("acme/done")},
            }
        )
    )
    return as_json


def test_the_fixtures_hold_every_kind_of_record() -> None:
    for backend in ("service_sqlite", "service_postgres"):
        status = EXPECTED[backend]["status"]
        assert status["jobs_by_state"] == {"queued": 2, "running": 0, "done": 1, "dead": 1}
        assert status["deliveries"] == 3
        assert EXPECTED[backend]["sync_states"]["acme/done"]["errors"]


def test_a_0_1_0_database_reads_back_unchanged(release_database: tuple[str, Any]) -> None:
    database, expected = release_database
    store = open_store(database)
    try:
        assert _read_back(store) == expected
        assert store.schema_status().is_current
    finally:
        store.close()


def test_a_0_1_0_database_takes_new_writes(release_database: tuple[str, Any]) -> None:
    database, _ = release_database
    store = open_store(database)
    try:
        delivery = Delivery("delivery-new", "push", None, "acme/new", b"{}")
        assert store.accept_delivery(delivery, NewJob("push", "acme/new", {"after": "1" * 40}))
        assert not store.accept_delivery(delivery, None)  # still deduplicated
        claimed = store.claim("worker-new", 60, now=T0 + 20)
        assert claimed is not None
        assert store.complete(claimed.id, "worker-new", "applied", now=T0 + 21)
        store.save_sync_state("acme/new", {"errors": {}})
        assert store.load_sync_state("acme/new") == {"errors": {}}
        store.cache_blobs({"a" * 40: b"ellipsis: {}\n"})  # the blob cache came with 0002
        assert store.cached_blobs(["a" * 40, "b" * 40]) == {"a" * 40: b"ellipsis: {}\n"}
        assert store.requeue_dead(EXPECTED["service_sqlite"]["status"]["dead"][0]["id"])
    finally:
        store.close()


def test_serve_status_still_shows_the_queued_jobs(release_database: tuple[str, Any]) -> None:
    database, _ = release_database
    shown = run_agent("serve", "status", "--json", "--database", database)
    assert shown.returncode == 0, shown.stderr
    status = json.loads(shown.stdout)
    assert status["jobs_by_state"]["queued"] == 2
    assert status["queue_depth"] >= 1  # the push accepted when the fixture was written
    assert [job["repository"] for job in status["dead"]] == ["acme/dead"]
    # Opening it migrated it, which only a backup undoes: the command says so, once.
    assert "migrated from schema version 1 to 2 (0002_blob_cache)" in shown.stderr
    again = run_agent("serve", "status", "--database", database)
    assert again.returncode == 0, again.stderr
    assert "migrated" not in again.stderr


def test_serve_migrate_check_exits_0_after_the_service_opened_it(
    release_database: tuple[str, Any],
) -> None:
    database, _ = release_database
    open_store(database).close()
    if database.startswith("postgresql://"):  # trust auth: the password is only carried
        database += "?password=s3cret-pw"
    checked = run_agent("serve", "migrate", "--database", database, "--check")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip().endswith(f"schema version {len(SQLITE_MIGRATIONS)}, current")
    assert "s3cret-pw" not in checked.stdout
    if "password" in database:
        assert "password=***" in checked.stdout


def test_serve_migrate_uses_the_serve_groups_database(release_database: tuple[str, Any]) -> None:
    database, _ = release_database
    pending = run_agent("serve", "--database", database, "migrate", "--check")
    assert pending.returncode == 1, pending.stderr
    assert "needs 1 migration to reach version 2: 0002_blob_cache" in pending.stdout
    migrated = run_agent("serve", "--database", database, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert run_agent("serve", "--database", database, "migrate", "--check").returncode == 0
    again = run_agent("serve", "--database", database, "migrate")
    assert "current; nothing to do" in again.stdout


def test_serve_migrate_check_exits_2_when_the_database_is_unreachable() -> None:
    url = "postgresql://agent:s3cret-pw@127.0.0.1:1/service"  # nothing listens on port 1
    failed = run_agent("serve", "migrate", "--database", url, "--check")
    assert failed.returncode == 2
    assert failed.stderr.count("\n") == 1
    assert "s3cret-pw" not in failed.stderr
