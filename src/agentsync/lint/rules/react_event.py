"""``react-event``: a react trigger's ``events[].event`` must be an event the platform emits;
an unknown one gets a "did you mean". An undocumented spelling the platform accepts
(``DEPRECATED_REACT_EVENTS``) is not unknown: the model reads it as the documented event.

Bad::

    triggers:
      - type: react
        events:
          - event: pull_request_opened

Fixed::

    triggers:
      - type: react
        events:
          - event: pull_request_open

``--fix`` renames the event when it differs from exactly one known event only by letter
case or surrounding blanks (``PUSH``), or is a typo of exactly one (``pull_request_opn``), in
the value's own quotes.
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.config.reference import DEPRECATED_REACT_EVENTS, REACT_EVENTS
from agentsync.config.suggest import only_case_match
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta("react-event", "error", "React events must be known events", fix="safe")


def check(ctx: LintContext) -> Iterator[Finding]:
    for path, name in ctx.react_event_names():
        if name in REACT_EVENTS or name in DEPRECATED_REACT_EVENTS:
            continue
        case = only_case_match(name, REACT_EVENTS)
        close = case or ctx.closest(name, REACT_EVENTS)
        suggestion = f": did you mean {close!r}?" if close else ""
        finding = ctx.finding(
            path,
            f"{format_path(path)} {name!r} is not a known event{suggestion}",
            f"known events: {', '.join(REACT_EVENTS)}",
        )
        fixed = case or (_typo_of(name) if ctx.fixing and close else None)
        yield ctx.with_value_fix(finding, path, fixed, string=True)


def _typo_of(name: str) -> str | None:
    """The one known event ``name`` is a typo of (looked up only while fixing)."""
    from agentsync.config.typos import only_close_match

    return only_close_match(name, REACT_EVENTS)
