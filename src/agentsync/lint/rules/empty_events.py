"""``empty-events`` (warning): a react trigger with ``events: []`` can never fire.

The platform's config reference is silent on an empty list: its validation table does not
reject it, and an agent may have no triggers at all (it then runs manually or through the API).
So the config is valid and sync applies it as written; the trigger just never starts a run. It
still makes the agent a react agent, which needs a system prompt (``system-prompt``).

Bad::

    triggers:
      - type: react
        events: []

Fixed::

    triggers:
      - type: react
        events:
          - event: pull_request_open
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta("empty-events", "warning", "A react trigger with no events never fires")


def check(ctx: LintContext) -> Iterator[Finding]:
    for trigger_path, trigger in ctx.triggers("react"):
        if trigger.get("events") == []:
            yield ctx.finding(
                (*trigger_path, "events"),
                f"{format_path(trigger_path)} is a react trigger with no events: it never fires",
                "list the events that should start the agent, or remove the trigger",
            )
