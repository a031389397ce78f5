"""``mention-platform``: a mention trigger's ``platforms`` lists github, slack or linear
(empty means all of them).

Bad::

    triggers:
      - type: mention
        platforms: [github, discord]

Fixed::

    triggers:
      - type: mention
        platforms: [github, slack]
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import MENTION_PLATFORMS
from agentsync.config.suggest import closest
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta("mention-platform", "error", "Mention platforms must be github, slack or linear")


def check(ctx: LintContext) -> Iterator[Finding]:
    for trigger_path, _ in ctx.triggers("mention"):
        for item_path, platform in ctx.items((*trigger_path, "platforms")):
            if not isinstance(platform, str) or platform in MENTION_PLATFORMS:
                continue
            close = closest(platform.lower(), MENTION_PLATFORMS)
            suggestion = f": did you mean {close!r}?" if close else ""
            yield ctx.finding(
                item_path,
                f"{format_path(item_path)} {platform!r} is not a mention platform{suggestion}",
                f"use {', '.join(MENTION_PLATFORMS)}, or leave platforms empty for all",
            )
