"""``limits-clamped`` (warning): a limit above the platform maximum is clamped on save.

The platform's published maximums disagree with each other, so the maximums are settings
(``max-limits`` in ``[tool.agent-lint]`` or ``.agent-lint.yaml``), by default $50 per run and
no cap on day, week or month.

Bad::

    limits:
      run: 80

Fixed::

    limits:
      run: 50

``--fix --unsafe-fixes`` lowers the limit to the maximum.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.money import money
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta
from agentsync.lint.settings import LIMIT_WINDOWS

META = RuleMeta(
    "limits-clamped", "warning", "Limits above the platform maximum are clamped", fix="unsafe"
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for window in LIMIT_WINDOWS:
        value, maximum = ctx.limit(window), ctx.settings.max_limits.get(window)
        if maximum is None or value is None:
            continue
        if value > maximum:
            finding = ctx.finding(
                ("limits", window),
                f"limits.{window} {money(value)} is above the platform maximum; "
                f"it will be clamped to {money(maximum)}",
                "lower it, or raise max-limits in the agent-lint settings if your plan allows more",
            )
            yield ctx.with_value_fix(finding, ("limits", window), _number(maximum), safe=False)


def _number(amount: float) -> str:
    """``50.0`` -> ``50``, ``12.5`` -> ``12.5``: the amount as a config writes it."""
    return str(int(amount)) if amount == int(amount) else repr(amount)
