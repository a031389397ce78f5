"""``syntax``: the file must be YAML that parses, in UTF-8: no tabs for indentation, no
control characters, one document.

Reported by the loader, one line at the mistake (lines as git counts them), in the file's
terms: ``agentsync.config.yaml_errors`` explains libyaml's error and hints at the fix of the
common causes (quote a value holding ": " or starting with "@", "`" or "*", the anchor a
misspelt alias meant, where a quote or bracket left open starts); ``agentsync.config.encoding``
names a file saved in another encoding.

Bad::

    triggers:
      - type: cron
        schedule: */15 * * * *

Fixed::

    triggers:
      - type: cron
        schedule: "*/15 * * * *"

``--fix`` quotes a plain value that starts with ``*`` (and is no alias), ``@`` or a backtick.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config import problems
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta(problems.SYNTAX, "error", "The file must be valid YAML", fix="safe")


def check(ctx: LintContext) -> Iterator[Finding]:
    for finding in ctx.load_problems(META.id):
        if ctx.fixing:  # a value starting with "*", "@" or "`": quote it
            from agentsync.lint.edits import fix, quote_reserved_start

            edit = quote_reserved_start(ctx.document, finding.line, finding.column)
            finding = finding._replace(fix=fix(edit))
        yield finding
