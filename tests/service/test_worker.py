"""The worker loop on a real SQLite store, with plain handler functions instead of GitHub: a
job run to done, a permanent error dead at once, a transient one retried with growing backoff
until ``max_attempts``, and the periodic prune of old jobs."""

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

    def handle(job: Job) -> str:
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
    def handle(job: Job) -> str:
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

    def handle(job: Job) -> str:
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
        lambda job: "applied",
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
