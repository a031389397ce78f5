"""The contract every rule module satisfies (checked by mypy through ``RULES``).

A rule module declares ``META``, a :class:`RuleMeta` (its id, severity and summary, whether it
reports shape errors, which fixes it offers), and ``check(ctx)``, which yields findings. The
module docstring is the rule's documentation. A rule whose findings the loader makes (syntax,
duplicate keys, limits, unreadable files) declares ``check = reported_by_loader(META.id)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, Protocol

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, FixKind, Severity


class RuleMeta(NamedTuple):
    """What a rule module declares about itself.

    ``id``: stable, kebab-case. ``summary``: one line, for listings and SARIF.
    ``from_schema``: the rule reports shape errors; where a semantic rule reports on the same
    config path, its more specific finding wins. ``fix``: which fixes the rule's findings can
    carry (``agentsync.lint.fixes``): ``"safe"``, ``"unsafe"``, ``"both"``, or None for none.
    """

    id: str
    severity: Severity
    summary: str
    from_schema: bool = False
    fix: FixKind | None = None


class Rule(Protocol):
    """A rule module: its ``META``, its ``check``, and its docstring (the documentation)."""

    META: RuleMeta

    def check(self, ctx: LintContext) -> Iterable[Finding]: ...


def reported_by_loader(rule_id: str) -> Callable[[LintContext], Iterator[Finding]]:
    """The check of a rule whose findings the loader makes: the loader's problems of ``rule_id``."""

    def check(ctx: LintContext) -> Iterator[Finding]:
        return ctx.load_problems(rule_id)

    return check
