"""The error tree shared by every command, and nothing else.

    AgentsyncError        base: a problem the user can act on (exit 1 unless stated)
    ├── UsageError        bad flags, paths or settings (exit 2)
    ├── StoreError        a database cannot be opened or reached
    │   └── DatabaseUnreachable   no connection to a database server (it may come back)
    ├── MigrationError    a database cannot be brought to this release's schema (exit 2;
    │                     in agentsync.migrations)
    └── (control-plane, sync and platform errors subclass it in their packages)

Third-party errors are wrapped where they enter (``raise UsageError(...) from e``); the CLI's
single boundary turns these into a message and an exit code, never a traceback.
"""

from __future__ import annotations


class AgentsyncError(Exception):
    """A problem the user can act on."""

    exit_code = 1


class UsageError(AgentsyncError):
    """Bad command-line usage, paths or settings."""

    exit_code = 2


class StoreError(AgentsyncError):
    """A database (the control plane's, or the service's) cannot be opened or reached; the
    message names it, never with its password."""


class DatabaseUnreachable(StoreError):
    """No connection could be made to a database server (down, restarting, unreachable): worth
    waiting for, unlike a database that answers but cannot be used."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"cannot connect to {where}: {reason}")
        self.where, self.reason = where, reason
