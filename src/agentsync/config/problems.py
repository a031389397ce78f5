"""What can be wrong with a file as YAML, found while loading it, before any rule runs: the
``LoadProblem`` and the ids of the rules that report them (registered in
``agentsync.lint.rules``)."""

from __future__ import annotations

from typing import Final, NamedTuple

SYNTAX: Final = "syntax"
DUPLICATE_KEY: Final = "duplicate-key"
DOCUMENT_LIMITS: Final = "document-limits"
UNREADABLE: Final = "unreadable"

ConfigPath = tuple[str | int, ...]


class LoadProblem(NamedTuple):
    """Something wrong with the file as YAML: a 1-based position (lines as git counts them),
    a one-line message, and how to fix it when a common cause is known."""

    rule: str
    line: int
    column: int
    message: str
    hint: str | None = None
    path: ConfigPath = ()  # the config path it concerns, when there is one
