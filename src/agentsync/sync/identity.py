"""Which name a checkout syncs under when its origin changes, and ``--adopt``.

The control plane knows configs by repository name, and the name comes from ``--repository``
or the origin remote. When the origin changes (one added after a sync, a repository renamed or
moved to another owner), the next sync would create every agent again under the new name while
the old agents and their crons keep running. So the sync state records, after each apply that
went through, the name the checkout applied as, keyed by each of its **root commits**:

- a root commit is the same in every clone of the repository, whatever its remotes, its
  directory or the machine (a CI runner's fresh checkout, a re-clone elsewhere); an absolute
  path is not (it changes with each of those, and a directory can be reused for another
  repository);
- its price: a fork and its upstream share their root commits, so checkouts of both that share
  one state file look like one repository whose origin changed. ``--repository`` always wins:
  sync such a pair with it.

Before a plan, :func:`plan_checkout` compares the name with the recorded one. When they differ
and the control plane still has live configs under the recorded name, a name taken from the
origin is refused (:class:`OriginChanged`) until ``--repository`` names the repository or
``--adopt`` says to move the agents to the new name. The ``/v1`` sync API cannot change a
config's repository (a move changes its path only), so adopting is the new name's plan, which
creates the agents again (new ids, no run history), followed by a soft-delete of each of the
old name's live configs, in the same apply (``agentsync.sync.apply`` holds those deletes back
when any write before them did not go through).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from agentsync.client.api import Client
from agentsync.client.records import AgentConfigRecord
from agentsync.errors import AgentsyncError
from agentsync.plural import plural
from agentsync.sync.engine import HistorySource, SyncRun, plan_sync, read_actual
from agentsync.sync.plan import with_adopted
from agentsync.sync.state import SyncState


class OriginChanged(AgentsyncError):
    """The origin names another repository than the one this checkout synced as, which still
    has agents: neither ``--repository`` nor ``--adopt`` says which is right (exit 1)."""


class CheckoutSource(HistorySource, Protocol):
    """A source that knows its repository's name and its root commits (the local git source)."""

    def repository_name(self) -> str: ...

    def root_commits(self) -> tuple[str, ...]: ...


class Renamed(NamedTuple):
    """The name a checkout synced as, which still has live configs, and its name now."""

    recorded: str
    current: str
    listing: tuple[AgentConfigRecord, ...]  # the recorded name's configs, deleted ones too

    @property
    def configs(self) -> tuple[AgentConfigRecord, ...]:
        """The recorded name's live configs."""
        return tuple(config for config in self.listing if not config.deleted)

    def describe(self) -> str:
        return (
            f"the origin of this checkout changed: it synced as {self.recorded} "
            f"({plural(len(self.configs), 'agent')}), origin now says {self.current}"
        )


def renamed(source: CheckoutSource, client: Client, state: SyncState) -> Renamed | None:
    """The checkout's recorded name, when it is not the name it syncs as now and still has live
    configs on the control plane; else None (no record, the same name, nothing left there)."""
    recorded = state.checkout_name(source.root_commits())
    current = source.repository_name()
    if recorded is None or recorded == current:
        return None
    change = Renamed(recorded, current, tuple(read_actual(client, recorded)))
    return change if change.configs else None


def plan_checkout(
    source: CheckoutSource,
    client: Client,
    state: SyncState,
    *,
    explicit: bool,
    adopt: bool,
    allow_mass_delete: bool = False,
) -> SyncRun:
    """The plan of the checkout under its name now. When it synced as another name that still
    has agents: with ``adopt``, the plan also soft-deletes them; with an ``explicit`` name
    (``--repository``), they are left alone; else OriginChanged."""
    change = renamed(source, client, state) if adopt or not explicit else None
    if change is not None and not adopt:
        raise OriginChanged(
            f"{change.describe()}. Pass --repository {change.recorded} to keep the old name, "
            f"or --adopt to move the agents to {change.current}."
        )
    run = plan_sync(source, client, allow_mass_delete=allow_mass_delete)
    if change is None or not adopt:
        return run
    return run._replace(
        plan=with_adopted(run.plan, change.recorded, change.configs),
        actual=run.actual + change.configs,
    )


def record_checkout(source: CheckoutSource, state: SyncState, run: SyncRun) -> None:
    """After an apply: remember the name the checkout applied as, once every write went through
    (an adopt whose deletes were held back keeps the old name, so the next plan asks again)."""
    if run.result is not None and run.result.ok:
        state.record_checkout(source.root_commits(), run.plan.repository)
        state.save()
