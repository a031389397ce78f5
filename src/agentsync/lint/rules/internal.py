"""``internal``: agent-lint itself failed on this file. The runner reports it in place of the
file's diagnostics when loading or a rule raises, so one file can never stop a run: the other
files are still checked, sync treats the file as invalid (its last good config stays in force),
and the control plane answers 422. The message names the exception and where it was raised,
never the file's content; please report it with the file, if you can share it.

For example, a bug in a rule's code is reported as ``agent-lint could not check this file
(KeyError in context.py:62), please report it``, with the issue tracker's address as the hint.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Diagnostic, Finding
from agentsync.lint.rule import RuleMeta

_PACKAGE = Path(__file__).resolve().parents[2]  # src/agentsync
META = RuleMeta("internal", "error", "agent-lint could not check the file")


def check(ctx: LintContext) -> Iterator[Finding]:
    """Nothing: the runner builds this rule's diagnostic with :func:`diagnostic`."""
    yield from ()


def diagnostic(error: BaseException) -> Diagnostic:
    """The diagnostic for ``error``, raised while checking a file: its type and the place in
    agentsync's code where it was raised (the message could quote the file)."""
    import traceback  # only when something failed: agent-lint's cold start never pays for it

    ours = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if _PACKAGE in Path(frame.filename).parents
    ]
    where = f" in {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return Diagnostic(
        1,
        1,
        META.id,
        META.severity,
        f"agent-lint could not check this file ({type(error).__name__}{where}), please report it",
        hint="https://github.com/agentsync/agentsync/issues",
    )
