"""The sync engine's own state: what the control plane has no place for.

The real API cannot hold an *orphan* error (a new file that is invalid: no config exists to
attach it to), so the engine keeps its sync errors here, per repository and path, with their
kind (``orphan-error`` or ``keep-last-good``), commit and diagnostics: orphans are shown in
``plan`` and ``status`` from here; keep-last-good errors are also on the control plane. The
CLI keeps this state in a JSON file (written atomically); the service keeps it in its database
(a subclass that overrides ``_load`` and ``save``).
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
        self._data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        """The stored state (a subclass may keep it elsewhere: it overrides this and ``save``)."""
        if not self.path.exists():
            return {"repositories": {}}
        try:
            data: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise StateError(f"{self.path}: cannot read the sync state: {error}") from error
        return data

    def _repository(self, repository: str) -> dict[str, Any]:
        repositories: dict[str, Any] = self._data.setdefault("repositories", {})
        entry: dict[str, Any] = repositories.setdefault(repository, {"errors": {}})
        return entry

    def errors(self, repository: str) -> dict[str, dict[str, Any]]:
        """Path -> {"kind", "commit", "diagnostics", "recorded_at"}: the repository's sync
        errors as of its last apply."""
        return dict(self._repository(repository).get("errors", {}))

    def orphans(self, repository: str) -> dict[str, dict[str, Any]]:
        """The sync errors of new invalid files (no config holds them)."""
        return {
            path: error
            for path, error in self.errors(repository).items()
            if error["kind"] == "orphan-error"
        }

    def set_errors(
        self, repository: str, commit: str, errors: dict[str, tuple[str, list[dict[str, Any]]]]
    ) -> None:
        """Replace the repository's sync errors with those of ``commit`` (path -> (kind,
        diagnostics)); an error that did not change keeps the commit that introduced it."""
        previous = self.errors(repository)
        self._repository(repository)["errors"] = {
            path: previous[path]
            if path in previous
            and (previous[path]["kind"], previous[path]["diagnostics"]) == (kind, diagnostics)
            else {"kind": kind, "commit": commit, "diagnostics": diagnostics, "recorded_at": now()}
            for path, (kind, diagnostics) in errors.items()
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
