"""The local control plane's settings from the environment, typed (pydantic-settings):
``ControlPlaneSettings``, the tokens ``agent control-plane serve`` accepts besides its flags'.

The variables' names, defaults and meanings are listed once, in ``agentsync.settings`` (a
test checks that every field here is one of them); this class only reads and checks them. It
needs the ``server`` extra: ``localserver.startup`` imports it only when serving, so agent-lint
and the client commands never do. (``agent serve`` reads its few variables where they are
used, each named through its entry in ``agentsync.settings``.)
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
