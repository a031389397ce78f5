"""``repository-name``: each ``sandbox.repositories[].name`` must name a repository: not empty,
not only whitespace.

The platform's config reference says a repository entry "takes name (required)" and is silent
on an empty one. An empty name names no repository the sandbox could check out, so it counts as
missing, as the reference counts an empty required ``claude.system``: the config is invalid, and
sync keeps the last good config (or records an orphan error for a new file).

Bad::

    sandbox:
      repositories:
        - name: ""

Fixed::

    sandbox:
      repositories:
        - name: acme/api
"""

from __future__ import annotations

from collections.abc import Iterator

from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, format_path
from agentsync.lint.rule import RuleMeta

META = RuleMeta("repository-name", "error", "Sandbox repositories must have a non-empty name")


def check(ctx: LintContext) -> Iterator[Finding]:
    for path, name in ctx.entry_strings(("sandbox", "repositories"), "name"):
        if not name.strip():
            state = "empty" if not name else "only whitespace"
            yield ctx.finding(
                path,
                f"{format_path(path)} is {state}: it names no repository to check out",
                "write the repository's name (owner defaults to the config's account)",
            )
