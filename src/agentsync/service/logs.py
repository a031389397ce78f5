"""Structured JSON logs for the service, one object per line, with secrets scrubbed; or the
same records as readable lines, for a terminal (:class:`TextFormatter`).

Every record carries ``ts``, ``level``, ``logger`` and ``message``, plus the context fields
passed through ``extra=`` (``delivery``, ``event``, ``repository``, ``job``, ``kind``,
``outcome``, ``duration_ms``, ...). The :class:`Redactor` replaces every registered secret
(webhook secrets, GitHub and control-plane tokens, the GitHub App key line by line) with
``***`` in the final line, whatever path it took to get there, JSON-escaped or not. Config
bodies (and so any ``envs`` they hold) are never logged.
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
_MIN_LINE_LENGTH = 16  # a line of a multi-line secret, e.g. 64 base64 characters of a PEM key


class Redactor:
    """Replaces known secret strings with ``***``."""

    def __init__(self, secrets: Iterable[str | bytes] = ()) -> None:
        self._secrets: list[str] = []
        self.add(secrets)

    def add(self, secrets: Iterable[str | bytes]) -> None:
        """Register secrets: each as written and as JSON escapes it (the line is JSON), and
        each line of a multi-line secret (a PEM key) on its own."""
        for secret in secrets:
            text = secret.decode("utf-8", "replace") if isinstance(secret, bytes) else secret
            lines = [line.strip() for line in text.splitlines()]
            forms = [text, *(line for line in lines if len(line) >= _MIN_LINE_LENGTH)]
            for form in forms:
                for variant in (form, json.dumps(form, ensure_ascii=False)[1:-1]):
                    if len(variant) >= _MIN_SECRET_LENGTH and variant not in self._secrets:
                        self._secrets.append(variant)
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


class TextFormatter(logging.Formatter):
    """A record as one readable line: time, level, message, then its context fields."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(record.created))
        context = " ".join(
            f"{name}={record.__dict__[name]}"
            for name in CONTEXT_FIELDS
            if record.__dict__.get(name) is not None
        )
        line = f"{when} {record.levelname.lower():<7} {record.getMessage()}"
        if context:
            line += f"  [{context}]"
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            line += f" ({type(error).__name__}: {error})"
        return self.redactor(line)


def configure(
    redactor: Redactor,
    *,
    level: int = logging.INFO,
    stream: TextIO | None = None,
    text: bool = False,
) -> logging.Handler:
    """Send the ``agentsync`` and ``uvicorn`` loggers to ``stream`` as JSON lines (readable
    lines with ``text``); the handler (so tests can remove it)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(TextFormatter(redactor) if text else JsonFormatter(redactor))
    for name in ("agentsync", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False
    # Access lines would log every delivery twice; the service logs its own line per delivery.
    logging.getLogger("uvicorn.access").disabled = True
    return handler
