"""``limits-clamped`` (warning): a limit above the platform maximum is clamped on save.

The platform's published maximums disagree with each other, so the maximums are settings
(``max-limits`` in ``[tool.agent-lint]`` or ``.agent-lint.yaml``), by default $50 per run and
no cap on day, week or month.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity
from agentsync.lint.settings import LIMIT_WINDOWS

ID = "limits-clamped"
SEVERITY: Severity = "warning"
SUMMARY = "Limits above the platform maximum are clamped"
FROM_SCHEMA = False


def check(ctx: LintContext) -> Iterator[Finding]:
    limits = ctx.mapping(("limits",))
    for window in LIMIT_WINDOWS:
        value, maximum = limits.get(window), ctx.settings.max_limits.get(window)
        if maximum is None or isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value > maximum:
            yield ctx.finding(
                ("limits", window),
                f"limits.{window} ${value:g} is above the platform maximum; "
                f"it will be clamped to ${maximum:g}",
                "lower it, or raise max-limits in the agent-lint settings if your plan allows more",
            )
