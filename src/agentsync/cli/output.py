"""The base of the CLI's printers: one stream, readable text or JSON."""

from __future__ import annotations

import json
from typing import IO, Any

import click


class Output:
    """Where printers write: readable text, or JSON (one object per line when watching)."""

    def __init__(self, as_json: bool, stream: IO[str] | None = None) -> None:
        self.as_json = as_json
        self.stream = stream

    def _line(self, text: str) -> None:
        click.echo(text, file=self.stream)

    def _json(self, value: Any, *, compact: bool = False) -> None:
        self._line(json.dumps(value, indent=None if compact else 2))
