"""``document-limits``: bounded input (size cap, nesting depth, alias expansion, recursion).

The defaults (1 MiB, 100 levels, 10,000 values built through aliases) are far above any real
agent config and far below what would stall the linter.

Bad::

    structured_output:
      json_schema:
        type: object
        examples:
          - &a [x, x, x, x, x, x, x, x, x, x]
          - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
          - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
          - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
          - [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]   # 100,000 values

Fixed::

    structured_output:
      json_schema:
        type: object
        examples:
          - [x, y, z]
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config import problems
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity

ID = problems.DOCUMENT_LIMITS
SEVERITY: Severity = "error"
SUMMARY = "The file must stay within the size, depth and alias-expansion limits"
FROM_SCHEMA = False


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from ctx.load_problems(ID)
