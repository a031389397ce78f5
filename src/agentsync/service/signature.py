"""Webhook secrets and ``X-Hub-Signature-256`` verification.

The secret comes from ``AGENTSYNC_WEBHOOK_SECRET`` (plus ``AGENTSYNC_WEBHOOK_SECRET_PREVIOUS``
while a rotation is under way) or from a file of one or two lines (the current secret, then
the previous one), never from a command-line value, where ``ps`` would show it. A delivery is
accepted when its HMAC-SHA256 matches either secret, compared in constant time. SHA-1
signatures (``X-Hub-Signature``) are refused: only ``sha256=`` counts.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from agentsync.errors import UsageError
from agentsync.settings import AGENTSYNC_WEBHOOK_SECRET, AGENTSYNC_WEBHOOK_SECRET_PREVIOUS

SECRET_VARIABLE = AGENTSYNC_WEBHOOK_SECRET.name
PREVIOUS_SECRET_VARIABLE = AGENTSYNC_WEBHOOK_SECRET_PREVIOUS.name
_MIN_SECRET_LENGTH = 16


class WebhookSecrets:
    """One or two secrets; never shown by ``repr`` or ``str``. ``sources`` name where each
    came from (a variable, a file's line), for the refusal of one too short or too many."""

    def __init__(self, secrets: list[bytes], sources: list[str] | None = None) -> None:
        if not secrets:
            raise UsageError("no webhook secret")

        def where(number: int) -> str:
            return f"{sources[number]}: " if sources else ""

        if len(secrets) > 2:
            raise UsageError(
                f"{where(2)}at most two webhook secrets (the current one, then the previous one)"
            )
        for number, secret in enumerate(secrets):
            if len(secret) < _MIN_SECRET_LENGTH:
                raise UsageError(
                    f"{where(number)}a webhook secret must be at least {_MIN_SECRET_LENGTH} "
                    "characters long (make one with `openssl rand -hex 32`)"
                )
        self._secrets = tuple(secrets)

    def __repr__(self) -> str:
        return f"WebhookSecrets(<{len(self._secrets)} hidden>)"

    __str__ = __repr__

    @property
    def values(self) -> tuple[bytes, ...]:
        """The raw secrets (for log redaction)."""
        return self._secrets

    def verify(self, body: bytes, header: str | None) -> bool:
        """True when ``header`` (``sha256=<hex>``) signs ``body`` with one of the secrets."""
        if not header or not header.startswith("sha256="):
            return False
        given = header.removeprefix("sha256=").strip().lower().encode("ascii", "replace")
        matched = False
        for secret in self._secrets:  # check every secret: timing does not tell which matched
            expected = hmac.new(secret, body, hashlib.sha256).hexdigest().encode()
            matched |= hmac.compare_digest(expected, given)
        return matched


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def load_secrets(file: Path | None, environ: Mapping[str, str] | None = None) -> WebhookSecrets:
    """The secrets from ``file`` if given, else from the environment; UsageError if none."""
    env = os.environ if environ is None else environ
    if file is not None:
        try:
            lines = file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{file}: cannot read the webhook secret file: {error}") from error
        numbered = [(f"{file}, line {n}", line.strip()) for n, line in enumerate(lines, 1)]
        given = [(where, secret) for where, secret in numbered if secret]
        if not given:
            raise UsageError(f"{file}: the webhook secret file is empty")
        return WebhookSecrets([secret.encode() for _, secret in given], [w for w, _ in given])
    current = env.get(SECRET_VARIABLE, "").strip()
    if not current:
        raise UsageError(
            f"refusing to start without a webhook secret: set {SECRET_VARIABLE} or pass "
            "--webhook-secret-file (a file with the secret; a second line is the previous "
            "secret during a rotation)"
        )
    secrets, sources = [current.encode()], [SECRET_VARIABLE]
    previous = env.get(PREVIOUS_SECRET_VARIABLE, "").strip()
    if previous:
        secrets.append(previous.encode())
        sources.append(PREVIOUS_SECRET_VARIABLE)
    return WebhookSecrets(secrets, sources)
