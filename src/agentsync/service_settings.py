"""The server commands' settings from the environment, typed (pydantic-settings): the local
control plane's (``ControlPlaneSettings``) and ``agent serve``'s (``ServiceSettings``).

The variables' names, defaults and meanings are listed once, in ``agentsync.settings`` (a
test checks that every field here is one of them); the classes only read and check them. Only
the server commands import this module (it needs the ``server`` extra); agent-lint and the
client commands never do.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ControlPlaneSettings(BaseSettings):
    """``agent control-plane serve``: the tokens it accepts besides its flags' (each a
    comma-separated list): ``AGENTSYNC_CONTROL_PLANE_TOKENS``, ``..._CLI_TOKENS``."""

    model_config = SettingsConfigDict(
        env_prefix="AGENTSYNC_CONTROL_PLANE_", extra="ignore", frozen=True
    )

    tokens: str = Field(default="", repr=False)
    cli_tokens: str = Field(default="", repr=False)


class ServiceSettings(BaseSettings):
    """``agent serve`` and ``agent worker``: the webhook's secrets and GitHub's settings
    (``AGENTSYNC_WEBHOOK_SECRET``, ``AGENTSYNC_GITHUB_TOKEN``...). Secrets are ``SecretStr``:
    they never show in a repr, a log or an error."""

    model_config = SettingsConfigDict(
        env_prefix="AGENTSYNC_", extra="ignore", frozen=True, env_ignore_empty=True
    )

    webhook_secret: SecretStr | None = None
    webhook_secret_previous: SecretStr | None = None
    github_token: SecretStr | None = None
    github_app_id: int | None = Field(default=None, gt=0)
    github_app_key_file: Path | None = None
    github_api_url: str = "https://api.github.com"
    github_write_pause: float = Field(default=1.0, ge=0, lt=3600)
