"""The worker loop on a real SQLite store, with plain handler functions instead of GitHub: a
job run to done, a permanent error dead at once, a transient one retried with growing backoff
until ``max_attempts``, a lost lease stopping the handler before its next write, a job whose
workers keep dying sent to the dead letters, the periodic prune of old jobs, and database
outages: logged once, tried again with backoff, a job's outcome recorded once the database is
back (or left to the next attempt once the lease is gone)."""

from __future__ import annotations

import dataclasses
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agentsync.service.jobs import PermanentJobError
from agentsync.service.metrics import Metrics
from agentsync.service.queue import Job, NewJob
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.worker import PRUNE_INTERVAL, Worker
from agentsync.service.worker_settings import WorkerSettings
from tests.service.support import Outages, wait_for

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
    expires: list[float] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        assert job.lease_expires_at is not None
        expires.append(job.lease_expires_at)
        for _ in range(100):  # a long job: one write every 50 ms
            asked = time.time()  # the time of the check, not of the write after it
            check_lease()
            writes.append(asked)
            time.sleep(0.05)
        return "applied"

    job_id = store.enqueue(NewJob("push", "acme/a", {}))
    settings = dataclasses.replace(FAST, lease_seconds=1.0)
    Worker(store, handle, Metrics(), settings, worker_id="w").run_once()
    assert writes
    assert writes[-1] < expires[0]  # no write after the store's lease expired
    assert len(writes) < 100
    # Once the lease has expired, another worker takes the job over.
    taken = None
    deadline = time.monotonic() + 15
    while taken is None:
        assert time.monotonic() < deadline, "no other worker could claim the job"
        time.sleep(0.02)
        taken = store.claim("w2", 30)
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


@pytest.mark.parametrize(
    ("stored", "why"),
    [
        ("{broken", "its stored payload is not JSON"),
        ("[1, 2]", "its stored payload is not a JSON object but list"),
    ],
)
def test_a_job_whose_stored_payload_cannot_be_read_is_a_dead_letter_at_once(
    store: PruneRecorder, tmp_path: Path, stored: str, why: str
) -> None:
    """It used to fail every claim in the loop, the job left running and claimed again each
    lease, forever; the other jobs run on."""
    unreadable = store.enqueue(NewJob("push", "acme/a", {}))
    other = store.enqueue(NewJob("push", "acme/b", {}))
    with sqlite3.connect(tmp_path / "service.db") as db:
        db.execute("UPDATE jobs SET payload = ? WHERE id = ?", (stored, unreadable))
    db.close()
    ran: list[str] = []

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        ran.append(job.repository)
        return "applied"

    worker = Worker(store, handle, Metrics(), FAST, worker_id="w")
    run_until(
        worker, lambda: all(j.state in ("dead", "done") for j in jobs(store, unreadable, other))
    )
    dead = store.get_job(unreadable)
    assert dead is not None
    assert (dead.state, dead.attempts, dead.payload) == ("dead", 1, {})
    assert dead.last_error is not None
    assert dead.last_error.startswith(f"UnreadableJob: job {unreadable} cannot run: {why}")
    assert ran == ["acme/b"]
    assert [job.id for job in store.status().dead] == [unreadable]


def jobs(store: SQLiteServiceStore, *ids: int) -> list[Job]:
    found = [store.get_job(job_id) for job_id in ids]
    return [job for job in found if job is not None]


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


# -- database outages -------------------------------------------------------------------------


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def at(self, level: int) -> list[logging.LogRecord]:
        return [record for record in self.records if record.levelno == level]

    def messages(self, level: int) -> list[str]:
        return [record.getMessage() for record in self.at(level)]


@pytest.fixture
def logs() -> Iterator[Recorder]:
    """Every record of the service's loggers, DEBUG included."""
    logger = logging.getLogger("agentsync.service")
    recorder, level = Recorder(), logger.level
    logger.addHandler(recorder)
    logger.setLevel(logging.DEBUG)
    yield recorder
    logger.removeHandler(recorder)
    logger.setLevel(level)


OUTAGE = dataclasses.replace(FAST, outage_backoff_cap=0.16)


def test_a_database_outage_is_logged_once_and_tried_again_with_backoff(
    tmp_path: Path, logs: Recorder
) -> None:
    store = Outages(tmp_path / "service.db", "claim")
    store.down.set()
    job_id = store.enqueue(NewJob("push", "acme/a", {}))
    worker = Worker(store, lambda job, check_lease: "applied", Metrics(), OUTAGE, worker_id="w")
    stop = threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,))
    thread.start()
    try:
        time.sleep(1.0)  # the outage
        store.down.clear()
        wait_for(lambda: getattr(store.get_job(job_id), "state", None) == "done", timeout=10)
    finally:
        stop.set()
        worker.wakeup.set()
        thread.join(timeout=10)
    tries = store.failed["claim"]
    # Polling every 10 ms would have tried ~100 times; backoff to 160 ms, about 12.
    assert 3 <= tries <= 30, tries
    [error] = logs.at(logging.ERROR)
    assert error.getMessage() == (
        "the service database is failing (retrying with backoff): "
        "postgresql://db.internal/agentsync: connection refused"
    )
    assert error.exc_info is None  # an outage is not a bug: no traceback
    [back] = logs.messages(logging.WARNING)
    assert back.startswith("the service database answers again after ")
    assert logs.at(logging.WARNING)[0].__dict__["duration_ms"] >= 900
    still = [m for m in logs.messages(logging.DEBUG) if "in a row)" in m]
    assert len(still) == tries - 1  # every failure but the first
    store.close()


def test_an_unexpected_error_in_the_loop_keeps_its_traceback_but_is_not_repeated(
    tmp_path: Path, logs: Recorder
) -> None:
    store = Outages(tmp_path / "service.db", "claim", error=KeyError("bug"))
    store.down.set()
    worker = Worker(store, lambda job, check_lease: "applied", Metrics(), OUTAGE, worker_id="w")
    run_until(worker, lambda: len(store.calls.get("claim", [])) >= 4)
    [error] = logs.at(logging.ERROR)
    assert error.getMessage() == "worker loop error"
    assert error.exc_info is not None
    assert isinstance(error.exc_info[1], KeyError)
    assert len([m for m in logs.messages(logging.DEBUG) if m == "worker loop error"]) >= 2
    store.close()


def test_a_completion_that_fails_is_tried_again_while_the_lease_is_held(
    tmp_path: Path, logs: Recorder
) -> None:
    store = Outages(tmp_path / "service.db", "complete", "heartbeat")
    job_id = store.enqueue(NewJob("push", "acme/a", {}))

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        store.down.set()  # the database goes down right after the job's writes
        threading.Timer(1.0, store.down.clear).start()
        return "applied"

    settings = dataclasses.replace(OUTAGE, lease_seconds=1.8)  # heartbeats every 0.6 s
    metrics = Metrics()
    assert Worker(store, handle, metrics, settings, worker_id="w").run_once() is not None
    done = store.get_job(job_id)
    assert done is not None
    assert (done.state, done.attempts) == ("done", 1)
    assert finished(metrics, "push", "applied") == 1
    assert store.failed["complete"] >= 3  # tried again, with backoff
    first_failure = store.calls["complete"][0]
    assert [at for at in store.calls["heartbeat"] if at > first_failure]  # it kept beating
    [retrying] = [r for r in logs.at(logging.WARNING) if "outcome" in r.getMessage()]
    assert retrying.getMessage() == (
        "could not record the job's outcome yet: retrying while its lease is held"
    )
    fields = retrying.__dict__
    assert (fields["job"], fields["repository"], fields["outcome"]) == (job_id, "acme/a", "applied")
    assert len(logs.at(logging.ERROR)) == 1  # the outage, once, heartbeats and all
    assert [m for m in logs.messages(logging.WARNING) if m.startswith("the service database")]
    assert "job done" in logs.messages(logging.INFO)
    store.close()


def test_the_heartbeat_holds_the_lease_while_the_completion_is_tried_again(
    tmp_path: Path,
) -> None:
    store = Outages(tmp_path / "service.db", "complete")  # heartbeats work
    job_id = store.enqueue(NewJob("push", "acme/a", {}))

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        store.down.set()
        threading.Timer(1.5, store.down.clear).start()  # longer than the lease
        return "applied"

    settings = dataclasses.replace(OUTAGE, lease_seconds=0.9)
    assert Worker(store, handle, Metrics(), settings, worker_id="w").run_once() is not None
    done = store.get_job(job_id)
    assert done is not None
    assert (done.state, done.attempts) == ("done", 1)
    store.close()


def test_an_outcome_that_cannot_be_recorded_before_the_lease_runs_out_is_left_to_the_next_attempt(
    tmp_path: Path, logs: Recorder
) -> None:
    store = Outages(tmp_path / "service.db", "complete", "heartbeat")
    job_id = store.enqueue(NewJob("push", "acme/a", {}))

    def handle(job: Job, check_lease: Callable[[], None]) -> str:
        store.down.set()
        return "applied"

    settings = dataclasses.replace(OUTAGE, lease_seconds=0.6)
    started = time.monotonic()
    assert Worker(store, handle, Metrics(), settings, worker_id="w").run_once() is not None
    assert time.monotonic() - started < 5
    [gave_up] = [r for r in logs.at(logging.WARNING) if "ran out" in r.getMessage()]
    assert gave_up.getMessage() == (
        "could not record the job's outcome (its lease ran out): it runs again once its "
        "lease expires"
    )
    assert (gave_up.__dict__["job"], gave_up.__dict__["outcome"]) == (job_id, "applied")
    store.down.clear()
    running = store.get_job(job_id)
    assert running is not None
    assert running.state == "running"  # nothing recorded: the lease expires, the job runs again
    time.sleep(max(0.0, started + 0.65 - time.monotonic()))
    again = store.claim("w2", 30)
    assert again is not None
    assert (again.id, again.attempts) == (job_id, 2)
    store.close()
