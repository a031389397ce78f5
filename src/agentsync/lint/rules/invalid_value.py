"""``invalid-value``: values outside what the schema allows (an enum, a minimum or maximum)
that no more specific rule explains, such as a negative limit; and numbers no field can hold:
NaN, infinity (``.inf``), or larger than 10^15 (past that a float no longer counts cents).

    limits:
      run: .inf   # invalid-value: limits.run must be a finite number of dollars

Bad::

    limits:
      run: -5

Fixed::

    limits:
      run: 5
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.money import MAX_AMOUNT, money
from agentsync.lint.context import LintContext, describe
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "invalid-value", "error", "Values must be within what the schema allows", from_schema=True
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("enum", "range"):
        where = format_path(error.path)
        if error.bound is not None and error.bound[0] == "finite":
            if error.path[:1] == ("limits",):
                message = f"{where} must be a finite number of dollars, at most {money(MAX_AMOUNT)}"
            else:
                message = f"{where} must be a finite number, at most {MAX_AMOUNT:,}"
        elif error.bound is not None:
            keyword, limit = error.bound
            relation = "at least" if keyword == "minimum" else "at most"
            message = f"{where} is {error.value}; it must be {relation} {limit:g}"
        else:
            allowed = ", ".join(repr(v) for v in error.expected)
            message = f"{where} is {describe(error.value, error.path)}; allowed: {allowed}"
        yield ctx.finding(error.path, message)
