"""The server commands' settings from the environment, typed (pydantic-settings): the local
control plane's (``ControlPlaneSettings``). ``agent serve`` reads its few variables where they
are used (``service.github.credentials``, ``service.setup``, ``service.signature``), each
named through its entry in ``agentsync.settings``.

The variables' names, defaults and meanings are listed once, in ``agentsync.settings`` (a
test checks that every field here is one of them); the classes only read and check them. Only
the server commands import this module (it needs the ``server`` extra); agent-lint and the
client commands never do.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ControlPlaneSettings(BaseSettings):
    """``agent control-plane serve``: the tokens it accepts besides its flags' (each a
    comma-separated list): ``AGENTSYNC_CONTROL_PLANE_TOKENS``, ``..._CLI_TOKENS``."""

    model_config = SettingsConfigDict(
        env_prefix="AGENTSYNC_CONTROL_PLANE_", extra="ignore", frozen=True
    )

    tokens: str = Field(default="", repr=False)
    cli_tokens: str = Field(default="", repr=False)
