"""The worker loop: claim a job, keep its lease alive, run it, record the outcome.

A worker is a thread in ``agent serve`` (SQLite) or an ``agent worker`` process (PostgreSQL;
any number, on any machine). Each pass it also asks the store for due periodic resyncs, which
the store enqueues once per repository however many workers ask, and every ten minutes it
prunes done jobs and deliveries older than the retention (a week by default), so the tables
(and ``status()``, which counts them) stay the size of that window.

Failures retry with capped exponential backoff and full jitter; an error that says it is
permanent (``retryable = False``, e.g. a refused sync or a 404 from GitHub), or a job that has
used ``max_attempts`` claims, goes to the dead-letter state that ``agent serve status`` lists.
A job whose worker dies keeps its lease until it expires, then another worker claims it again
(counting an attempt); a job claimed more than ``max_attempts`` times (its workers keep dying)
is a dead letter, as is at once a job whose stored payload cannot be read (the error says why).
A worker that can no longer renew its lease stops before its next write
(:class:`LeaseLost`), so a job taken over by another worker is never written by two.

A database outage (:mod:`~agentsync.service.outages`): the worker tries again after a pause
that grows from the poll interval to a few seconds, and the process logs one error when the
database starts failing and one warning when it answers again. A job whose outcome cannot be
recorded keeps its lease alive (the heartbeat runs on) and tries again while it holds it;
once the lease is gone it says so (the job runs again: its next attempt records the outcome).
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Self, TypeVar

from agentsync.errors import AgentsyncError, StoreError
from agentsync.http.backoff import backoff_delay
from agentsync.service.metrics import Metrics
from agentsync.service.outages import Outage
from agentsync.service.queue import SYNC_KINDS, Job, ServiceStore
from agentsync.service.worker_settings import WorkerSettings
from agentsync.shorten import one_line

log = logging.getLogger("agentsync.service.worker")

# Runs one job, calling its second argument before each write (it raises LeaseLost once the
# lease is gone); returns the outcome word ("applied", "reported"...).
JobHandler = Callable[[Job, Callable[[], None]], str]
PRUNE_INTERVAL = 600.0  # seconds between one worker's prunes
T = TypeVar("T")


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def is_retryable(error: BaseException) -> bool:
    """Errors say so with a ``retryable`` attribute; anything else is assumed transient."""
    return bool(getattr(error, "retryable", True))


def database_outage() -> Outage:
    """What the workers of one process (and their heartbeats) share: one error line when the
    service database starts failing, one warning when it answers again."""
    return Outage(
        log,
        failing="the service database is failing (retrying with backoff)",
        recovered="the service database answers again",
    )


class UnreadableJob(AgentsyncError):
    """A job whose stored payload cannot be read: retrying cannot help."""

    retryable = False


class LeaseLost(AgentsyncError):
    """The worker no longer holds the job's lease: it must stop writing (another worker may
    be running the job already)."""


class _Heartbeat:
    """Extends a job's lease every third of the lease while the job runs, and tells whether
    the lease is still held: not if a heartbeat was refused, nor once the lease would have
    expired since the last heartbeat that succeeded (heartbeats that fail, say in a database
    outage, do not count; while they fail they are tried again sooner, after ``pause``)."""

    def __init__(
        self,
        store: ServiceStore,
        job: Job,
        worker_id: str,
        lease: float,
        claimed_at: float,
        *,
        outage: Outage,
        pause: Callable[[int], float],
    ) -> None:
        self.store, self.job, self.worker_id, self.lease = store, job, worker_id, lease
        self.outage, self.pause = outage, pause
        self._refused = False
        # Local monotonic deadline, from before the claim: never later than the store's own.
        self._deadline = claimed_at + lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"lease-{job.id}", daemon=True)

    def held(self) -> bool:
        return not self._refused and time.monotonic() < self._deadline

    def check(self) -> None:
        """Raise :class:`LeaseLost` unless the lease is held (called before each write)."""
        if not self.held():
            raise LeaseLost(f"job {self.job.id} lost its lease: stopping before the next write")

    def _beat(self) -> None:
        context = {"job": self.job.id, "repository": self.job.repository}
        failures, interval = 0, self.lease / 3
        while not self._stop.wait(min(interval, self.pause(failures)) if failures else interval):
            asked_at = time.monotonic()
            try:
                held = self.store.heartbeat(self.job.id, self.worker_id, self.lease)
            except StoreError as error:
                failures += 1
                self.outage.failed(error, context)
                continue
            except Exception:  # a bug, not an outage: its traceback once
                failures += 1
                level = logging.WARNING if failures == 1 else logging.DEBUG
                log.log(level, "heartbeat failed", exc_info=True, extra=context)
                continue
            failures = 0
            self.outage.succeeded(context)
            if not held:
                self._refused = True
                log.warning("lost the lease of a running job", extra=context)
                return
            self._deadline = asked_at + self.lease

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class Worker:
    def __init__(
        self,
        store: ServiceStore,
        handle: JobHandler,
        metrics: Metrics,
        settings: WorkerSettings | None = None,
        *,
        worker_id: str | None = None,
        rng: random.Random | None = None,
        wakeup: threading.Event | None = None,
        outage: Outage | None = None,
    ) -> None:
        self.store = store
        # Set by the webhook app of the same process when it queues a job: no poll delay.
        self.wakeup = wakeup or threading.Event()
        self.handle = handle
        self.metrics = metrics
        self.settings = settings or WorkerSettings()
        self.worker_id = worker_id or default_worker_id()
        self.rng = rng or random.Random()
        # Shared by the workers of a process: one line per outage, not one per worker.
        self.outage = outage or database_outage()
        self._stopping = threading.Event()  # run()'s stop: ends the retries of an outcome
        self._last_resync_check = 0.0
        self._last_prune = 0.0

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set (set ``wakeup`` too, to end a wait at once). A store
        that fails is tried again after a growing pause (from the poll interval up to
        ``outage_backoff_cap``); :attr:`outage` logs when it starts failing and when it
        answers again. Any other error is logged with its traceback, once while it repeats."""
        self._stopping = stop
        context = {"worker": self.worker_id}
        log.info("worker started", extra=context)
        failures = 0
        repeating: type[BaseException] | None = None  # the unexpected error logged last
        while not stop.is_set():
            try:
                self.schedule_resyncs()
                self.prune()
                job = self.run_once()
            except Exception as error:
                self.metrics.errors.labels(where="worker_loop").inc()
                failures += 1
                job = None
                if isinstance(error, StoreError):
                    self.outage.failed(error, context)
                else:
                    level = logging.DEBUG if type(error) is repeating else logging.ERROR
                    log.log(level, "worker loop error", exc_info=True, extra=context)
                    repeating = type(error)
            else:
                failures, repeating = 0, None
            if job is None:
                self.wakeup.wait(self._pause(failures) if failures else self.settings.poll_interval)
                self.wakeup.clear()
        log.info("worker stopped", extra=context)

    def _pause(self, failures: int) -> float:
        """How long to wait after ``failures`` failures of the store in a row."""
        cap = self.settings.outage_backoff_cap
        first = self.settings.poll_interval
        return backoff_delay(failures, first, cap, self.rng, floor=first)

    def _retry_in(self, attempts: int) -> float:
        """Seconds until a failed job's next attempt, after ``attempts`` claims: full jitter
        over ``backoff_base`` doubling up to ``backoff_cap``, at least 0.1 s."""
        settings = self.settings
        return backoff_delay(
            attempts, settings.backoff_base, settings.backoff_cap, self.rng, floor=0.1
        )

    def schedule_resyncs(self) -> None:
        interval = self.settings.resync_interval
        now = time.time()
        if interval is None or now - self._last_resync_check < min(interval, 60.0) / 2:
            return
        self._last_resync_check = now
        for repository in self.store.due_resyncs(interval):
            log.info("periodic resync queued", extra={"repository": repository})

    def prune(self) -> None:
        retention = self.settings.retention
        now = time.time()
        if retention is None or now - self._last_prune < PRUNE_INTERVAL:
            return
        self._last_prune = now
        started = time.perf_counter()
        pruned = self.store.prune(retention)
        log.log(
            logging.INFO if pruned else logging.DEBUG,
            "pruned %d old jobs and deliveries",
            pruned,
            extra={
                "duration_ms": round((time.perf_counter() - started) * 1000),
                "worker": self.worker_id,
            },
        )

    def run_once(self) -> Job | None:
        """Claim one due job and run it; the job, or None when nothing was due."""
        claimed_at = time.monotonic()
        job = self.store.claim(self.worker_id, self.settings.lease_seconds)
        self.outage.succeeded({"worker": self.worker_id})
        if job is None:
            return None
        context: dict[str, object] = {
            "job": job.id,
            "kind": job.kind,
            "repository": job.repository,
            "delivery": job.delivery_id,
            "attempt": job.attempts,
            "worker": self.worker_id,
        }
        lease = _Heartbeat(
            self.store,
            job,
            self.worker_id,
            self.settings.lease_seconds,
            claimed_at,
            outage=self.outage,
            pause=self._pause,
        )
        if job.attempts > self.settings.max_attempts:
            # Claimed again and again: its workers died (or lost the lease) every time.
            error = LeaseLost(f"claimed {job.attempts} times without finishing")
            self._failed(job, error, context, 0.0, lease)
            return job
        if job.payload_error is not None:
            unreadable = UnreadableJob(f"job {job.id} cannot run: {job.payload_error}")
            self._failed(job, unreadable, context, 0.0, lease)
            return job
        log.info("job started", extra=context)
        started = time.perf_counter()
        with lease:  # the heartbeat runs until the outcome is recorded (or cannot be)
            try:
                outcome = self.handle(job, lease.check)
            except Exception as error:  # noqa: BLE001 - every failure is recorded on the job
                self._failed(job, error, context, time.perf_counter() - started, lease)
                return job
            self._completed(job, outcome, context, time.perf_counter() - started, lease)
        return job

    def _completed(
        self,
        job: Job,
        outcome: str,
        context: dict[str, object],
        duration: float,
        lease: _Heartbeat,
    ) -> None:
        if job.kind in SYNC_KINDS:
            self.metrics.sync_duration.observe(duration)
        elif job.kind == "pull_request":
            self.metrics.report_duration.observe(duration)
        context = {**context, "outcome": outcome}
        recorded = self._record(
            lease, context, lambda: self.store.complete(job.id, self.worker_id, outcome)
        )
        if recorded is None:
            return
        if recorded:
            self.metrics.jobs.labels(kind=job.kind, outcome=outcome).inc()
            log.info("job done", extra={**context, "duration_ms": round(duration * 1000)})
        else:
            log.warning("job finished after its lease was taken over", extra=context)

    def _failed(
        self,
        job: Job,
        error: Exception,
        context: dict[str, object],
        duration: float,
        lease: _Heartbeat,
    ) -> None:
        message = one_line(f"{type(error).__name__}: {error}")[:2000]
        retryable = is_retryable(error) and job.attempts < self.settings.max_attempts
        delay = self._retry_in(job.attempts) if retryable else None

        def fail() -> str:
            state = self.store.fail(job.id, self.worker_id, message, retry_in=delay)
            return "retry" if state == "queued" else "dead" if state == "dead" else "lease_lost"

        intended = {**context, "outcome": "retry" if retryable else "dead", "error": message}
        outcome = self._record(lease, intended, fail)
        if outcome is None:
            return
        self.metrics.jobs.labels(kind=job.kind, outcome=outcome).inc()
        self.metrics.errors.labels(where=job.kind).inc()
        log.warning(
            "job failed",
            extra={**intended, "outcome": outcome, "duration_ms": round(duration * 1000)},
        )

    def _record(
        self, lease: _Heartbeat, context: dict[str, object], record: Callable[[], T]
    ) -> T | None:
        """``record()``: the job's completion or failure. While the store fails it is tried
        again after a growing pause, as long as the job's lease is held (its heartbeat runs
        on); None once the lease is gone or the worker is stopping (said in the log: the job
        runs again when its lease expires, and that attempt records the outcome)."""
        failures = 0
        while True:
            try:
                result = record()
            except StoreError as error:
                failures += 1
                self.outage.failed(error, context)
                fields = {**context, "error": one_line(error)}
                if self._stopping.is_set() or not lease.held():
                    self.metrics.errors.labels(where="record_outcome").inc()
                    why = "the worker is stopping" if lease.held() else "its lease ran out"
                    log.warning(
                        f"could not record the job's outcome ({why}): it runs again once its "
                        "lease expires",
                        extra=fields,
                    )
                    return None
                if failures == 1:
                    log.warning(
                        "could not record the job's outcome yet: retrying while its lease is held",
                        extra=fields,
                    )
                self._stopping.wait(self._pause(failures))
                continue
            self.outage.succeeded({"job": context["job"], "worker": self.worker_id})
            return result
