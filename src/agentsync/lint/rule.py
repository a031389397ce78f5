"""The contract every rule module satisfies (checked by mypy through ``RULES``).

A rule module declares ``ID`` (stable, kebab-case), ``SEVERITY``, ``SUMMARY`` (one line for
listings and SARIF) and ``check(ctx)``, which yields findings. The module docstring is the
rule's documentation. ``FROM_SCHEMA`` marks rules that report shape errors: where a semantic
rule reports on the same config path, its more specific finding wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity


class Rule(Protocol):
    ID: str
    SEVERITY: Severity
    SUMMARY: str
    FROM_SCHEMA: bool

    def check(self, ctx: LintContext) -> Iterable[Finding]: ...
