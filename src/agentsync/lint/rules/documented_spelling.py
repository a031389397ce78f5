"""``documented-spelling`` (warning): a value spelt as the platform's own configs spell it,
not as its config reference documents it: the react event ``pull_request_merged`` is documented
as ``pull_request_merge``.

The platform CLI's own ``agents/update_docs.yaml`` uses ``pull_request_merged``, and the
reference's validation table does not make it a sync failure, so the config is valid and
agentsync reads the event as the documented one. A value close to a documented one but not
listed here is a typo: ``react-event`` reports it as an error with a "did you mean".

Bad::

    triggers:
      - type: react
        events:
          - event: pull_request_merged

Fixed::

    triggers:
      - type: react
        events:
          - event: pull_request_merge

``--fix --unsafe-fixes`` writes the documented spelling.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import DEPRECATED_REACT_EVENTS
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "documented-spelling",
    "warning",
    "Values are spelt as the config reference documents them",
    fix="unsafe",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    for path, name in ctx.react_event_names():
        documented = DEPRECATED_REACT_EVENTS.get(name)
        if documented is not None:
            finding = ctx.finding(
                path,
                f"{format_path(path)} `{name}` is documented as `{documented}` "
                f"(read as {documented})",
                f"write it as the config reference does: event: {documented}",
            )
            yield ctx.with_value_fix(finding, path, documented, safe=False, string=True)
