"""``unknown-rule`` (warning): an inline directive names a rule that does not exist.

``# agent-lint: disable=NAME`` silences nothing when NAME is misspelt, so the finding it was
meant for still shows, or worse, a later one is not silenced as intended. Every name in a
directive must be a rule id (``agent-lint --list-rules``) or ``all``.

Bad::

    limits:
      run: 20  # agent-lint: disable=limit-clamped

Fixed::

    limits:
      run: 20  # agent-lint: disable=limits-clamped
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta
from agentsync.lint.suppress import ALL, directives

META = RuleMeta("unknown-rule", "warning", "A directive names a rule that does not exist")


def check(ctx: LintContext) -> Iterator[Finding]:
    if "agent-lint:" not in ctx.document.text:
        return
    known = sorted(ctx.rule_ids | {ALL})
    for directive in directives(ctx.document.source.lines):
        for name in directive.names:
            if name.name in known:
                continue
            match = ctx.closest(name.name, known)
            yield Finding(
                name.line,
                name.column,
                f"the directive names no rule {name.name!r}"
                + (f": did you mean {match!r}?" if match else ""),
                hint=f"replace it with {match!r}" if match else "see agent-lint --list-rules",
            )
