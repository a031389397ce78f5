"""``syntax``: the file must be valid UTF-8 YAML (no tabs for indentation, one document).

Reported by the loader; the message says what libyaml found and, for the common traps (tabs,
a plain value starting with ``*``, an unquoted ``: ``), how to fix it.

Bad::

    triggers:
      - type: cron
        schedule: */15 * * * *

Fixed::

    triggers:
      - type: cron
        schedule: "*/15 * * * *"
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config import loader
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity

ID = loader.SYNTAX
SEVERITY: Severity = "error"
SUMMARY = "The file must be valid YAML"
FROM_SCHEMA = False


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from ctx.load_problems(ID)
