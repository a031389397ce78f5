"""``version``: ``ellipsis.version`` must be ``v1``, the only supported version.

The platform rejects any other value; an unquoted ``1`` is a number, not ``v1``.

Bad::

    ellipsis:
      version: 1

Fixed::

    ellipsis:
      version: v1

``--fix`` rewrites a version that differs only by letter case or surrounding blanks (``V1``,
``"V1 "``) as ``v1``, in the value's own quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import SUPPORTED_VERSIONS
from agentsync.config.suggest import only_case_match
from agentsync.lint.context import MISSING, LintContext, describe
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta("version", "error", "ellipsis.version must be v1", fix="safe")

PATH = ("ellipsis", "version")


def check(ctx: LintContext) -> Iterator[Finding]:
    value = ctx.get(PATH)
    if value is MISSING or value is None or value in SUPPORTED_VERSIONS:
        return
    supported = ", ".join(SUPPORTED_VERSIONS)
    shown = repr(value) if isinstance(value, str) else describe(value)
    finding = ctx.finding(
        PATH,
        f"ellipsis.version is {shown}, which is not supported; the supported version is "
        f"{supported}",
        "write version: v1 (a string; an unquoted 1 is a number)",
    )
    fixed = only_case_match(value, SUPPORTED_VERSIONS) if isinstance(value, str) else None
    yield ctx.with_value_fix(finding, PATH, fixed, string=True)
