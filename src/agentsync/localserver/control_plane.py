"""The local control plane's behaviour, independent of HTTP: ``ControlPlane`` builds its parts
over one store and exposes them, and callers use the parts.

    configs     config records and the sync API (:mod:`~agentsync.localserver.configs`)
    runs        runs, their events and the event bus (:mod:`~agentsync.localserver.runs`)
    budgets     caps, the account budget, usage (:mod:`~agentsync.localserver.budgets`)
    variables   sandbox variables over the vault (:mod:`~agentsync.localserver.variables`)

The HTTP app (``app.py``) maps requests onto the parts and their errors onto statuses. Times
and budget windows come from the injectable ``clock`` (UTC), so tests can move time.
"""

from __future__ import annotations

from agentsync.localserver.budgets import Budgets
from agentsync.localserver.configs import Configs
from agentsync.localserver.runners import DryRunRunner, Runner
from agentsync.localserver.runs import Runs
from agentsync.localserver.settings import Clock, ServerSettings, Shared, utcnow
from agentsync.localserver.store import SQLiteStore
from agentsync.localserver.variables import Variables
from agentsync.localserver.vault import Vault


class ControlPlane:
    """Configs, runs, budgets and sandbox variables on one ``SQLiteStore``; runs execute with
    ``runner``, variable values are sealed by ``vault``."""

    def __init__(
        self,
        store: SQLiteStore,
        *,
        settings: ServerSettings | None = None,
        runner: Runner | None = None,
        vault: Vault | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or ServerSettings()
        self.vault = vault
        self.clock: Clock = clock or utcnow
        shared = Shared(store, self.settings, self.clock)
        self.configs = Configs(shared)
        self.budgets = Budgets(shared)
        self.variables = Variables(store, vault)
        parts = (self.configs, self.budgets, self.variables)
        self.runs = Runs(shared, runner or DryRunRunner(), parts)

    def close(self) -> None:
        """Stop the runs under way (the store stays open: its owner closes it)."""
        self.runs.close()
