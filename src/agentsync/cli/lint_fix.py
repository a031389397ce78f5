"""What ``agent-lint --fix`` and ``--diff`` print on stderr: each diagnostic fixed (or
fixable), what is left to do (a variable to set in the store), each file not written and why,
and the summary line ``3 fixed, 1 remaining``; file names printable, as the report prints
them. Imported only for ``--fix`` or ``--diff``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from agentsync.config.secrets import mask_secrets
from agentsync.lint.fixes import fix_targets
from agentsync.lint.result import LintResult
from agentsync.lint.runner import Target
from agentsync.lint.settings import Settings
from agentsync.printable import printable


def fix_run(
    targets: Sequence[Target], settings: Settings, root: Path, *, unsafe: bool, write: bool
) -> tuple[LintResult, str]:
    """Fix (or, for ``--diff``, only try) every target; list on stderr each diagnostic fixed,
    each file not written and why, and the summary line. The result is what remains; the
    diff, what changed (or would)."""
    files = fix_targets(targets, settings, root, unsafe=unsafe, write=write)
    word = "fixed" if write else "fixable"
    count = 0
    for file in files:
        path = printable(file.result.path)
        for diagnostic in file.fixed:
            sys.stderr.write(
                f"{word}: {path}:{diagnostic.line}:{diagnostic.column}: "
                f"{diagnostic.message} [{diagnostic.rule}]\n"
            )
        notes = dict.fromkeys(d.fix.note for d in file.fixed if d.fix and d.fix.note)
        sys.stderr.writelines(f"agent-lint: {mask_secrets(note)}\n" for note in notes if note)
        count += len(file.fixed)
        if file.not_written:
            sys.stderr.write(f"agent-lint: warning: {path}: {file.not_written}\n")
    result = LintResult(tuple(file.result for file in files))
    remaining = result.summary.errors + result.summary.warnings
    sys.stderr.write(f"{count} {word}, {remaining} remaining\n")
    return result, "".join(file.diff for file in files if file.fixed)
