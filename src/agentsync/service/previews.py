"""The sync preview of a pull request: what merging its head would do to the control plane.

:func:`plan_preview` plans the pull request's head tree against the control plane's current
state of the *base* repository: the tree is read at the head commit's sha through the base
repository (GitHub keeps a fork's pull-request head there too, as ``refs/pull/{n}/head``), and
the plan is made under the base repository's name with
:func:`~agentsync.sync.engine.read_actual` and :func:`~agentsync.sync.engine.plan_snapshot`. A pull
request from a fork is thus previewed with the fork's tree but the base's name and state.

It only reads: nothing is ever written to the control plane (no apply, no sync error, no
commit). When the head cannot be read or the control plane cannot be asked, the preview holds
why, in one line, instead of a plan, and whether trying again later may help; the lint report
goes out either way.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import NamedTuple, Protocol

from agentsync.client.api import Client
from agentsync.errors import AgentsyncError
from agentsync.shorten import one_line, truncate
from agentsync.sync.engine import SyncRun, plan_snapshot, read_actual
from agentsync.sync.model import Snapshot

__all__ = ["SnapshotSource", "SyncPreview", "plan_preview"]

log = logging.getLogger("agentsync.service.previews")
MAX_REASON_CHARS = 500  # an error's line in the report


class SnapshotSource(Protocol):
    """Where the head tree is read (a GitHubSource at the head sha)."""

    def snapshot(self) -> Snapshot: ...


class SyncPreview(NamedTuple):
    """A plan of the head (``run``, with the control plane's configs it was made against) at
    ``now``; or, when it could not be made, ``error`` (one line) and whether
    the same may succeed later (``retryable``)."""

    now: datetime
    run: SyncRun | None = None
    error: str | None = None
    retryable: bool = False


def plan_preview(
    source: SnapshotSource,
    client: Client,
    repository: str,
    *,
    now: datetime | None = None,
) -> SyncPreview:
    """Plan ``source``'s snapshot against ``client``'s configs of ``repository`` (the base
    repository's name), reading only. A failure is held in the preview, never raised."""
    now = now or datetime.now(UTC)
    try:
        run = plan_snapshot(source.snapshot(), read_actual(client, repository))
    except AgentsyncError as error:  # GitHub or the control plane failed, or refused
        retryable = bool(getattr(error, "retryable", True))
        return SyncPreview(now, error=_reason(error), retryable=retryable)
    except Exception as error:  # a bug must not take the lint report down with it
        log.exception("the sync preview failed", extra={"repository": repository})
        return SyncPreview(now, error=f"an internal error ({type(error).__name__})")
    return SyncPreview(now, run)


def _reason(error: AgentsyncError) -> str:
    return truncate(one_line(error), MAX_REASON_CHARS)
