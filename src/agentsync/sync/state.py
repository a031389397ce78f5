"""The sync engine's own state: what the control plane has no place for.

The real API cannot hold an *orphan* error (a new file that is invalid: no config exists to
attach it to), so the engine keeps its sync errors here, per repository and path, with their
kind (``orphan-error`` or ``keep-last-good``), commit and diagnostics: orphans are shown in
``plan`` and ``status`` from here; keep-last-good errors are also on the control plane. The
CLI keeps this state in a JSON file (written atomically); the service keeps it in its database
(a subclass that overrides ``_load`` and ``save``).

The file carries the version of its format (``"version"``). An older file is upgraded when
it is read (:data:`STATE_UPGRADES`; written back on the next save); a newer one is refused
with one line naming both versions, and left untouched. Every change of the format adds a
step here and a fixture file of the previous release that ``tests/sync/test_state.py`` reads.
Fields that readers may lack need no step: every reader ignores fields it does not know, and
reads a missing one as absent (``last_apply``'s ``writes``, the writes that went through, and
``job``, the service job that applied it, came that way).

Version 2 adds ``checkouts``: the repository name each checkout last applied as, keyed by each
of its root commits (``agentsync.sync.identity`` explains the choice). It is a version, not an
optional field, because an older agentsync that ignored it would sync a checkout whose origin
changed under the new name, the very thing the record is there to stop.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from agentsync.client.records import now
from agentsync.config.files import os_reason
from agentsync.errors import AgentsyncError
from agentsync.state_dir import state_dir

STATE_VERSION = 2


def _stamp_version(data: dict[str, Any]) -> dict[str, Any]:
    """0 -> 1: agentsync 0.1.0 wrote the same shape without a version."""
    return data


def _add_checkouts(data: dict[str, Any]) -> dict[str, Any]:
    """1 -> 2: no checkout is recorded yet (the first apply of each records it)."""
    return {**data, "checkouts": {}}


# STATE_UPGRADES[n] turns a version-n document into version n + 1.
STATE_UPGRADES: tuple[Callable[[dict[str, Any]], dict[str, Any]], ...] = (
    _stamp_version,
    _add_checkouts,
)


class StateError(AgentsyncError):
    """The state file exists but cannot be read."""


def upgrade_state(data: Any, where: Path) -> dict[str, Any]:
    """``data`` (a state document as read) in the current format; StateError if it is not a
    state document or is newer than this agentsync."""
    if not isinstance(data, dict) or not isinstance(data.get("repositories", {}), dict):
        raise StateError(f"{where}: not a sync state file (expected an object of repositories)")
    document: dict[str, Any] = data
    version = document.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise StateError(f"{where}: the sync state has an invalid version: {version!r}")
    if version > STATE_VERSION:
        raise StateError(
            f"{where}: the sync state is at version {version}, newer than this agentsync's "
            f"version {STATE_VERSION}; upgrade agentsync"
        )
    for step in STATE_UPGRADES[version:]:
        document = step(document)
    document.setdefault("repositories", {})
    document["version"] = STATE_VERSION
    for problem in _shape_problems(document):
        raise StateError(f"{where}: not a sync state file: {problem}")
    return document


_ERROR_FIELDS: dict[str, type] = {"kind": str, "commit": str, "diagnostics": list}
_CHECKOUT_FIELDS: dict[str, type] = {"repository": str, "at": str}
_KINDS = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return _KINDS.get(type(value), "a number" if isinstance(value, int | float) else "a value")


def _fields(value: Any, where: str, fields: dict[str, type]) -> Iterator[str]:
    """What is wrong with ``value``, read as an object with these fields of these types."""
    if not isinstance(value, dict):
        yield f"{where} is {_kind(value)}, not an object"
        return
    for key, wanted in fields.items():
        if not isinstance(value.get(key), wanted):
            yield f"{where}.{key} is {_kind(value.get(key))}, not {_KINDS[wanted]}"


def _shape_problems(document: dict[str, Any]) -> Iterator[str]:
    """What readers of a current-version state document could not use (a hand edit, another
    program's file): each repository's entry, its errors and last apply, the checkouts."""
    for name, entry in document["repositories"].items():
        where = f"repositories[{name!r}]"
        yield from _fields(entry, where, {})
        if not isinstance(entry, dict):
            continue
        if "last_apply" in entry:
            yield from _fields(entry["last_apply"], f"{where}.last_apply", {})
        errors = entry.get("errors", {})
        yield from _fields(errors, f"{where}.errors", {})
        for path, error in errors.items() if isinstance(errors, dict) else ():
            yield from _fields(error, f"{where}.errors[{path!r}]", _ERROR_FIELDS)
    checkouts = document.get("checkouts", {})
    yield from _fields(checkouts, "checkouts", {})
    for root, record in checkouts.items() if isinstance(checkouts, dict) else ():
        yield from _fields(record, f"checkouts[{root!r}]", _CHECKOUT_FIELDS)


def default_state_file() -> Path:
    return state_dir() / "sync-state.json"


class SyncState:
    """Orphan errors and the last apply of each repository, and the name each checkout
    applied as, in one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Any] = upgrade_state(self._load(), path)

    def _load(self) -> Any:
        """The stored state (a subclass may keep it elsewhere: it overrides this and ``save``)."""
        if not self.path.exists():
            return {"version": STATE_VERSION, "repositories": {}}
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except OSError as error:
            why = os_reason(error)
            raise StateError(f"{self.path}: cannot read the sync state: {why}") from error
        # UnicodeDecodeError and JSONDecodeError are ValueErrors; RecursionError: nested too deep
        except (ValueError, RecursionError) as error:
            raise StateError(f"{self.path}: cannot read the sync state: {error}") from error

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

    def record_apply(self, repository: str, commit: str, outcome: str, *, writes: int = 0) -> None:
        """Remember the apply of ``commit`` (``outcome`` "applied" or "failed"; ``writes``: how
        many of its writes went through)."""
        self._repository(repository)["last_apply"] = {
            "commit": commit, "outcome": outcome, "writes": writes, "at": now()
        }  # fmt: skip

    def last_apply(self, repository: str) -> dict[str, Any] | None:
        value = self._repository(repository).get("last_apply")
        return dict(value) if value else None

    def checkout_name(self, roots: tuple[str, ...]) -> str | None:
        """The name a checkout with these root commits last applied as (the latest record of
        any of them), or None."""
        checkouts: dict[str, Any] = self._data.get("checkouts", {})
        records = [checkouts[root] for root in roots if root in checkouts]
        latest = max(records, key=lambda record: str(record["at"]), default=None)
        return None if latest is None else str(latest["repository"])

    def record_checkout(self, roots: tuple[str, ...], repository: str) -> None:
        """Remember that the checkout with these root commits applied as ``repository``."""
        checkouts: dict[str, Any] = self._data.setdefault("checkouts", {})
        at = now()
        for root in roots:
            checkouts[root] = {"repository": repository, "at": at}

    def save(self) -> None:
        """Write the state atomically (StateError if it cannot be: the file is left as it was)."""
        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".sync-state-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self._data, out, indent=2, sort_keys=True)
            os.replace(temporary, self.path)
        except OSError as error:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            raise StateError(
                f"{self.path}: cannot save the sync state: {os_reason(error)}"
            ) from error
