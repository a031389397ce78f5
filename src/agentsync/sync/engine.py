"""One sync of one repository: snapshot -> desired -> actual -> plan -> (apply).

Level-triggered: it reads the whole tree at the commit and the whole listing of the repository's
configs every time, so applying twice is a no-op the second time. The actual state is one
paginated listing, not a call per config. Guards before any write:

- only the repository's default branch syncs (``force`` overrides, e.g. for a local preview);
- a commit older than the last applied one is refused (``force`` overrides), so out-of-order
  runs never roll configs back. When the last applied commit is no longer in the history (a
  force-push took it away) or the new commit does not descend from it, the engine cannot tell
  old from new: the branch head applies, with a warning naming the commit left behind;
- a blocked plan (incomplete read, mass delete) is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol

from agentsync.client.api import Client
from agentsync.client.records import AgentConfigRecord
from agentsync.printable import printable
from agentsync.sync.apply import SyncBlocked, apply_plan
from agentsync.sync.desired import desired_files
from agentsync.sync.model import (
    WORKTREE_SUFFIX,
    Action,
    ApplyResult,
    CommitOrder,
    DesiredFile,
    Plan,
    Snapshot,
    commit_label,
)
from agentsync.sync.plan import make_plan
from agentsync.sync.sources.git import UnknownCommit
from agentsync.sync.state import SyncState


class HistorySource(Protocol):
    """A source that can tell commit order (the local git source can)."""

    def snapshot(self) -> Snapshot: ...

    def order(self, base: str, head: str) -> CommitOrder: ...


class SyncRun(NamedTuple):
    snapshot: Snapshot
    desired: dict[str, DesiredFile]
    plan: Plan
    result: ApplyResult | None = None
    warnings: tuple[str, ...] = ()  # what the order guards let through, and why
    actual: tuple[AgentConfigRecord, ...] = ()  # the control plane's configs it was planned on


def read_actual(client: Client, repository: str, page_size: int = 100) -> list[AgentConfigRecord]:
    """Every config of the repository, deleted ones included: one paginated listing. A failed
    page raises, so no plan is ever made (let alone a delete) on a partial listing; so does a
    listing that holds another repository's configs (a control plane that ignored the filter),
    whose ids a plan would delete or move."""
    listing = list(
        client.iter_sync_configs(repository=repository, include_deleted=True, page_size=page_size)
    )
    others = sorted({c.repository for c in listing if c.repository not in (None, repository)})
    if others:
        named = ", ".join(printable(str(name)) for name in others[:3])
        more = f" and {len(others) - 3} more" if len(others) > 3 else ""
        raise SyncBlocked(
            f"refusing to plan: asked for the configs of {repository}, the control plane "
            f"listed those of other repositories too ({named}{more})"
        )
    return listing


def plan_sync(source: HistorySource, client: Client, *, allow_mass_delete: bool = False) -> SyncRun:
    snapshot = source.snapshot()
    actual = read_actual(client, snapshot.repository)
    return plan_snapshot(snapshot, actual, allow_mass_delete=allow_mass_delete)


def plan_snapshot(
    snapshot: Snapshot, actual: Sequence[AgentConfigRecord], *, allow_mass_delete: bool = False
) -> SyncRun:
    """The run of ``snapshot`` against ``actual``, the control plane's configs of its
    repository (none, to plan against an empty state)."""
    desired = desired_files(snapshot)
    plan = make_plan(
        snapshot.repository,
        snapshot.commit,
        desired,
        actual,
        tree_complete=snapshot.complete,
        allow_mass_delete=allow_mass_delete,
    )
    return SyncRun(snapshot, desired, plan, actual=tuple(actual))


class Order(NamedTuple):
    last_applied: str | None
    warning: str | None = None


def check_order(source: HistorySource, client: Client, snapshot: Snapshot) -> Order:
    """Refuse a sync that is not of the default branch, or of an older commit; return the
    last applied commit, and a warning when the history between the two was rewritten."""
    branch = snapshot.default_branch or "the default branch"
    if snapshot.commit.endswith(WORKTREE_SUFFIX):
        raise SyncBlocked(
            f"{commit_label(snapshot.commit)} is not a commit of {branch}: only the default "
            "branch's head syncs (commit and merge the changes, or --force to apply anyway)"
        )
    if not snapshot.on_default_branch:
        raise SyncBlocked(
            f"{snapshot.ref} ({snapshot.commit[:12]}) is not the head of {branch}: only the "
            "default branch syncs (--force to apply anyway)"
        )
    last = client.get_repository_commit(snapshot.repository)
    if not last or last == snapshot.commit:
        return Order(last)
    try:
        order = source.order(last, snapshot.commit)
    except UnknownCommit:
        return Order(
            last,
            f"the last applied commit {last[:12]} is no longer in {snapshot.repository} (was "
            f"{branch} force-pushed?): applying the head of {branch}, {snapshot.commit[:12]}",
        )
    if order == "behind":
        raise SyncBlocked(
            f"{snapshot.commit[:12]} is older than the last applied commit {last[:12]}: "
            "refusing to roll configs back (--force to apply anyway)"
        )
    if order == "diverged":
        return Order(
            last,
            f"{snapshot.commit[:12]} does not descend from the last applied commit {last[:12]} "
            f"(was {branch} force-pushed?): applying the head of {branch}",
        )
    return Order(last)


def apply_run(
    run: SyncRun,
    source: HistorySource,
    client: Client,
    state: SyncState,
    *,
    force: bool = False,
    confirm: Callable[[Plan], None] | None = None,
    progress: Callable[[Action], None] | None = None,
) -> SyncRun:
    """Apply a planned run: the order guards (unless ``force``), then ``confirm`` (which may
    raise to stop), then the writes."""
    order = Order(None) if force else check_order(source, client, run.snapshot)
    if confirm is not None:
        confirm(run.plan)
    result = apply_plan(run.plan, client, state, last_applied=order.last_applied, progress=progress)
    warnings = run.warnings + ((order.warning,) if order.warning else ())
    return run._replace(result=result, warnings=warnings)


def apply_sync(
    source: HistorySource,
    client: Client,
    state: SyncState,
    *,
    force: bool = False,
    allow_mass_delete: bool = False,
    progress: Callable[[Action], None] | None = None,
) -> SyncRun:
    """Plan and apply in one go (callers that show the plan first use ``apply_run``)."""
    run = plan_sync(source, client, allow_mass_delete=allow_mass_delete)
    return apply_run(run, source, client, state, force=force, progress=progress)
