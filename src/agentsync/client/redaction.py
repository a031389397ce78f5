"""Keeping the client's token out of what people read: ``repr``s, error messages, and the
records websockets logs about its handshake."""

from __future__ import annotations

import logging
from typing import Any, Final

REDACTED: Final = "***"


class Secret:
    """A credential held where ``repr`` or ``vars`` could show it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(REDACTED)

    def redact(self, text: str) -> str:
        """``text`` with the credential replaced."""
        return text.replace(self.value, REDACTED)


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """Hands records on with the secret replaced (websockets logs its handshake headers)."""

    def __init__(self, logger: logging.Logger, secret: Secret) -> None:
        super().__init__(logger, {})
        self._secret = secret

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        self.logger.log(level, self._secret.redact(text), **kwargs)
