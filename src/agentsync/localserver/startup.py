"""Starting the local control plane: say which extra is missing when the server stack is not
installed, take the tokens from the flags and the environment, refuse to serve without one,
then serve the ``/v1`` API until interrupted. ``agent control-plane serve`` parses its options
and calls ``serve_local``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentsync.errors import UsageError
from agentsync.settings import CONTROL_PLANE_CLI_TOKENS, CONTROL_PLANE_TOKENS

if TYPE_CHECKING:
    from agentsync.localserver.runners import Runner


def serve_local(
    *,
    host: str,
    port: int,
    db: str,
    api_tokens: Sequence[str],
    cli_tokens: Sequence[str],
    runner: Runner,
    max_run_limit: float,
) -> None:
    """Serve on ``host:port`` until interrupted, accepting ``api_tokens`` and ``cli_tokens``
    (each may hold several, comma-separated) and the environment's; UsageError without a
    token. (Without the server extra, the CLI's boundary names it.)"""
    from agentsync.localserver import server
    from agentsync.localserver.environment import ControlPlaneSettings
    from agentsync.localserver.settings import ServerSettings

    from_environment = ControlPlaneSettings()
    api = _split([*api_tokens, from_environment.tokens])
    cli = _split([*cli_tokens, from_environment.cli_tokens])
    if not api and not cli:
        raise UsageError(
            "refusing to serve without a token: pass --token or --cli-token, or set "
            f"{CONTROL_PLANE_TOKENS.name} / {CONTROL_PLANE_CLI_TOKENS.name}"
        )
    options = server.ServerOptions(
        db=db,
        api_tokens=api,
        cli_tokens=cli,
        runner=runner,
        settings=ServerSettings(max_run_limit=max_run_limit),
    )
    server.serve(options, host, port)


def _split(values: Sequence[str]) -> list[str]:
    """The tokens of ``values``, each comma-separated, blanks dropped."""
    return [t.strip() for value in values for t in value.split(",") if t.strip()]
