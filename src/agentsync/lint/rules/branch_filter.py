"""``branch-filter``: ``branches`` filters only ``push`` events, and each entry must be a
well-formed branch glob (``*``, ``**``, ``?``, ``[a-z]`` classes, a leading ``!`` to negate).

An empty glob, or one with characters git forbids in branch names (white space and control
characters, ``~ ^ : \\``, ``..``, ``@{``, ``//``), a leading or trailing ``/``, ``***`` or a broken
``[...]`` class (unclosed, empty, a backwards range like ``[z-a]``, a stray ``]``) can never
match, so the agent would silently never run.

Bad::

    triggers:
      - type: react
        events:
          - event: pull_request_open
            branches: [main]
          - event: push
            branches: ["release/[0-9"]

Fixed::

    triggers:
      - type: react
        events:
          - event: pull_request_open
          - event: push
            branches: ["release/[0-9]*"]
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta(
    "branch-filter",
    "error",
    "branches is only valid on push events and must hold well-formed globs",
)

_FORBIDDEN = re.compile(r"[\s~^:\\\x00-\x1f\x7f]|\.\.|@\{|//")


def glob_problem(pattern: str) -> str | None:
    """Why ``pattern`` is not a usable branch glob, or None."""
    body = pattern.removeprefix("!")
    if not body:
        return "is empty"
    found = _FORBIDDEN.search(body)
    if found:
        return f"contains {found.group()!r}, which git does not allow in branch names"
    if body.startswith("/") or body.endswith("/"):
        return "starts or ends with '/'"
    if "***" in body:
        return "contains '***'; use '**' to match across '/'"
    index = 0
    while index < len(body):
        if body[index] == "[":
            close = body.find(
                "]", index + 2 if body[index + 1 : index + 2] in ("!", "^") else index + 1
            )
            if close < 0:
                return "has a '[' that is never closed"
            members = body[index + 1 : close].lstrip("!^")
            if not members:
                return "has an empty character class '[]'"
            for low, high in re.findall(r"(.)-(.)", members):
                if low > high:
                    return f"has a backwards range '{low}-{high}'"
            index = close
        elif body[index] == "]":
            return "has a ']' without a matching '['"
        index += 1
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    for event_path, event in ctx.react_events():
        if event.get("branches") is None:
            continue
        name = event.get("event")
        branches_path = (*event_path, "branches")
        if isinstance(name, str) and name != "push":
            yield ctx.finding(
                branches_path,
                f"branches only filters push events, but this event is {name!r}",
                "remove branches, or use event: push",
                at_key=True,
            )
            continue
        for item_path, pattern in ctx.items(branches_path):
            if isinstance(pattern, str) and (problem := glob_problem(pattern)) is not None:
                yield ctx.finding(
                    item_path,
                    f"{format_path(item_path)} {pattern!r} {problem}",
                    "branch globs use * (within a segment), ** (across '/'), ? and [a-z]",
                )
