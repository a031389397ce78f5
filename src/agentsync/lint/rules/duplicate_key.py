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
from agentsync.lint.rule import RuleMeta, reported_by_loader

META = RuleMeta(problems.DUPLICATE_KEY, "error", "Keys must not repeat within a mapping")

check = reported_by_loader(META.id)
