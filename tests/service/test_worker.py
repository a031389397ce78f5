"""The worker loop on a real SQLite store, with plain handler functions instead of GitHub: a
job run to done, a permanent error dead at once, a transient one retried with growing backoff
until ``max_attempts``, a lost lease stopping the handler before its next write, a job whose
workers keep dying sent to the dead letters, and the periodic prune of old jobs."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentsync.service.jobs import PermanentJobError
from agentsync.service.metrics import Metrics
from agentsync.service.queue import Job, NewJob
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.worker import PRUNE_INTERVAL, Worker, WorkerSettings

WEEK = 7 * 86400.0
FAST = WorkerSettings(
    lease_seconds=30.0,
    poll_interval=0.01,
    max_attempts=3,
    backoff_base=0.15,
    backoff_cap=0.25,
    resync_interval=None,
    retention=None,
)


class PruneRecorder(SQLiteServiceStore):
    """The SQLite store, remembering the retention of every prune."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.prunes: list[float] = []

    def prune(self, older_than: float, *, now: float | None = None, batch: int = 5000) -> int:
        self.prunes.append(older_than)
        return super().prune(older_than, now=now, batch=batch)


class Ceiling(random.Random):
    """Jitter that always picks the ceiling: the backoff itself."""

    def uniform(self, a: float, b: float) -> float:
        return b


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PruneRecorder]:
    opened = PruneRecorder(tmp_path / "service.db")
    yield opened
    opened.close()


def finished(metrics: Metrics, kind: str, outcome: str) -> float | None:
    return metrics.registry.get_sample_value(
        "agentsync_jobs_finished_total", {"kind": kind, "outcome": outcome}
    )


def run_until(worker: Worker, done: Callable[[], bool], timeout: float = 5.0) -> None:
    """``worker.run`` in a thread until ``done()``."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the worker did not get there in time"
            time.sleep(0.01)
    finally:
        stop.set()
        worker.wakeup.set()
        thread.join(timeout=5)
    assert not thread.is_alive()


def old_done_job(store: SQLiteServiceStore, repository: str) -> int:
    """A job that finished eight days ago."""
    at = time.time() - 8 * 86400
    job_id = store.enqueue(NewJob("push", repository, {}), now=at)
    assert store.claim("old", 30, now=at) is not None
    assert store.complete(job_id, "old", "applied", now=at)
    return job_id


def test_a_job_runs_to_done(store: PruneRecorder) -> None:
    ran: list[Job] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        ran.append(job)
        return "applied"

    metrics = Metrics()
    job_id = store.enqueue(NewJob("push", "acme/a", {"after": "abc"}))
    worker = Worker(store, handle, metrics, FAST, worker_id="w")
    run_until(worker, lambda: getattr(store.get_job(job_id), "state", None) == "done")
    assert [(job.id, job.payload, job.attempts) for job in ran] == [(job_id, {"after": "abc"}, 1)]
    done = store.get_job(job_id)
    assert done is not None
    assert (done.attempts, done.lease_owner, done.last_error) == (1, None, None)
    assert finished(metrics, "push", "applied") == 1
    assert store.prunes == []  # retention None: never


def test_a_permanent_error_is_dead_at_once(store: PruneRecorder) -> None:
    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        raise PermanentJobError("refused: the commit is older than the last applied one")

    metrics = Metrics()
    job_id = store.enqueue(NewJob("push", "acme/a", {}))
    worker = Worker(store, handle, metrics, FAST, worker_id="w")
    assert worker.run_once() is not None
    dead = store.get_job(job_id)
    assert dead is not None
    assert (dead.state, dead.attempts) == ("dead", 1)
    assert dead.last_error == (
        "PermanentJobError: refused: the commit is older than the last applied one"
    )
    assert [job.id for job in store.status().dead] == [job_id]
    assert finished(metrics, "push", "dead") == 1


def test_a_transient_error_retries_with_backoff_then_dies(store: PruneRecorder) -> None:
    calls: list[int] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        calls.append(job.attempts)
        raise RuntimeError("control plane 503")

    metrics = Metrics()
    job_id = store.enqueue(NewJob("pull_request", "acme/a", {"number": 7}))
    worker = Worker(store, handle, metrics, FAST, worker_id="w", rng=Ceiling())
    delays = []
    for attempt in (1, 2):
        assert worker.run_once() is not None
        job = store.get_job(job_id)
        assert job is not None
        assert (job.state, job.attempts) == ("queued", attempt)
        delays.append(job.run_after - job.updated_at)
        assert worker.run_once() is None  # backing off
        time.sleep(max(0.0, job.run_after - time.time()))
    assert delays == pytest.approx([0.15, 0.25])  # base, then doubled up to the cap
    assert worker.run_once() is not None
    dead = store.get_job(job_id)
    assert dead is not None
    assert (dead.state, dead.attempts, dead.last_error) == (
        "dead",
        3,
        "RuntimeError: control plane 503",
    )
    assert calls == [1, 2, 3]
    assert (
        finished(metrics, "pull_request", "retry"),
        finished(metrics, "pull_request", "dead"),
    ) == (
        2,
        1,
    )


def test_the_worker_prunes_every_ten_minutes(store: PruneRecorder) -> None:
    first = old_done_job(store, "acme/a")
    worker = Worker(
        store,
        lambda job, check_lease: "applied",
        Metrics(),
        dataclasses.replace(FAST, retention=WEEK),
        worker_id="w",
    )
    run_until(worker, lambda: store.get_job(first) is None)  # on its first pass
    assert store.prunes == [WEEK]
    second = old_done_job(store, "acme/b")
    worker.prune()
    assert store.prunes == [WEEK]  # not again within ten minutes
    assert store.get_job(second) is not None
    worker._last_prune -= PRUNE_INTERVAL
    worker.prune()
    assert store.prunes == [WEEK, WEEK]
    assert store.get_job(second) is None


class FailingHeartbeats(SQLiteServiceStore):
    """Heartbeats raise, as in a database outage; everything else works."""

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        raise OSError("the database is unreachable")


def test_a_worker_that_cannot_renew_its_lease_stops_before_its_next_write(
    tmp_path: Path,
) -> None:
    store = FailingHeartbeats(tmp_path / "service.db")
    writes: list[float] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        for _ in range(100):  # a long job: one write every 50 ms
            check_lease()
            writes.append(time.monotonic())
            time.sleep(0.05)
        return "applied"

    job_id = store.enqueue(NewJob("push", "acme/a", {}))
    settings = dataclasses.replace(FAST, lease_seconds=1.0)
    started = time.monotonic()
    Worker(store, handle, Metrics(), settings, worker_id="w").run_once()
    assert writes
    assert writes[-1] - started < 1.0  # no write after the lease would have expired
    assert len(writes) < 100
    # Meanwhile another worker could claim it, and the first one changed nothing.
    time.sleep(max(0.0, started + 1.05 - time.monotonic()))
    taken = store.claim("w2", 30)
    assert taken is not None
    assert (taken.id, taken.attempts) == (job_id, 2)
    store.close()


def test_a_job_whose_workers_keep_dying_becomes_a_dead_letter(store: PruneRecorder) -> None:
    job_id = store.enqueue(NewJob("push", "acme/a", {}))
    for attempt in range(FAST.max_attempts):  # each claimer dies: the lease just expires
        claimed = store.claim(f"dead-{attempt}", 0.01)
        assert claimed is not None
        time.sleep(0.02)
    ran: list[int] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        ran.append(job.id)
        return "applied"

    assert Worker(store, handle, Metrics(), FAST, worker_id="w").run_once() is not None
    dead = store.get_job(job_id)
    assert dead is not None
    assert dead.state == "dead"
    assert dead.last_error == f"LeaseLost: claimed {FAST.max_attempts + 1} times without finishing"
    assert ran == []


def test_heartbeat_threads_do_not_leak_database_connections(postgres_url: str) -> None:
    import psycopg

    from agentsync.service.stores import open_store

    store = open_store(postgres_url)

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        time.sleep(0.25)  # long enough for two heartbeats, each on the job's own thread
        return "applied"

    settings = dataclasses.replace(FAST, lease_seconds=0.3)
    worker = Worker(store, handle, Metrics(), settings, worker_id="w")
    for n in range(12):
        store.enqueue(NewJob("push", f"acme/r{n}", {}))
        assert worker.run_once() is not None
    with psycopg.connect(postgres_url) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = 'agentsync' AND datname = current_database()"
        ).fetchone()
    store.close()
    assert row is not None
    assert row[0] <= 3  # this thread's, and at most the last heartbeat threads' (not 12+)
