"""Keeping secrets (the client's token, values sent write-only) out of what people read:
``repr``s, error messages, even when a server echoes them back, and the records websockets logs
about its handshake."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any, Final, TypeVar, cast

REDACTED: Final = "***"
T = TypeVar("T")


def redacted(value: T, secrets: Iterable[str]) -> T:
    """``value`` (text, or JSON: lists and objects holding text) with each of ``secrets``, as
    it is or as JSON escapes it, replaced by ``***``."""
    forms = {form for secret in secrets if secret for form in (secret, json.dumps(secret)[1:-1])}
    return cast(T, _replaced(value, sorted(forms, key=len, reverse=True)))


def _replaced(value: Any, forms: list[str]) -> Any:
    if isinstance(value, str):
        for form in forms:
            value = value.replace(form, REDACTED)
        return value
    if isinstance(value, list):
        return [_replaced(item, forms) for item in value]
    if isinstance(value, dict):
        return {_replaced(k, forms): _replaced(v, forms) for k, v in value.items()}
    return value


class Secret:
    """A credential held where ``repr`` or ``vars`` could show it."""

    __slots__ = ("value",)

    def __init__(self, value: str) -> None:
        self.value = value

    def __repr__(self) -> str:
        return repr(REDACTED)

    def redact(self, value: T) -> T:
        """``value`` (text, or JSON) with the credential replaced."""
        return redacted(value, (self.value,))


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
