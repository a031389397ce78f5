"""Which runner executes the local control plane's runs: ``build_runner`` turns
``--runner dry-run|command`` and ``--command CMD`` into one of ``agentsync.localserver.runners``."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Final

from agentsync.errors import UsageError

if TYPE_CHECKING:
    from agentsync.localserver.runners import Runner

RUNNER_KINDS: Final = ("dry-run", "command")


def build_runner(kind: str, command: str | None) -> Runner:
    """The runner ``kind`` names; a ``command`` runner runs ``command`` (split as a shell
    would, never through one). UsageError for a combination that makes no sense."""
    from agentsync.localserver.runners import CommandRunner, DryRunRunner

    if kind == "dry-run":
        if command is not None:
            raise UsageError("--command needs --runner command")
        return DryRunRunner()
    if not command:
        raise UsageError("--runner command needs --command CMD")
    try:
        return CommandRunner(shlex.split(command), timeout=None)
    except ValueError as error:
        raise UsageError(f"--command {command!r}: {error}") from error
