"""Whether a command writes colour: ``--color auto|always|never`` (both commands), then the
environment (``NO_COLOR``, ``FORCE_COLOR``, ``TERM=dumb``), then whether the output is a
terminal. No click here: agent-lint uses it too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

from agentsync.settings import FORCE_COLOR, NO_COLOR, TERM

CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO, environ: Mapping[str, str]) -> bool:
    """``always`` and ``never`` as said; ``auto``: not with ``NO_COLOR`` (non-empty), yes with
    ``FORCE_COLOR`` (not ``0``/``false``), else on a terminal that is not ``TERM=dumb``."""
    if choice != "auto":
        return choice == "always"
    if environ.get(NO_COLOR.name):
        return False
    if environ.get(FORCE_COLOR.name, "0").lower() not in ("", "0", "false"):
        return True
    return stream.isatty() and environ.get(TERM.name) != "dumb"
