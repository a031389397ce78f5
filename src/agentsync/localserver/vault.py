"""Encryption at rest for sandbox variable values (Fernet, from ``cryptography``).

The key comes from ``AGENTSYNC_VAULT_KEY`` or from a key file that is created with mode 0600 on
first start (by default next to the database). The plain value never reaches the database
file, a response or a log.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from agentsync.errors import AgentsyncError
from agentsync.settings import AGENTSYNC_VAULT_KEY

KEY_ENV = AGENTSYNC_VAULT_KEY.name


class VaultError(AgentsyncError):
    """The key is unusable, or a stored value cannot be decrypted with it."""


class Vault:
    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as error:
            raise VaultError("the vault key is not a valid Fernet key") from error

    @classmethod
    def from_environment_or_file(cls, key_file: Path) -> Vault:
        """The key from ``AGENTSYNC_VAULT_KEY``, else from ``key_file`` (created if missing)."""
        if os.environ.get(KEY_ENV):
            return cls(os.environ[KEY_ENV].encode())
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(key_file.read_bytes().strip())

    def encrypt(self, value: str) -> bytes:
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken as error:
            raise VaultError("a stored variable cannot be decrypted with this key") from error
