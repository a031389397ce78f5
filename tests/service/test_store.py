"""The service's durable queue and state, on both backends: a SQLite file and a real
PostgreSQL server (``postgres_url``: a fresh database per test).

Opening (errors without passwords, schema versions, a dropped connection), then semantics
(dedupe, order, serialization per repository, coalescing, leases and fencing, retries and dead
jobs, periodic resyncs, status, the sync engine's state), then real concurrency: worker threads
and processes that must never run two jobs of one repository at once, processes creating the
schema or asking for resyncs at once, and a worker killed with SIGKILL whose job another worker
takes over once its lease expires.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest

from agentsync.client.api import Client
from agentsync.errors import StoreError
from agentsync.localserver.server import LocalServer
from agentsync.migrations import MigrationError
from agentsync.service import store_base
from agentsync.service.migrations import SQLITE_MIGRATIONS
from agentsync.service.queue import Delivery, NewJob, ServiceStore
from agentsync.service.store_postgres import PostgresServiceStore
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.stores import open_store
from agentsync.service.sync_state import StoredSyncState
from agentsync.sync.apply import apply_plan
from agentsync.sync.model import Action, Plan
from agentsync.urls import redact_url
from tests.localserver.conftest import API_KEY, server
from tests.postgres import PostgresServer
from tests.sync.support import valid_text

__all__ = ["server"]

T = 1_700_000_000.0  # a fixed "now" for the tests that drive the clock
LEASE = 1000.0  # seconds: longer than any test that drives the clock


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The address of an empty service database of each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "service.db")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def store(database: str) -> Iterator[ServiceStore]:
    opened = open_store(database)
    yield opened
    opened.close()


def push(repository: str, **payload: Any) -> NewJob:
    return NewJob("push", repository, payload)


def pull_request(repository: str, number: int, **payload: Any) -> NewJob:
    return NewJob("pull_request", repository, {"number": number, **payload})


def delivery(delivery_id: str, repository: str = "acme/app") -> Delivery:
    return Delivery(delivery_id, "push", None, repository, b'{"ref": "refs/heads/main"}')


# opening ----------------------------------------------------------------------------------


def test_open_store_picks_the_backend(tmp_path: Path, postgres_url: str) -> None:
    sqlite = open_store(tmp_path / "nested" / "service.db")
    postgres = open_store(postgres_url.replace("postgresql://", "postgres://"))
    try:
        assert isinstance(sqlite, SQLiteServiceStore)
        assert isinstance(postgres, PostgresServiceStore)
        sqlite.ping()
        postgres.ping()
    finally:
        sqlite.close()
        postgres.close()


def test_reopening_keeps_the_data(database: str) -> None:
    first = open_store(database)
    job_id = first.enqueue(push("acme/app"))
    first.close()
    second = open_store(database)
    try:
        job = second.get_job(job_id)
        assert job is not None
        assert job.state == "queued"
    finally:
        second.close()


def test_unusable_sqlite_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match="cannot create the database: "):
        open_store(blocker / "service.db")
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"corrupt\.db"):
        open_store(corrupt)


def test_a_newer_schema_is_refused(database: str) -> None:
    open_store(database).close()
    if database.startswith("postgresql://"):
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute("UPDATE schema_version SET version = version + 1")
    else:
        with sqlite3.connect(database) as db:
            db.execute("UPDATE schema_version SET version = version + 1")
        db.close()
    current = len(SQLITE_MIGRATIONS)
    with pytest.raises(
        MigrationError,
        match=rf"schema version {current + 1}, newer than this agentsync's version {current}",
    ):
        open_store(database)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://agent:s3cret-pw@127.0.0.1:1/service",  # nothing listens on port 1
        "postgres://agent:s3cret-pw@127.0.0.1:not-a-port/service",
        "postgresql://agent@127.0.0.1:1/service?password=s3cret-pw&sslmode=disable",
    ],
)
def test_postgres_errors_never_show_the_password(url: str) -> None:
    with pytest.raises(StoreError) as raised:
        open_store(url)
    message = str(raised.value)
    assert "s3cret-pw" not in message
    assert "127.0.0.1" in message
    assert "***" in message


def test_redact_url() -> None:
    assert redact_url("postgresql://u:pw@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert redact_url("postgresql://u@h/db?password=pw&x=1") == (
        "postgresql://u@h/db?password=***&x=1"
    )
    assert redact_url("postgresql://h/db") == "postgresql://h/db"
    assert redact_url("http://u:pw@[::1/x") == "http://***@[::1/x"  # does not parse


# deliveries -------------------------------------------------------------------------------


def test_accept_delivery_dedupes(store: ServiceStore) -> None:
    assert store.accept_delivery(delivery("d-1"), push("acme/app", after="abc"))
    assert not store.accept_delivery(delivery("d-1"), push("acme/app", after="abc"))
    status = store.status()
    assert status.deliveries == 1
    assert status.jobs_by_state == {"queued": 1, "running": 0, "done": 0, "dead": 0}
    job = store.claim("w1", LEASE)
    assert job is not None
    assert (job.kind, job.repository, job.payload) == ("push", "acme/app", {"after": "abc"})
    assert job.delivery_id == "d-1"
    assert job.attempts == 1


def test_accept_delivery_without_a_job_stores_only_the_delivery(store: ServiceStore) -> None:
    assert store.accept_delivery(Delivery("d-ping", "ping", None, None, b"{}"), None)
    assert not store.accept_delivery(Delivery("d-ping", "ping", None, None, b"{}"), None)
    status = store.status()
    assert status.deliveries == 1
    assert sum(status.jobs_by_state.values()) == 0
    assert store.claim("w1", LEASE) is None


def test_concurrent_duplicate_deliveries_are_accepted_once(store: ServiceStore) -> None:
    results: list[bool] = []
    start = threading.Barrier(8)

    def accept() -> None:
        start.wait()
        results.append(store.accept_delivery(delivery("d-dup"), push("acme/app")))

    threads = [threading.Thread(target=accept) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    assert store.status().jobs_by_state["queued"] == 1


# claiming ---------------------------------------------------------------------------------


def test_claim_takes_the_oldest_due_job(store: ServiceStore) -> None:
    first = store.enqueue(push("acme/one"), now=T)
    second = store.enqueue(push("acme/two"), now=T + 1)
    later = store.enqueue(push("acme/three"), now=T + 100)  # run_after = T + 100
    assert store.claim("w", LEASE, now=T - 1) is None  # nothing due yet
    claimed = [store.claim("w", LEASE, now=T + 2) for _ in range(3)]
    assert [job.id if job else None for job in claimed] == [first, second, None]
    job = store.claim("w", LEASE, now=T + 100)
    assert job is not None
    assert job.id == later
    assert job.state == "running"
    assert job.lease_owner == "w"
    assert job.lease_expires_at == pytest.approx(T + 100 + LEASE)


def test_one_repository_runs_one_job_at_a_time(store: ServiceStore) -> None:
    a1 = store.enqueue(pull_request("acme/a", 1), now=T)
    a2 = store.enqueue(pull_request("acme/a", 2), now=T + 1)
    b1 = store.enqueue(pull_request("acme/b", 1), now=T + 2)
    first = store.claim("w1", LEASE, now=T + 3)
    second = store.claim("w2", LEASE, now=T + 3)
    assert (first and first.id, second and second.id) == (a1, b1)
    assert store.claim("w3", LEASE, now=T + 3) is None  # acme/a is busy
    assert store.complete(a1, "w1", "linted", now=T + 4)
    third = store.claim("w3", LEASE, now=T + 5)
    assert third is not None
    assert third.id == a2


def test_claiming_a_sync_job_coalesces_the_other_queued_sync_jobs(store: ServiceStore) -> None:
    s1 = store.enqueue(push("acme/a", after="1"), now=T)
    pr = store.enqueue(pull_request("acme/a", 7), now=T + 1)
    s2 = store.enqueue(push("acme/a", after="2"), now=T + 2)
    s3 = store.enqueue(NewJob("resync", "acme/a", {}), now=T + 3)
    other = store.enqueue(push("acme/b", after="9"), now=T + 4)
    job = store.claim("w", LEASE, now=T + 5)
    assert job is not None
    assert job.id == s3  # the newest of the group: it reads the branch head when it runs
    for retired in (s1, s2):
        found = store.get_job(retired)
        assert found is not None
        assert (found.state, found.attempts) == ("done", 0)
    for untouched in (pr, other):
        found = store.get_job(untouched)
        assert found is not None
        assert found.state == "queued"
    assert store.complete(s3, "w", "applied", now=T + 6)
    next_job = store.claim("w", LEASE, now=T + 7)
    assert next_job is not None
    assert next_job.id == pr  # a pull-request job is not a sync job


def test_claiming_a_pull_request_job_coalesces_that_pull_request_only(
    store: ServiceStore,
) -> None:
    old = store.enqueue(pull_request("acme/a", 5, head="1"), now=T)
    other_pr = store.enqueue(pull_request("acme/a", 6, head="x"), now=T + 1)
    new = store.enqueue(pull_request("acme/a", 5, head="2"), now=T + 2)
    sync = store.enqueue(push("acme/a"), now=T + 3)
    elsewhere = store.enqueue(pull_request("acme/b", 5, head="y"), now=T + 4)
    job = store.claim("w", LEASE, now=T + 5)
    assert job is not None
    assert (job.id, job.payload["head"]) == (new, "2")
    states = {}
    for job_id in (old, other_pr, sync, elsewhere):
        found = store.get_job(job_id)
        assert found is not None
        states[job_id] = found.state
    assert states == {old: "done", other_pr: "queued", sync: "queued", elsewhere: "queued"}


def test_a_job_not_yet_due_is_coalesced_by_a_newer_one(store: ServiceStore) -> None:
    retried = store.enqueue(push("acme/a"), now=T)
    job = store.claim("w", LEASE, now=T)
    assert job is not None
    assert store.fail(retried, "w", "boom", retry_in=600, now=T + 1) == "queued"
    fresh = store.enqueue(push("acme/a"), now=T + 2)
    job = store.claim("w", LEASE, now=T + 3)
    assert job is not None
    assert job.id == fresh
    found = store.get_job(retried)
    assert found is not None
    assert found.state == "done"


# leases -----------------------------------------------------------------------------------


def test_an_expired_lease_is_claimed_again(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/a"), now=T)
    first = store.claim("w1", 10, now=T)
    assert first is not None
    assert first.attempts == 1
    assert store.claim("w2", 10, now=T + 9) is None
    assert store.heartbeat(job_id, "w1", 10, now=T + 9)  # now leased until T + 19
    assert store.claim("w2", 10, now=T + 15) is None
    second = store.claim("w2", 10, now=T + 20)
    assert second is not None
    assert (second.id, second.attempts, second.lease_owner) == (job_id, 2, "w2")


def test_fencing_the_old_owner_changes_nothing(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/a"), now=T)
    assert store.claim("old", 10, now=T) is not None
    taken = store.claim("new", 10, now=T + 11)
    assert taken is not None
    before = store.get_job(job_id)
    assert not store.complete(job_id, "old", "applied", now=T + 12)
    assert store.fail(job_id, "old", "boom", retry_in=5, now=T + 12) is None
    assert store.fail(job_id, "old", "boom", retry_in=None, now=T + 12) is None
    assert not store.heartbeat(job_id, "old", 10, now=T + 12)
    assert store.get_job(job_id) == before
    assert store.heartbeat(job_id, "new", 10, now=T + 12)
    assert store.complete(job_id, "new", "applied", now=T + 13)
    done = store.get_job(job_id)
    assert done is not None
    assert (done.state, done.lease_owner, done.lease_expires_at) == ("done", None, None)
    assert not store.complete(job_id, "new", "applied", now=T + 14)  # only once


def test_an_expired_lease_no_longer_fences_in(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/a"), now=T)
    assert store.claim("w", 10, now=T) is not None
    assert not store.heartbeat(job_id, "w", 10, now=T + 10)
    assert not store.complete(job_id, "w", "applied", now=T + 11)


def test_fail_with_a_retry_requeues_the_job(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/a"), now=T)
    assert store.claim("w", LEASE, now=T) is not None
    assert store.fail(job_id, "w", "control plane 503", retry_in=60, now=T + 1) == "queued"
    assert store.claim("w", LEASE, now=T + 2) is None
    assert store.status(now=T + 2).queue_depth == 0
    again = store.claim("w", LEASE, now=T + 61)
    assert again is not None
    assert (again.id, again.attempts, again.last_error) == (job_id, 2, "control plane 503")


def test_fail_without_a_retry_kills_the_job_until_requeued(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/a"), now=T)
    assert store.claim("w", LEASE, now=T) is not None
    assert store.fail(job_id, "w", "x" * 10_000, retry_in=None, now=T + 1) == "dead"
    assert store.claim("w", LEASE, now=T + 1000) is None
    status = store.status(now=T + 2)
    assert status.jobs_by_state["dead"] == 1
    assert [job.id for job in status.dead] == [job_id]
    assert status.dead[0].last_error is not None
    assert len(status.dead[0].last_error) <= 4000  # a message, not a log
    assert not store.requeue_dead(job_id + 1000)
    assert store.requeue_dead(job_id, now=T + 3)
    assert not store.requeue_dead(job_id, now=T + 3)
    requeued = store.get_job(job_id)
    assert requeued is not None
    assert (requeued.state, requeued.attempts) == ("queued", 0)
    again = store.claim("w", LEASE, now=T + 4)
    assert again is not None
    assert (again.id, again.attempts) == (job_id, 1)


def test_a_discarded_dead_job_is_done_and_never_claimed(store: ServiceStore) -> None:
    job_id = store.enqueue(push("acme/gone"), now=T)
    assert store.claim("w", LEASE, now=T) is not None
    assert not store.discard_dead(job_id, now=T + 1)  # running: not a dead letter
    assert store.fail(job_id, "w", "404: the repository is gone", retry_in=None, now=T + 1)
    assert not store.discard_dead(job_id + 1000)
    assert store.discard_dead(job_id, now=T + 2)
    assert not store.discard_dead(job_id, now=T + 3)
    assert not store.requeue_dead(job_id, now=T + 3)
    discarded = store.get_job(job_id)
    assert discarded is not None
    assert discarded.state == "done"
    assert discarded.last_error == "404: the repository is gone"
    status = store.status(now=T + 4)
    assert (status.dead, status.jobs_by_state.get("dead", 0)) == ([], 0)
    assert store.claim("w", LEASE, now=T + 1000) is None


def test_dead_jobs_are_listed_newest_first(store: ServiceStore) -> None:
    ids = []
    for n in range(3):
        job_id = store.enqueue(push(f"acme/r{n}"), now=T)
        assert store.claim("w", LEASE, now=T) is not None
        assert store.fail(job_id, "w", f"error {n}", retry_in=None, now=T + n) == "dead"
        ids.append(job_id)
    assert [job.id for job in store.status(dead_limit=2).dead] == [ids[2], ids[1]]


# repositories and resyncs -----------------------------------------------------------------


def test_due_resyncs_enqueue_each_repository_once(store: ServiceStore) -> None:
    store.remember_repository("acme/a", 11, now=T)
    store.remember_repository("acme/b", 12, now=T)
    store.remember_repository("acme/c", None, now=T)
    store.enqueue(push("acme/c"), now=T)  # a queued sync job: no resync needed
    assert store.due_resyncs(3600, now=T) == ["acme/a", "acme/b"]
    assert store.due_resyncs(3600, now=T + 1) == []
    while (job := store.claim("w", LEASE, now=T + 2)) is not None:
        assert store.complete(job.id, "w", "applied", now=T + 2)
    assert store.due_resyncs(3600, now=T + 3599) == ["acme/c"]
    assert store.due_resyncs(3600, now=T + 3600) == ["acme/a", "acme/b"]


def test_due_resyncs_from_many_threads(store: ServiceStore) -> None:
    repositories = [f"acme/r{n:02}" for n in range(20)]
    for repository in repositories:
        store.remember_repository(repository, 1)
    results: list[list[str]] = []
    start = threading.Barrier(6)

    def resync() -> None:
        start.wait()
        results.append(store.due_resyncs(3600))

    threads = [threading.Thread(target=resync) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(name for result in results for name in result) == repositories
    assert store.status().jobs_by_state["queued"] == len(repositories)


def test_repositories_in_status(store: ServiceStore) -> None:
    store.remember_repository("acme/a", 11, now=T)
    store.remember_repository("acme/a", None, now=T + 1)  # refreshed: the id stays
    store.record_sync("acme/a", "abc123", "applied", now=T + 2)
    store.record_sync("acme/new", None, "failed", now=T + 3)
    store.due_resyncs(60, now=T + 4)
    a, new = store.status(now=T + 5).repositories
    assert a == ("acme/a", 11, T + 2, "abc123", "applied", T + 4)
    assert new == ("acme/new", None, T + 3, None, "failed", T + 4)


def test_status_counts(store: ServiceStore) -> None:
    empty = store.status()
    assert (empty.queue_depth, empty.oldest_queued_age, empty.deliveries) == (0, None, 0)
    assert store.accept_delivery(delivery("d-1", "acme/a"), push("acme/a"))
    store.enqueue(push("acme/b"), now=T)
    store.enqueue(push("acme/c"), now=T + 50)
    store.enqueue(push("acme/d"), now=T + 10_000)  # not due at T + 100
    running = store.claim("w", LEASE, now=T + 100)
    assert running is not None
    assert running.repository == "acme/b"
    status = store.status(now=T + 100)
    assert status.jobs_by_state == {"queued": 3, "running": 1, "done": 0, "dead": 0}
    assert status.queue_depth == 1  # acme/c; acme/a's job is due only at the wall clock
    assert status.oldest_queued_age == pytest.approx(50)
    assert status.deliveries == 1
    assert status.dead == []


def test_status_shows_each_repositorys_queued_work_and_why_it_waits(store: ServiceStore) -> None:
    """Repositories with queued work show before any worker has claimed one of their jobs, and
    a job waiting to retry shows its error and when it is due again."""
    store.enqueue(push("acme/new"), now=T)
    store.enqueue(push("acme/new", ref="b"), now=T + 1)
    store.enqueue(NewJob("pull_request", "acme/retry", {"number": 7}), now=T + 2)
    job = store.claim("w", LEASE, now=T + 3)
    assert job is not None
    assert job.repository == "acme/new"  # claiming it retires the older one: folded
    job = store.claim("w", LEASE, now=T + 4)
    assert job is not None
    assert job.repository == "acme/retry"
    assert store.fail(job.id, "w", "GitHub answered 502", retry_in=60, now=T + 5) == "queued"
    store.enqueue(push("acme/queued"), now=T + 6)
    status = store.status(now=T + 10)
    assert status.queued == [
        ("acme/queued", 1, T + 6, None, None),
        ("acme/retry", 1, T + 2, "GitHub answered 502", T + 65),
    ]
    assert status.folded == 1
    assert status.jobs_by_state["done"] == 1  # the folded one: done, and counted as folded


# pruning and large tables ----------------------------------------------------------------

WEEK = 7 * 86400.0


def test_prune_deletes_old_finished_rows_only(store: ServiceStore) -> None:
    # accept_delivery stamps deliveries (and their jobs) with the wall clock: W and after.
    w = time.time()
    for name in ("done", "dead", "running", "c1", "c2", "queued"):
        repository = "acme/c" if name in ("c1", "c2") else f"acme/{name}"
        assert store.accept_delivery(delivery(f"d-{name}", repository), push(repository))
    assert store.accept_delivery(Delivery("d-ping", "ping", None, None, b"{}"), None)
    claimed = {}
    for _ in range(4):  # the oldest first: done, dead, running, then c2 (retiring c1)
        job = store.claim("w", 2 * WEEK, now=w + 10)
        assert job is not None
        claimed[job.repository] = job.id
    c1 = claimed["acme/c"] - 1
    assert store.complete(claimed["acme/done"], "w", "applied", now=w + 20)
    assert store.fail(claimed["acme/dead"], "w", "refused", retry_in=None, now=w + 20) == "dead"
    assert store.complete(claimed["acme/c"], "w", "applied", now=w + WEEK + 2000)  # young

    assert store.prune(WEEK, now=w + WEEK - 100) == 0  # everything is younger than a week
    assert not store.accept_delivery(delivery("d-done", "acme/done"), push("acme/done"))

    # Older than a week at w + WEEK + 1000: done and c1 (coalesced into c2) with the
    # deliveries of done, c1, c2 (its job is done, however young) and the ping.
    assert store.prune(WEEK, now=w + WEEK + 1000) == 2 + 4
    assert store.get_job(claimed["acme/done"]) is None
    assert store.get_job(c1) is None
    for kept in ("dead", "running", "c"):
        assert store.get_job(claimed[f"acme/{kept}"]) is not None
    status = store.status()
    assert status.jobs_by_state == {"queued": 1, "running": 1, "done": 1, "dead": 1}
    assert status.deliveries == 3  # those of the dead, running and queued jobs
    assert store.prune(WEEK, now=w + WEEK + 1000) == 0

    # A delivery id is remembered for the retention (and while its job is pending or dead):
    # once pruned, a redelivery is accepted again and queues a new job.
    assert store.accept_delivery(delivery("d-done", "acme/done"), push("acme/done"))
    assert not store.accept_delivery(delivery("d-dead", "acme/dead"), push("acme/dead"))
    assert not store.accept_delivery(delivery("d-queued", "acme/queued"), push("acme/queued"))
    assert store.status().jobs_by_state["queued"] == 2


def test_prune_deletes_in_batches(store: ServiceStore) -> None:
    w = time.time()
    for n in range(7):
        assert store.accept_delivery(delivery(f"d-{n}", f"acme/r{n}"), push(f"acme/r{n}"))
    while (job := store.claim("w", LEASE, now=w + 10)) is not None:
        if job.repository == "acme/r3":  # a dead letter among them keeps its delivery
            assert store.fail(job.id, "w", "refused", retry_in=None, now=w + 10) == "dead"
        else:  # the same time for all: batches must not stop at ties
            assert store.complete(job.id, "w", "applied", now=w + 10)
    assert store.prune(WEEK, now=w + WEEK + 100, batch=2) == 6 + 6
    status = store.status()
    assert status.jobs_by_state == {"queued": 0, "running": 0, "done": 0, "dead": 1}
    assert status.deliveries == 1


# the blob cache --------------------------------------------------------------------------


def test_the_blob_cache_keeps_blobs_by_sha_and_prunes_the_unused(
    store: ServiceStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = {f"{n:040x}": f"ellipsis: {{name: n{n}}}\n".encode() for n in range(1, 1201)}
    assert store.cached_blobs(list(blobs)) == {}
    store.cache_blobs(blobs)
    store.cache_blobs({f"{1:040x}": blobs[f"{1:040x}"]})  # writing one again is fine
    assert store.cached_blobs([*blobs, "f" * 40]) == blobs  # 1,200 shas: read in chunks
    assert store.prune(WEEK) == 0  # all used just now

    # Past the size bound, the least recently used go first.
    size = sum(len(content) for content in blobs.values())
    monkeypatch.setattr(store_base, "MAX_CACHED_BLOB_BYTES", size - 1)
    time.sleep(0.01)
    recent = f"{5:040x}"
    assert store.cached_blobs([recent]) == {recent: blobs[recent]}  # a use
    assert store.prune(WEEK) >= 1
    kept = store.cached_blobs(list(blobs))
    assert recent in kept
    assert len(kept) < len(blobs)

    # Unused for longer than the retention: gone.
    assert store.prune(WEEK, now=time.time() + WEEK + 60) == len(kept)
    assert store.cached_blobs(list(blobs)) == {}


def _insert_done_jobs(database: str, count: int, at: float) -> None:
    """``count`` done jobs and their deliveries, at ``at``, in one statement each."""
    jobs = (
        "INSERT INTO jobs (kind, repository, payload, coalesce_key, state, attempts, "
        "delivery_id, outcome, run_after, created_at, updated_at) "
        "SELECT 'push', 'acme/r' || (i % 100), '{{}}', 'sync', 'done', 1, 'd-' || i, 'applied', "
        "{at}, {at}, {at} FROM {series}"
    )
    deliveries = (
        "INSERT INTO deliveries (delivery_id, event, repository, body, received_at) "
        "SELECT 'd-' || i, 'push', 'acme/r' || (i % 100), {body}, {at} FROM {series}"
    )
    if database.startswith("postgresql://"):
        series = f"generate_series(1, {count}) AS i"
        with psycopg.connect(database, autocommit=True) as connection:
            connection.execute(jobs.format(at=at, series=series).encode())
            body = "'\\x7b7d'::bytea"
            connection.execute(deliveries.format(at=at, series=series, body=body).encode())
        return
    series = (
        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
        f"WHERE i < {count}) SELECT i FROM n)"
    )
    with sqlite3.connect(database) as db:
        db.execute(jobs.format(at=at, series=series))
        db.execute(deliveries.format(at=at, series=series, body="x'7b7d'"))
    db.close()


def _fastest(call: Callable[[], object], times: int = 3) -> float:
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def test_status_claim_and_prune_with_many_done_jobs(store: ServiceStore, database: str) -> None:
    """Sanity bounds (generous: CI machines are slow), not a benchmark."""
    _insert_done_jobs(database, 20_000, T)
    status = store.status()
    assert status.jobs_by_state["done"] == 20_000
    assert status.deliveries == 20_000
    assert _fastest(store.status) < 0.2
    for n in range(3):
        store.enqueue(pull_request("acme/r1", n))

    def claim_and_complete() -> None:
        job = store.claim("w", LEASE)
        assert job is not None
        assert store.complete(job.id, "w", "reported")

    assert _fastest(claim_and_complete) < 0.2
    started = time.perf_counter()
    assert store.prune(WEEK, now=T + WEEK + 1) == 40_000
    assert time.perf_counter() - started < 5
    assert store.status().jobs_by_state["done"] == 3


# the sync engine's state ------------------------------------------------------------------


def test_sync_state_round_trip(store: ServiceStore) -> None:
    assert store.load_sync_state("acme/a") is None
    store.save_sync_state("acme/a", {"errors": {"a.yaml": {"kind": "orphan-error"}}})
    store.save_sync_state("acme/a", {"errors": {}, "last_apply": {"commit": "c2"}})
    store.save_sync_state("acme/b", {"errors": {}})
    assert store.load_sync_state("acme/a") == {"errors": {}, "last_apply": {"commit": "c2"}}
    assert store.load_sync_state("acme/b") == {"errors": {}}


def test_stored_sync_state_with_a_real_apply(store: ServiceStore, server: LocalServer) -> None:
    diagnostics = ({"message": "name is required", "path": "ellipsis.name"},)
    plan = Plan(
        "acme/app",
        "c" * 40,
        (
            Action("create", ".ellipsis/agents/good.yaml", text=valid_text(1)),
            Action("orphan-error", ".ellipsis/agents/bad.yaml", diagnostics=diagnostics),
        ),
    )
    other = StoredSyncState(store, "acme/other")
    other.record_apply("acme/other", "d" * 40, "applied")
    other.save()
    with Client(server.url, API_KEY) as client:
        result = apply_plan(plan, client, StoredSyncState(store, "acme/app"))
    assert result.ok
    reloaded = StoredSyncState(store, "acme/app")
    assert list(reloaded.orphans("acme/app")) == [".ellipsis/agents/bad.yaml"]
    orphan = reloaded.orphans("acme/app")[".ellipsis/agents/bad.yaml"]
    assert (orphan["commit"], orphan["diagnostics"]) == ("c" * 40, list(diagnostics))
    last = reloaded.last_apply("acme/app")
    assert last is not None
    assert (last["commit"], last["outcome"]) == ("c" * 40, "applied")
    # Each state saves its own repository only: acme/other's entry is untouched.
    assert reloaded.last_apply("acme/other") is None
    other_again = StoredSyncState(store, "acme/other")
    other_last = other_again.last_apply("acme/other")
    assert other_last is not None
    assert other_last["commit"] == "d" * 40
    assert StoredSyncState(store, "acme/never").errors("acme/never") == {}


# real processes ---------------------------------------------------------------------------


class Barrier(Protocol):
    """A ``threading.Barrier``, or a ``multiprocessing`` one."""

    def wait(self, timeout: float | None = None) -> int: ...


def _work(
    store: ServiceStore, worker_id: str, journal: str, deadline: float, start: Barrier
) -> None:
    """A worker: once every worker is ready (so a slow start under load does not leave one
    worker all the jobs), claim, "work" a few ms, complete, until the queue is drained,
    writing (job, repository, start, end) of every job it ran to ``journal``."""
    start.wait(timeout=30)
    with open(journal, "w", encoding="utf-8") as out:
        while time.monotonic() < deadline:
            job = store.claim(worker_id, LEASE)
            if job is None:
                counts = store.status().jobs_by_state
                if counts["queued"] == 0 and counts["running"] == 0:
                    break
                time.sleep(0.002)
                continue
            start = time.monotonic()
            time.sleep(0.004)
            end = time.monotonic()
            out.write(json.dumps([job.id, job.repository, start, end]) + "\n")
            assert store.complete(job.id, worker_id, "applied")


def _worker_process(
    database: str, worker_id: str, journal: str, deadline: float, start: Barrier
) -> None:
    store = open_store(database)
    _work(store, worker_id, journal, deadline, start)
    store.close()


class Workload:
    """60 jobs over 5 repositories: pull requests (none coalesce) and a few pushes."""

    repositories = tuple(f"acme/r{n}" for n in range(5))

    def __init__(self, store: ServiceStore, tmp_path: Path, workers: int) -> None:
        self.store = store
        self.pull_requests: set[int] = set()
        self.pushes: set[int] = set()
        for n in range(60):
            repository = self.repositories[n % 5]
            if n % 6 == 5:
                self.pushes.add(store.enqueue(push(repository, n=n)))
            else:
                self.pull_requests.add(store.enqueue(pull_request(repository, n)))
        self.journals = [tmp_path / f"worker-{n}.jsonl" for n in range(workers)]
        self.deadline = time.monotonic() + 30

    def check(self) -> None:
        """Every job done exactly once (a push possibly coalesced instead), by more than one
        worker, and never two jobs of one repository at once."""
        runs = [
            json.loads(line) for path in self.journals for line in path.read_text().splitlines()
        ]
        ran = Counter(job_id for job_id, *_ in runs)
        assert ran
        assert max(ran.values()) == 1  # no job ran twice
        assert self.pull_requests <= set(ran)
        assert set(ran) <= self.pull_requests | self.pushes
        for job_id in self.pull_requests | self.pushes:
            job = self.store.get_job(job_id)
            assert job is not None
            assert job.state == "done"
            assert job.attempts == (1 if job_id in ran else 0)
        assert sum(1 for path in self.journals if path.read_text()) > 1
        for repository in self.repositories:
            intervals = sorted((start, end) for _, name, start, end in runs if name == repository)
            for (_, end), (start, _) in itertools.pairwise(intervals):
                assert end <= start, f"two jobs of {repository} ran at once"


def test_worker_processes_serialize_each_repository(database: str, tmp_path: Path) -> None:
    store = open_store(database)
    workload = Workload(store, tmp_path, workers=4)
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(len(workload.journals))
    processes = [
        context.Process(
            target=_worker_process,
            args=(database, f"worker-{n}", str(journal), workload.deadline, start),
        )
        for n, journal in enumerate(workload.journals)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=40)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    workload.check()
    store.close()


def test_worker_threads_share_one_store(store: ServiceStore, tmp_path: Path) -> None:
    workload = Workload(store, tmp_path, workers=4)
    start = threading.Barrier(len(workload.journals))
    threads = [
        threading.Thread(
            target=_work, args=(store, f"thread-{n}", str(journal), workload.deadline, start)
        )
        for n, journal in enumerate(workload.journals)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=40)
    workload.check()


def test_a_dropped_connection_is_reopened(postgres_server: PostgresServer) -> None:
    store = open_store(postgres_server.create_database())
    store.ping()
    with psycopg.connect(postgres_server.admin_url, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'agentsync'"
        )
    with pytest.raises(StoreError, match="terminating connection"):
        store.ping()
    store.ping()
    assert store.enqueue(push("acme/a")) == 1
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.ping()


OPEN_SCRIPT = """
import sys, time
from agentsync.service.queue import NewJob
from agentsync.service.stores import open_store
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
store = open_store(sys.argv[1])
store.enqueue(NewJob("push", "acme/a", {}))
store.close()
"""


def test_processes_create_the_schema_at_once(database: str) -> None:
    start = time.time() + 1.0  # once every process is up
    processes = [
        subprocess.Popen([sys.executable, "-c", OPEN_SCRIPT, database, str(start)])
        for _ in range(4)
    ]
    assert [process.wait(timeout=30) for process in processes] == [0, 0, 0, 0]
    store = open_store(database)
    assert store.status().jobs_by_state["queued"] == 4
    store.close()


RESYNC_SCRIPT = """
import json, sys, time
from agentsync.service.stores import open_store
store = open_store(sys.argv[1])
while time.time() < float(sys.argv[2]):
    time.sleep(0.001)
print(json.dumps(store.due_resyncs(3600)))
store.close()
"""


def test_due_resyncs_from_many_processes(database: str) -> None:
    store = open_store(database)
    repositories = [f"acme/r{n:02}" for n in range(30)]
    for repository in repositories:
        store.remember_repository(repository, 1)
    start = time.time() + 1.5  # once every process is up
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", RESYNC_SCRIPT, database, str(start)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=30)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0]
    enqueued = [name for output in outputs for name in json.loads(output)]
    assert sorted(enqueued) == repositories
    assert store.status().jobs_by_state["queued"] == len(repositories)
    store.close()


DOOMED_SCRIPT = """
import sys, time
from agentsync.service.stores import open_store
store = open_store(sys.argv[1])
job = store.claim("doomed", float(sys.argv[2]))
print(job.id if job else "none", flush=True)
time.sleep(60)
"""


def test_a_killed_workers_job_is_taken_over(database: str) -> None:
    store = open_store(database)
    job_id = store.enqueue(push("acme/a"))
    lease = 1.0
    doomed = subprocess.Popen(
        [sys.executable, "-c", DOOMED_SCRIPT, database, str(lease)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert doomed.stdout is not None
    assert doomed.stdout.readline().strip() == str(job_id)
    claimed_by = time.time()
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(timeout=10)
    doomed.stdout.close()
    running = store.get_job(job_id)  # the claim was committed before the kill
    assert running is not None
    assert (running.state, running.lease_owner, running.attempts) == ("running", "doomed", 1)
    taken = None
    deadline = time.monotonic() + 10
    while taken is None and time.monotonic() < deadline:
        taken = store.claim("survivor", LEASE)
        time.sleep(0.05)
    assert taken is not None
    assert time.time() - claimed_by >= lease - 0.1
    assert (taken.id, taken.attempts, taken.lease_owner) == (job_id, 2, "survivor")
    assert store.complete(job_id, "survivor", "applied")
    done = store.get_job(job_id)
    assert done is not None
    assert done.state == "done"
    store.close()


def test_postgres_tells_listeners_of_every_queued_job(postgres_url: str) -> None:
    listener_store, other_process = open_store(postgres_url), open_store(postgres_url)
    woken = threading.Semaphore(0)
    stop = threading.Event()
    listener = threading.Thread(target=listener_store.listen, args=(woken.release, stop))
    listener.start()
    try:
        assert woken.acquire(timeout=5)  # once on connecting: jobs queued while no one listened
        other_process.enqueue(push("acme/app"))
        assert woken.acquire(timeout=5)
        other_process.accept_delivery(delivery("d-1"), push("acme/other"))
        assert woken.acquire(timeout=5)
        other_process.accept_delivery(delivery("d-2"), None)  # no job: no wake-up
        assert not woken.acquire(timeout=1.5)
    finally:
        stop.set()
        listener.join(timeout=5)
        listener_store.close()
        other_process.close()
    assert not listener.is_alive()


def test_sqlite_listen_returns_at_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "service.db")
    started = time.monotonic()
    store.listen(lambda: None, threading.Event())
    assert time.monotonic() - started < 1
    store.close()


def test_forgotten_and_blocked_repositories_are_not_resynced(store: ServiceStore) -> None:
    for repository in ("acme/kept", "acme/gone", "acme/blocked"):
        store.remember_repository(repository, 42, now=100.0)
    store.save_sync_state("acme/gone", {"errors": {}})
    store.record_sync("acme/blocked", None, "blocked", now=100.0)
    store.forget_repository("acme/gone")
    store.forget_repository("acme/never-known")  # no error
    assert store.load_sync_state("acme/gone") is None
    assert sorted(r.repository for r in store.status().repositories) == [
        "acme/blocked",
        "acme/kept",
    ]
    assert store.due_resyncs(60.0, now=1000.0) == ["acme/kept"]
    job = store.claim("w", 30)
    assert job is not None
    assert (job.kind, job.repository, job.payload) == (
        "resync",
        "acme/kept",
        {"installation_id": 42},
    )


# both backends, answer for answer ---------------------------------------------------------


def test_repositories_keep_their_installation_and_last_sync(store: ServiceStore) -> None:
    store.remember_repository("acme/a", 42, now=T)
    store.remember_repository("acme/a", None, now=T + 1)  # a later delivery without one
    store.record_sync("acme/a", "c1", "applied", now=T + 2)
    store.record_sync("acme/new", None, "failed", now=T + 3)  # a sync before any delivery
    (kept, new) = store.status(now=T + 4).repositories
    assert (kept.repository, kept.installation_id) == ("acme/a", 42)
    assert (kept.last_sync_at, kept.last_sync_commit, kept.last_sync_outcome) == (
        T + 2,
        "c1",
        "applied",
    )
    assert (new.repository, new.installation_id, new.last_sync_outcome) == (
        "acme/new",
        None,
        "failed",
    )


def test_a_job_reads_back_as_it_was_stored(store: ServiceStore) -> None:
    assert store.get_job(1) is None
    payload = {"number": 7, "head": {"sha": "abc"}, "labels": ["x", "ü"]}
    job_id = store.enqueue(pull_request("acme/a", **payload), now=T)
    job = store.get_job(job_id)
    assert job is not None
    assert (job.kind, job.repository, job.payload, job.state, job.attempts) == (
        "pull_request",
        "acme/a",
        {"number": 7, **payload},
        "queued",
        0,
    )
    assert (job.run_after, job.created_at, job.updated_at, job.lease_expires_at) == (
        T,
        T,
        T,
        None,
    )
    assert all(isinstance(stamp, float) for stamp in (job.run_after, job.created_at))


def test_without_a_given_time_the_clock_is_now(store: ServiceStore) -> None:
    before = time.time()
    job_id = store.enqueue(push("acme/a"))
    job = store.get_job(job_id)
    assert job is not None
    assert before - 5 <= job.created_at <= time.time() + 5  # the database server's clock
    claimed = store.claim("w", 30)
    assert claimed is not None
    assert claimed.id == job_id
    assert claimed.lease_expires_at is not None
    assert claimed.lease_expires_at - claimed.updated_at == pytest.approx(30)
    assert store.complete(job_id, "w", "applied")


def _script(store: ServiceStore) -> list[object]:
    """One day of a service's life with a fixed clock: every answer the store gives."""
    answers: list[object] = []
    answers.append(store.accept_delivery(delivery("d1", "acme/a"), push("acme/a", after="c1")))
    answers.append(store.accept_delivery(delivery("d1", "acme/a"), push("acme/a", after="c1")))
    answers.append(store.accept_delivery(delivery("d2", "acme/b"), None))
    answers.append(store.enqueue(push("acme/a", after="c2"), now=T + 1))
    answers.append(store.enqueue(pull_request("acme/b", 7), now=T + 2))
    store.remember_repository("acme/c", 9, now=T)
    answers.append(store.claim("w1", 60, now=T + 3))
    answers.append(store.claim("w2", 60, now=T + 3))
    answers.append(store.claim("w3", 60, now=T + 3))
    answers.append(store.heartbeat(2, "w1", 60, now=T + 30))
    answers.append(store.complete(2, "w1", "applied", now=T + 40))
    answers.append(store.fail(3, "w2", "GitHub 502", retry_in=30, now=T + 41))
    answers.append(store.due_resyncs(3600, now=T + 50))
    answers.append(store.claim("w1", 60, now=T + 80))
    answers.append(store.get_job(3))
    store.save_sync_state("acme/a", {"errors": {}, "last_apply": {"commit": "c2"}})
    answers.append(store.load_sync_state("acme/a"))
    store.cache_blobs({"a" * 40: b"ellipsis: {}\n"})
    answers.append(store.cached_blobs(["a" * 40, "b" * 40]))
    answers.append(store.status(now=T + 90))
    answers.append(store.prune(60, now=T + 120, batch=1))
    answers.append(store.status(now=T + 120))
    return answers


def test_both_backends_give_the_same_answers(tmp_path: Path, postgres_url: str) -> None:
    """The shared behaviour, call for call: SQLite and PostgreSQL answer alike."""
    answers = []
    for database in (str(tmp_path / "service.db"), postgres_url):
        store = open_store(database)
        try:
            answers.append(_script(store))
        finally:
            store.close()
    sqlite_answers, postgres_answers = answers
    steps = zip(sqlite_answers, postgres_answers, strict=True)
    for step, (on_sqlite, on_postgres) in enumerate(steps):
        assert on_sqlite == on_postgres, f"step {step}"
