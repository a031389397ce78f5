"""Structured JSON logs for the service, one object per line, with secrets scrubbed.

Every record carries ``ts``, ``level``, ``logger`` and ``message``, plus the context fields
passed through ``extra=`` (``delivery``, ``event``, ``repository``, ``job``, ``kind``,
``outcome``, ``duration_ms``, ...). The :class:`Redactor` replaces every registered secret
(webhook secrets, GitHub and control-plane tokens) with ``***`` in the final line, whatever
path it took to get there, and ``envs`` values never reach a log: no code logs a config body.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable
from typing import Any, TextIO

CONTEXT_FIELDS = (
    "delivery",
    "event",
    "action",
    "repository",
    "job",
    "kind",
    "attempt",
    "outcome",
    "commit",
    "duration_ms",
    "worker",
    "status",
    "error",
)
_MIN_SECRET_LENGTH = 6  # shorter strings would mangle ordinary words


class Redactor:
    """Replaces known secret strings with ``***``."""

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str | bytes]) -> None:
        for secret in secrets:
            text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
            if len(text) >= _MIN_SECRET_LENGTH and text not in self._secrets:
                self._secrets.append(text)
        self._secrets.sort(key=len, reverse=True)  # a longer secret first if one contains another

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


class JsonFormatter(logging.Formatter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in CONTEXT_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["exception"] = f"{type(error).__name__}: {error}"
        return self.redactor(json.dumps(entry, default=str, ensure_ascii=False))


def configure(
    redactor: Redactor, *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send the ``agentsync`` and ``uvicorn`` loggers to ``stream`` as JSON lines; the
    handler (so tests can remove it)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(redactor))
    for name in ("agentsync", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # Access lines would log every delivery twice; the service logs its own line per delivery.
    logging.getLogger("uvicorn.access").disabled = True
    return handler
