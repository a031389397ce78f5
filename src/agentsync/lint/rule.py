"""The contract every rule module satisfies (checked by mypy through ``RULES``).

A rule module declares ``ID`` (stable, kebab-case), ``SEVERITY``, ``SUMMARY`` (one line for
listings and SARIF) and ``check(ctx)``, which yields findings. The module docstring is the
rule's documentation. ``FROM_SCHEMA`` marks rules that report shape errors: where a semantic
rule reports on the same config path, its more specific finding wins. A rule whose findings
the loader makes (syntax, duplicate keys, limits, unreadable files) declares
``check = reported_by_loader(ID)``. ``FIX`` says which fixes the rule's findings can carry
(``agentsync.lint.fixes``): ``"safe"``, ``"unsafe"``, ``"both"``, or None for none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, FixKind, Severity


class Rule(Protocol):
    ID: str
    SEVERITY: Severity
    SUMMARY: str
    FROM_SCHEMA: bool
    FIX: FixKind | None

    def check(self, ctx: LintContext) -> Iterable[Finding]: ...


def reported_by_loader(rule_id: str) -> Callable[[LintContext], Iterator[Finding]]:
    """The check of a rule whose findings the loader makes: the loader's problems of ``rule_id``."""

    def check(ctx: LintContext) -> Iterator[Finding]:
        return ctx.load_problems(rule_id)

    return check
