"""One sync of one repository: snapshot -> desired -> actual -> plan -> (apply).

Level-triggered: it reads the whole tree at the commit and the whole listing of the repository's
configs every time, so applying twice is a no-op the second time. The actual state is one
paginated listing, not a call per config. Guards before any write:

- only the repository's default branch syncs (``force`` overrides, e.g. for a local preview);
- a commit older than the last applied one is refused (``force`` overrides), so out-of-order
  runs never roll configs back;
- a blocked plan (incomplete read, mass delete) is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple, Protocol

from agentsync.controlplane.client import Client
from agentsync.controlplane.records import AgentConfigRecord
from agentsync.sync.apply import ApplyResult, SyncBlocked, apply_plan
from agentsync.sync.desired import desired_files
from agentsync.sync.model import Action, DesiredFile, Plan, Snapshot
from agentsync.sync.plan import make_plan
from agentsync.sync.state import SyncState


class HistorySource(Protocol):
    """A source that can tell commit order (the local git source can)."""

    def snapshot(self) -> Snapshot: ...

    def is_ancestor(self, older: str, newer: str) -> bool: ...


class SyncRun(NamedTuple):
    snapshot: Snapshot
    desired: dict[str, DesiredFile]
    plan: Plan
    result: ApplyResult | None = None


def read_actual(client: Client, repository: str, page_size: int = 100) -> list[AgentConfigRecord]:
    """Every config of the repository, deleted ones included: one paginated listing. A failed
    page raises, so no plan is ever made (let alone a delete) on a partial listing."""
    return list(
        client.iter_sync_configs(repository=repository, include_deleted=True, page_size=page_size)
    )


def plan_sync(source: HistorySource, client: Client, *, allow_mass_delete: bool = False) -> SyncRun:
    snapshot = source.snapshot()
    desired = desired_files(snapshot)
    actual = read_actual(client, snapshot.repository)
    plan = make_plan(
        snapshot.repository,
        snapshot.commit,
        desired,
        actual,
        tree_complete=snapshot.complete,
        allow_mass_delete=allow_mass_delete,
    )
    return SyncRun(snapshot, desired, plan)


def check_order(source: HistorySource, client: Client, snapshot: Snapshot) -> str | None:
    """Refuse a sync that is not of the default branch, or of an older commit; return the
    last applied commit."""
    if not snapshot.on_default_branch:
        branch = snapshot.default_branch or "the default branch"
        raise SyncBlocked(
            f"{snapshot.ref} ({snapshot.commit[:12]}) is not the head of {branch}: only the "
            "default branch syncs (--force to apply anyway)"
        )
    last = client.get_repository_commit(snapshot.repository)
    if last and last != snapshot.commit and source.is_ancestor(snapshot.commit, last):
        raise SyncBlocked(
            f"{snapshot.commit[:12]} is older than the last applied commit {last[:12]}: "
            "refusing to roll configs back (--force to apply anyway)"
        )
    return last


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
    last = None if force else check_order(source, client, run.snapshot)
    if confirm is not None:
        confirm(run.plan)
    result = apply_plan(run.plan, client, state, last_applied=last, progress=progress)
    return run._replace(result=result)


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
