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

from agentsync.config import problems
from agentsync.lint.rule import RuleMeta, reported_by_loader

META = RuleMeta(
    problems.DOCUMENT_LIMITS,
    "error",
    "The file must stay within the size, depth and alias-expansion limits",
)

check = reported_by_loader(META.id)
