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

``--fix`` rewrites a value of a closed set that differs from one allowed value only by letter
case or surrounding blanks (``structured_output.type: JSON_Schema``), in the value's own
quotes; a number out of range is left to you.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.money import MAX_AMOUNT, money
from agentsync.config.suggest import only_case_match
from agentsync.lint.context import LintContext, describe
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta
from agentsync.lint.shape import ShapeError

META = RuleMeta(
    "invalid-value",
    "error",
    "Values must be within what the schema allows",
    from_schema=True,
    fix="safe",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for error in ctx.shape_errors_of("enum", "range"):
        where, fixed = format_path(error.path), None
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
            fixed = _case_of(error)
        finding = ctx.finding(error.path, message)
        yield ctx.with_value_fix(finding, error.path, fixed, string=True)


def _case_of(error: ShapeError) -> str | None:
    """The one allowed string an enum's string value is, but for case and blanks."""
    if not isinstance(error.value, str):
        return None
    return only_case_match(error.value, [v for v in error.expected if isinstance(v, str)])
