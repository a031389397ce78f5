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

``--fix`` rewrites a platform that differs from one of them only by letter case or
surrounding blanks (``GitHub``, ``" slack"``), in the value's own quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import MENTION_PLATFORMS
from agentsync.config.suggest import only_case_match
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "mention-platform", "error", "Mention platforms must be github, slack or linear", fix="safe"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for trigger_path, _ in ctx.triggers("mention"):
        for item_path, platform in ctx.items((*trigger_path, "platforms")):
            if not isinstance(platform, str) or platform in MENTION_PLATFORMS:
                continue
            case = only_case_match(platform, MENTION_PLATFORMS)
            close = case or ctx.closest(platform.lower(), MENTION_PLATFORMS)
            suggestion = f": did you mean {close!r}?" if close else ""
            finding = ctx.finding(
                item_path,
                f"{format_path(item_path)} {platform!r} is not a mention platform{suggestion}",
                f"use {', '.join(MENTION_PLATFORMS)}, or leave platforms empty for all",
            )
            yield ctx.with_value_fix(finding, item_path, case, string=True)
