"""The sync engine's state of one repository, kept in the service's database.

:class:`StoredSyncState` is the :class:`~agentsync.sync.state.SyncState` the service hands to
the sync engine: it loads and saves only its repository's entry, so workers syncing different
repositories at once never overwrite each other's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentsync.service.queue import ServiceStore
from agentsync.sync.state import STATE_VERSION, SyncState


class StoredSyncState(SyncState):
    """The state of ``repository`` in ``store``."""

    def __init__(self, store: ServiceStore, repository: str) -> None:
        self.store = store
        self.repository = repository
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
