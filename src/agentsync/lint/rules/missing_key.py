"""``missing-key``: keys the schema requires (a cron trigger's ``schedule``, a react trigger's
``events`` and each event's ``event``, the ``name`` of a repository, an MCP server or a sandbox
variable, a tool's ``type``) must be present. A trigger without ``type`` is ``trigger-type``'s.

Bad::

    triggers:
      - type: cron

Fixed::

    triggers:
      - type: cron
        schedule: "0 9 * * 1-5"
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta("missing-key", "error", "Required keys must be present", from_schema=True)


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("missing-key"):
        key = str(error.expected[0])
        where = format_path(error.path) or "the top level"
        yield ctx.finding(
            (*error.path, key), f"{where} is missing the required key {key!r}", at_key=True
        )
