"""What the dialects share: finding a dialect's runs, starting one from an inline config,
their times from the log, who created them, and cursor pages over them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator

from agentsync.client.errors import Invalid, NotFound
from agentsync.client.records import FINAL_EVENTS, Run
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.http_api import Caller
from agentsync.localserver.runs import StartRunRequest
from agentsync.localserver.store import RunQuery

Dialect = Literal["deployments", "threads", "ambient"]
MAX_LIST = 1000
_SCAN = 10_000_000  # local lists filter in Python over every run: fine for a local server
MAX_ID = 200


def _stored_id(value: str) -> str:
    if not 1 <= len(value) <= MAX_ID or not value.isprintable():
        raise ValueError(f"must be 1 to {MAX_ID} printable characters (no control characters)")
    return value


# A deployment's or a thread's id a create stores: printable, so no answer or log shows a
# control character or a bidi override for it, and bounded (422 otherwise).
StoredId = Annotated[str, AfterValidator(_stored_id)]


def runs_of(
    control_plane: ControlPlane, dialect: Dialect, keep: Callable[[Run], bool] = lambda _: True
) -> list[Run]:
    """The runs ``dialect`` created that ``keep`` keeps, newest first."""
    return [
        r
        for r in control_plane.store.list_runs(RunQuery(limit=_SCAN))
        if r.metadata.get("dialect") == dialect and keep(r)
    ]


def run_of(control_plane: ControlPlane, dialect: Dialect, run_id: str) -> Run:
    """A run ``dialect`` created; 404 for any other id."""
    run = control_plane.store.get_run(run_id)
    if run is None or run.metadata.get("dialect") != dialect:
        raise NotFound(f"run {run_id} not found")
    return run


def start(
    control_plane: ControlPlane, name: str, system: str, metadata: dict[str, str], who: Caller
) -> Run:
    """Start a run of an inline config called ``name`` whose ``claude.system`` is ``system``;
    ``metadata`` holds the dialect's own fields."""
    config = {"ellipsis": {"version": "v1", "name": name}, "claude": {"system": system}}
    request = StartRunRequest(config=config, metadata=metadata)
    return control_plane.runs.start(request, who.source)


def created_by(who: Caller) -> str:
    return f"{'key' if who.source == 'api' else 'user'}_{who.scope}"


def times(control_plane: ControlPlane, run_id: str) -> tuple[str | None, str | None]:
    """When the run started and ended, from its log (``run.started``, the final event)."""
    started = completed = None
    for event in control_plane.store.events_after(run_id, 0, limit=_SCAN):
        if event.type == "run.started" and started is None:
            started = event.created_at
        elif event.type in FINAL_EVENTS:
            completed = event.created_at
    return started, completed


def millis(start: str | None, end: str | None) -> int | None:
    if start is None or end is None:
        return None
    delta = datetime.fromisoformat(end) - datetime.fromisoformat(start)
    return round(delta.total_seconds() * 1000)


def page(runs: list[Run], cursor: str | None, limit: int) -> tuple[list[Run], str | None]:
    """The ``limit`` runs after ``cursor`` (a run id of this list; newest first) and the next
    cursor, or None on the last page."""
    if cursor is not None:
        at = next((r for r in runs if r.id == cursor), None)
        if at is None:
            raise Invalid(f"unknown cursor {cursor!r}")
        runs = [r for r in runs if (r.created_at, r.id) < (at.created_at, at.id)]
    kept = runs[:limit]
    return kept, kept[-1].id if len(runs) > limit else None
