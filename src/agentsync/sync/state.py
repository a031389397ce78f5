"""The sync engine's own state: what the control plane has no place for.

The real API cannot hold an *orphan* error (a new file that is invalid: no config exists to
attach it to), so the engine keeps those here, per repository and path, with the commit and
diagnostics, and shows them in ``plan`` and ``status``. The CLI keeps this state in a JSON file
(written atomically); the service (a later issue) keeps it in its database.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from agentsync.controlplane.records import now
from agentsync.errors import AgentsyncError


class StateError(AgentsyncError):
    """The state file exists but cannot be read."""


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "agentsync" / "sync-state.json"


class SyncState:
    """Orphan errors and the last apply of each repository, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = {"repositories": {}}
        if path.exists():
            try:
                self._data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise StateError(f"{path}: cannot read the sync state: {error}") from error

    def _repository(self, repository: str) -> dict[str, Any]:
        repositories: dict[str, Any] = self._data.setdefault("repositories", {})
        entry: dict[str, Any] = repositories.setdefault(repository, {"orphans": {}})
        return entry

    def orphans(self, repository: str) -> dict[str, dict[str, Any]]:
        """Path -> {"commit", "diagnostics", "recorded_at"} of the repository's orphan errors."""
        return dict(self._repository(repository).get("orphans", {}))

    def set_orphans(
        self, repository: str, commit: str, orphans: dict[str, list[dict[str, Any]]]
    ) -> None:
        """Replace the repository's orphan errors with those of ``commit``."""
        previous = self.orphans(repository)
        self._repository(repository)["orphans"] = {
            path: previous[path]
            if path in previous and previous[path]["diagnostics"] == diagnostics
            else {"commit": commit, "diagnostics": diagnostics, "recorded_at": now()}
            for path, diagnostics in orphans.items()
        }

    def record_apply(self, repository: str, commit: str, outcome: str) -> None:
        self._repository(repository)["last_apply"] = {
            "commit": commit, "outcome": outcome, "at": now()
        }  # fmt: skip

    def last_apply(self, repository: str) -> dict[str, Any] | None:
        value = self._repository(repository).get("last_apply")
        return dict(value) if value else None

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".sync-state-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self._data, out, indent=2, sort_keys=True)
        os.replace(temporary, self.path)
