"""The reporter contract: turn a ``LintResult`` into text on a given stream."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TextIO

from agentsync.lint.result import LintResult


class Reporter(ABC):
    """Writes one format. ``color`` only matters to formats meant for a terminal."""

    def __init__(self, stream: TextIO, *, color: bool = False) -> None:
        self.stream = stream
        self.color = color

    @abstractmethod
    def report(self, result: LintResult) -> None: ...
