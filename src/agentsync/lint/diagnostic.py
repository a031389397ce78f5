"""Findings as frozen, sortable value objects with 1-based positions.

A rule yields ``Finding``s (where and what); the runner adds the rule id and severity to make a
``Diagnostic``, the only thing reporters see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from agentsync.config.loader import ConfigPath

Severity = Literal["error", "warning"]


def format_path(path: ConfigPath) -> str:
    """``('triggers', 0, 'schedule')`` -> ``triggers[0].schedule``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


@dataclass(frozen=True)
class Finding:
    """What a rule reports: a position, a message that says how to fix it, and a config path."""

    line: int
    column: int
    message: str
    path: ConfigPath = ()
    hint: str | None = None
    # Source columns from here on hold a secret; reporters mask them in snippets.
    redact_from: int | None = None


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding with its rule id and severity, as reporters print it."""

    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    path: str = ""
    hint: str | None = field(default=None, compare=False)
    redact_from: int | None = field(default=None, compare=False)
