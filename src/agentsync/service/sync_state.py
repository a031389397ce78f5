"""The sync engine's state of one repository, kept in the service's database.

:class:`StoredSyncState` is the :class:`~agentsync.sync.state.SyncState` the service hands to
the sync engine: it loads and saves only its repository's entry, so workers syncing different
repositories at once never overwrite each other's state. Made for a job, it marks the last
apply with the job's id and counts in the writes of the job's earlier attempts: an attempt that
finds nothing left to write because an earlier one wrote it all still knows the job applied.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentsync.service.queue import ServiceStore
from agentsync.sync.state import STATE_VERSION, SyncState


class StoredSyncState(SyncState):
    """The state of ``repository`` in ``store``."""

    def __init__(self, store: ServiceStore, repository: str, *, job_id: int | None = None) -> None:
        self.store = store
        self.repository = repository
        self.job_id = job_id
        # Never read or written (``_load`` and ``save`` go to the store): a name for messages.
        super().__init__(Path("<service database>", "sync-state", repository))

    def _load(self) -> dict[str, Any]:
        """The repository's entry; its format moves with the database's schema migrations."""
        entry = self.store.load_sync_state(self.repository)
        return {
            "version": STATE_VERSION,
            "repositories": {} if entry is None else {self.repository: entry},
        }

    def save(self) -> None:
        entry = self._data.get("repositories", {}).get(self.repository)
        if entry is not None:
            self.store.save_sync_state(self.repository, entry)

    def record_apply(self, repository: str, commit: str, outcome: str, *, writes: int = 0) -> None:
        if self.job_id is None:
            super().record_apply(repository, commit, outcome, writes=writes)
            return
        earlier = self.last_apply(repository) or {}
        earlier_writes = earlier.get("writes")
        if earlier.get("job") == self.job_id and isinstance(earlier_writes, int):
            writes += earlier_writes  # an earlier attempt of this job, whose outcome was lost
        super().record_apply(repository, commit, outcome, writes=writes)
        self._repository(repository)["last_apply"]["job"] = self.job_id

    def job_wrote(self) -> bool:
        """Whether the last apply (this job's, with its earlier attempts) wrote anything."""
        return bool((self.last_apply(self.repository) or {}).get("writes"))
