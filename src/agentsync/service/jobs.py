"""What each job does (the worker's handler).

- ``push`` and ``resync``: reconcile the repository's default branch with the control plane
  through the sync engine (:func:`~agentsync.sync.engine.plan_sync` and
  :func:`~agentsync.sync.engine.apply_run`), reading the branch head and its whole tree from
  GitHub *now* (level-triggered: a duplicate or late delivery converges on the newest commit,
  and a commit older than the last applied one is refused by the engine). The engine's state
  (sync errors, last apply) lives in the service database.
- ``pull_request``: lint the configs the pull request changes at its current head and report
  on GitHub (:func:`~agentsync.service.github.client.report_pull_request`), with a sync preview
  of the head against the control plane, which it only reads. The report goes out even when
  the preview cannot be computed (it says why); when that may pass (the control plane or
  GitHub failed), the job then fails retryably, so a later attempt adds the preview.
- ``installation``: remember each repository the service can now read and queue its first
  sync (a ``resync`` job each); forget those it can no longer read.

A refused sync (older commit, mass delete, incomplete tree) is a :class:`PermanentJobError`:
retrying cannot help, so the job goes straight to the dead letters with the reason. A sync
whose writes partly failed raises a retryable :class:`JobError` (the next attempt re-plans).
After a force-push took the last applied commit away, the branch head applies, and the
engine's warning is logged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from agentsync.errors import AgentsyncError
from agentsync.service.queue import SYNC_KINDS, Job, NewJob, ServiceStore

if TYPE_CHECKING:
    from agentsync.client.api import Client
    from agentsync.service.github.credentials import GitHubCredentials


# How long a pull-request job's preview counts next firings from when the job was made, so that
# its retries (a lost lease, a failed comment, the usual backoff) report the same text and leave
# the one check run as it is; an older job (a dead letter requeued days later) counts from now.
PREVIEW_CLOCK_SECONDS = 3600.0

log = logging.getLogger("agentsync.service.jobs")


class JobError(AgentsyncError):
    """A job failed; ``retryable`` tells the worker whether to try again."""

    retryable = True


class PermanentJobError(JobError):
    retryable = False


class JobRunner:
    """Runs jobs with one set of GitHub credentials and one control-plane client."""

    def __init__(
        self,
        store: ServiceStore,
        credentials: GitHubCredentials,
        client: Client,
        github_api_url: str,
        *,
        seconds_between_writes: float = 1.0,
    ) -> None:
        self.store = store
        self.credentials = credentials
        self.client = client
        self.github_api_url = github_api_url
        self.seconds_between_writes = seconds_between_writes

    def __call__(self, job: Job, check_lease: Callable[[], None]) -> str:
        """Run ``job``; ``check_lease`` raises once the job's lease is lost, and is called
        before writes."""
        installation_id = self._installation(job)
        if job.kind == "installation":
            return self.membership(
                job.payload.get("added", []), job.payload.get("removed", []), installation_id
            )
        self.store.remember_repository(job.repository, installation_id)
        if job.kind in SYNC_KINDS:
            return self.sync(job.repository, installation_id, check_lease, job_id=job.id)
        number = job.payload.get("number")
        if not isinstance(number, int):
            raise PermanentJobError(f"job {job.id} has no pull request number")
        check_lease()
        return self.report(job.repository, number, installation_id, now=_preview_clock(job))

    @staticmethod
    def _installation(job: Job) -> int | None:
        """The GitHub App installation the job acts as: every job's payload names it (resyncs
        carry the one the repository was last seen with); None with token credentials."""
        installation = job.payload.get("installation_id")
        return installation if isinstance(installation, int) else None

    def membership(self, added: list[str], removed: list[str], installation_id: int | None) -> str:
        for repository in removed:
            self.store.forget_repository(repository)
        for repository in added:
            self.store.remember_repository(repository, installation_id)
            self.store.enqueue(NewJob("resync", repository, {"installation_id": installation_id}))
        return "scheduled"

    def sync(
        self,
        repository: str,
        installation_id: int | None,
        check_lease: Callable[[], None],
        *,
        job_id: int | None = None,
    ) -> str:
        """Sync the repository's default branch: "applied" if the job wrote anything (in this
        attempt or in an earlier one of job ``job_id`` whose outcome could not be recorded),
        else "unchanged"."""
        from agentsync.service.github.credentials import github_source
        from agentsync.service.sync_state import StoredSyncState
        from agentsync.sync.apply import SyncBlocked
        from agentsync.sync.engine import apply_run, plan_sync

        source = github_source(
            self.credentials,
            repository,
            installation_id=installation_id,
            base_url=self.github_api_url,
            blob_cache=self.store,
        )
        state = StoredSyncState(self.store, repository, job_id=job_id)
        try:
            run = plan_sync(source, self.client)
            check_lease()
            # Checked after each write: a lost lease stops the apply before the next one, and
            # before the applied commit and the sync errors are recorded.
            run = apply_run(run, source, self.client, state, progress=lambda _: check_lease())
        except SyncBlocked as error:
            self.store.record_sync(repository, None, "blocked")
            raise PermanentJobError(str(error)) from error
        assert run.result is not None  # apply_run always applies
        for warning in run.warnings:  # a force-push: the head applied, the reason logged
            log.warning("%s: %s", repository, warning)
        commit = run.snapshot.commit
        if not run.result.ok:
            self.store.record_sync(repository, commit, "failed")
            failures = "; ".join(f"{a.path}: {why}" for a, why in run.result.failed[:5])
            raise JobError(
                f"{len(run.result.failed)} of {len(run.plan.writes)} writes failed at "
                f"{commit[:12]}: {failures}"
            )
        outcome = "applied" if state.job_wrote() else "unchanged"
        self.store.record_sync(repository, commit, outcome)
        return outcome

    def report(
        self,
        repository: str,
        number: int,
        installation_id: int | None,
        *,
        now: datetime | None = None,
    ) -> str:
        from agentsync.service.github.client import report_pull_request

        report = report_pull_request(
            self.credentials,
            repository,
            number,
            installation_id=installation_id,
            base_url=self.github_api_url,
            seconds_between_writes=self.seconds_between_writes,
            control_plane=self.client,
            blob_cache=self.store,
            now=now,
        )
        preview = report.preview
        if preview is not None and preview.error is not None:
            why = (
                f"reported on pull request #{number} at {report.head_sha[:12]} without its sync "
                f"preview: {preview.error}"
            )
            if preview.retryable:
                raise JobError(why)
            log.warning("%s: %s", repository, why)  # retrying cannot help: said once
        if report.state != "open":
            return "closed"
        return "clean" if report.errors == 0 else "reported"


def _preview_clock(job: Job) -> datetime:
    """When a pull-request job's preview counts next firings from (see PREVIEW_CLOCK_SECONDS)."""
    now = time.time()
    recent = now - job.created_at <= PREVIEW_CLOCK_SECONDS
    return datetime.fromtimestamp(job.created_at if recent else now, UTC)
