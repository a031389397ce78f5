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
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from agentsync.config.reference import DEPRECATED_REACT_EVENTS, REACT_EVENTS
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity, format_path

ID = "react-event"
SEVERITY: Severity = "error"
SUMMARY = "React events must be known events"
FROM_SCHEMA = False


def check(ctx: LintContext) -> Iterator[Finding]:
    for event_path, event in ctx.react_events():
        name = event.get("event")
        if not isinstance(name, str) or name in REACT_EVENTS or name in DEPRECATED_REACT_EVENTS:
            continue
        close = difflib.get_close_matches(name, REACT_EVENTS, n=1, cutoff=0.6)
        suggestion = f": did you mean {close[0]!r}?" if close else ""
        yield ctx.finding(
            (*event_path, "event"),
            f"{format_path((*event_path, 'event'))} {name!r} is not a known event{suggestion}",
            f"known events: {', '.join(REACT_EVENTS)}",
        )
