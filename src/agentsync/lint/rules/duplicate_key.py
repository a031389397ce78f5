"""``duplicate-key``: a mapping must not repeat a key; YAML would silently keep only one.

Bad::

    limits:
      run: 2
      day: 20
      run: 5

Fixed::

    limits:
      run: 5
      day: 20
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config import problems
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity

ID = problems.DUPLICATE_KEY
SEVERITY: Severity = "error"
SUMMARY = "Keys must not repeat within a mapping"
FROM_SCHEMA = False


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from ctx.load_problems(ID)
