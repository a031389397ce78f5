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

from agentsync.config import problems
from agentsync.lint.diagnostic import FixKind, Severity
from agentsync.lint.rule import reported_by_loader

ID = problems.DUPLICATE_KEY
SEVERITY: Severity = "error"
SUMMARY = "Keys must not repeat within a mapping"
FROM_SCHEMA = False
FIX: FixKind | None = None

check = reported_by_loader(ID)
