"""The service's durable state: webhook deliveries, the job queue, and what it knows of each
repository (installation, last sync, the sync engine's state).

This module owns the interface (:class:`ServiceStore`) and the records it passes around; the
SQLite and PostgreSQL implementations live in :mod:`~agentsync.service.store_sqlite` and
:mod:`~agentsync.service.store_postgres` and are opened with :func:`open_store`.

The queue is lease based. A worker *claims* a due job (state ``queued`` -> ``running``, with a
lease that expires); it heartbeats while it works and *completes* or *fails* the job, both only
while it still holds the lease, that is while the lease is unexpired (a fencing check: a worker
whose lease expired, taken over or not, changes nothing and its job runs again). A job whose
lease expires (its worker was killed) is claimable again. Every job of one repository is
serialized: a job is never claimed while another job of the same repository holds an unexpired
lease. Sync jobs are level-triggered (they read the branch head when they run), so claiming one
also retires every *older* queued sync job of that repository (state ``done``, outcome
``coalesced``, ``coalesced_into`` set); a pull-request job likewise retires older queued jobs of
the same pull request (payload key ``number``). When the oldest due job has such a group, the
claim hands out the group's *newest* due job (whose payload is the latest) and retires the rest.

Nothing is kept forever: :meth:`ServiceStore.prune` (each worker calls it every ten minutes)
deletes ``done`` jobs and deliveries older than the retention. Dead jobs, unfinished jobs and
the deliveries of either are kept whatever their age, so a delivery id is deduplicated for at
least the retention after it was received (and for as long as its job is pending or dead); a
redelivery of an id pruned since is accepted again and queues a new job, which is harmless:
sync jobs read the branch head when they run and pull-request jobs the head of the pull
request. ``coalesced_into`` is a plain number, not a foreign key: it may name a pruned job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Mapping
from typing import Any, Literal, NamedTuple, Protocol

from agentsync.migrations import SchemaStatus

JobKind = Literal["push", "pull_request", "resync", "installation"]
JobState = Literal["queued", "running", "done", "dead"]
JOB_STATES: tuple[JobState, ...] = ("queued", "running", "done", "dead")
SYNC_KINDS: frozenset[str] = frozenset({"push", "resync"})


class NewJob(NamedTuple):
    """A job to enqueue. ``payload`` is JSON-serializable (never a secret)."""

    kind: JobKind
    repository: str
    payload: dict[str, Any]


class Delivery(NamedTuple):
    """One webhook delivery as received (its body is kept for replays and debugging)."""

    delivery_id: str
    event: str
    action: str | None
    repository: str | None
    body: bytes


class Job(NamedTuple):
    id: int
    kind: JobKind
    repository: str
    payload: dict[str, Any]
    state: JobState
    attempts: int  # claims so far, this one included
    delivery_id: str | None
    last_error: str | None
    lease_owner: str | None
    lease_expires_at: float | None  # epoch seconds
    run_after: float  # epoch seconds: not claimable before
    created_at: float
    updated_at: float
    # Why the stored payload could not be read (it is then empty): such a job is a dead letter.
    payload_error: str | None = None


class RepositoryInfo(NamedTuple):
    repository: str
    installation_id: int | None
    last_sync_at: float | None
    last_sync_commit: str | None
    last_sync_outcome: str | None  # "applied" | "failed" | "blocked" | ...
    last_resync_at: float | None


class QueuedWork(NamedTuple):
    """A repository's queued jobs: how many, since when, and why the latest retry is waiting."""

    repository: str
    jobs: int
    oldest_created_at: float  # epoch seconds: its oldest queued job's
    last_error: str | None  # of its most recently failed queued job (one waiting to retry)
    next_attempt_at: float | None  # when that job is due again


class ServiceStatus(NamedTuple):
    """A snapshot for ``/metrics`` and ``agent serve status``. Counts are exact and read
    through indexes; ``done`` jobs and ``deliveries`` are what :meth:`ServiceStore.prune` has
    left (about the retention's worth), so reading them costs in proportion to that window,
    never to the service's whole history."""

    jobs_by_state: dict[str, int]  # every JobState, zeros included
    queue_depth: int  # queued jobs that are due now
    oldest_queued_age: float | None  # seconds
    dead: list[Job]  # newest first, at most ``dead_limit``
    repositories: list[RepositoryInfo]
    deliveries: int  # stored deliveries: those not yet pruned
    folded: int = 0  # of the done jobs, those a newer job of their repository made redundant
    queued: list[QueuedWork] = []  # noqa: RUF012 - never mutated; by repository


class ServiceStore(Protocol):
    """Durable, safe to share between threads of one process and between processes (and, for
    PostgreSQL, machines). Times are epoch seconds; ``now`` parameters exist for tests and
    default to the wall clock."""

    def accept_delivery(self, delivery: Delivery, job: NewJob | None) -> bool:
        """Store the delivery and enqueue its job in **one transaction**, committed durably
        before returning. False (and nothing written) when ``delivery_id`` was seen before."""
        ...

    def enqueue(self, job: NewJob, *, now: float | None = None) -> int:
        """Enqueue a job not tied to a delivery (resyncs, manual syncs); its id."""
        ...

    def claim(
        self, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> Job | None:
        """Take the oldest due job whose repository has no other leased job (or the newest
        due job of its coalescing group, see the module docstring); None if none. Increments
        ``attempts``. An expired lease makes its job claimable again."""
        ...

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        """Extend the lease; False if this worker no longer holds it."""
        ...

    def complete(
        self, job_id: int, worker_id: str, outcome: str, *, now: float | None = None
    ) -> bool:
        """Mark done (``outcome`` is a short word for status and metrics); False if this
        worker no longer holds the lease (nothing changed)."""
        ...

    def fail(
        self,
        job_id: int,
        worker_id: str,
        error: str,
        *,
        retry_in: float | None,
        now: float | None = None,
    ) -> JobState | None:
        """Record a failure: back to ``queued`` due in ``retry_in`` seconds, or ``dead`` when
        ``retry_in`` is None. The new state, or None if this worker no longer holds the
        lease."""
        ...

    def requeue_dead(self, job_id: int, *, now: float | None = None) -> bool:
        """Give a dead job another round (attempts reset); False if it is not dead."""
        ...

    def discard_dead(self, job_id: int, *, now: float | None = None) -> bool:
        """Drop a dead job: done, with the outcome ``discarded`` (pruned with the finished
        jobs); False if it is not dead."""
        ...

    def get_job(self, job_id: int) -> Job | None: ...

    def remember_repository(
        self, repository: str, installation_id: int | None, *, now: float | None = None
    ) -> None:
        """Record (or refresh) a repository the service has heard of, for periodic resyncs."""
        ...

    def forget_repository(self, repository: str) -> None:
        """Stop resyncing a repository the service can no longer read (uninstalled, deleted,
        renamed away): its row and its sync state go; its jobs stay."""
        ...

    def record_sync(
        self, repository: str, commit: str | None, outcome: str, *, now: float | None = None
    ) -> None: ...

    def due_resyncs(self, interval: float, *, now: float | None = None) -> list[str]:
        """Enqueue a ``resync`` job for every known repository not resynced for ``interval``
        seconds (and with no queued sync job; not one whose last sync was refused, which
        waits for a push), atomically with marking it, so several
        processes calling this at once enqueue each repository once; the repositories
        enqueued."""
        ...

    def load_sync_state(self, repository: str) -> dict[str, Any] | None:
        """The sync engine's state of one repository (see ``agentsync.sync.state``)."""
        ...

    def save_sync_state(self, repository: str, data: dict[str, Any]) -> None: ...

    def cached_blobs(self, shas: Collection[str]) -> dict[str, bytes]:
        """The cached contents of those of ``shas`` (git blob shas) the cache holds; each one
        read counts as a use (pruning keeps the recently used)."""
        ...

    def cache_blobs(self, blobs: Mapping[str, bytes]) -> None:
        """Keep ``blobs`` (git blob sha -> content) for later syncs."""
        ...

    def prune(self, older_than: float, *, now: float | None = None, batch: int = 5000) -> int:
        """Delete ``done`` jobs last updated more than ``older_than`` seconds ago, and
        deliveries received that long ago whose job (if any) is done or pruned: never a dead,
        queued or running job, nor the delivery of one. Deletes ``batch`` rows at a time, each
        batch its own short transaction (webhooks and claims get in between). Cached blobs
        unused for as long go too, then the least recently used past the cache's size bound.
        The number of rows (jobs, deliveries and blobs) deleted."""
        ...

    def status(self, *, dead_limit: int = 20, now: float | None = None) -> ServiceStatus: ...

    def listen(self, wake: Callable[[], None], stop: threading.Event) -> None:
        """Call ``wake`` whenever any process queues a job, until ``stop`` is set (run it in a
        thread). A store that cannot be told returns at once: workers then poll."""
        ...

    def ping(self) -> None:
        """Raise if the database cannot be reached (for ``/readyz``)."""
        ...

    def schema_status(self) -> SchemaStatus:
        """The database's schema version and the migrations it lacks (nothing applied)."""
        ...

    def migrate(self) -> SchemaStatus:
        """Apply the pending migrations under the schema lock; the status before."""
        ...

    def close(self) -> None: ...
