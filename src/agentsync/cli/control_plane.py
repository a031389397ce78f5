"""``agent control-plane serve`` and ``agent control-plane migrate``: the local control plane.

``serve`` parses its options, builds the runner (``agentsync.localserver.runner_factory``) and
starts the server (``agentsync.localserver.startup``, which adds the tokens of
``$AGENTSYNC_CONTROL_PLANE_TOKENS`` and ``$AGENTSYNC_CONTROL_PLANE_CLI_TOKENS``); ``migrate`` is
in ``agentsync.cli.migrate``.
"""

from __future__ import annotations

import click

from agentsync.cli.migrate import control_plane_db_option, control_plane_migrate
from agentsync.cli.options import listen_options
from agentsync.localserver.runner_factory import RUNNER_KINDS, build_runner
from agentsync.localserver.startup import serve_local
from agentsync.settings import CONTROL_PLANE_CLI_TOKENS, CONTROL_PLANE_TOKENS


@click.group("control-plane")
def control_plane_group() -> None:
    """The local control plane."""


@control_plane_group.command("serve")
@listen_options(
    8765,
    host_help="The address to listen on: loopback unless you mean to open the API to others.",
    port_help="0 picks a free port; the first line names it.",
)
@control_plane_db_option
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="TOKEN",
    help=f"An API key (runs record source api); also ${CONTROL_PLANE_TOKENS.name}, "
    "comma-separated.",
)
@click.option(
    "--cli-token",
    "cli_tokens",
    multiple=True,
    metavar="TOKEN",
    help=f"A user token (runs record source cli); also ${CONTROL_PLANE_CLI_TOKENS.name}.",
)
@click.option(
    "--runner",
    type=click.Choice(RUNNER_KINDS),
    default="dry-run",
    show_default=True,
    help="dry-run records each run and completes it at no cost; command runs --command.",
)
@click.option("--command", metavar="CMD", help="The command runner's command line.")
@click.option(
    "--max-run-limit",
    type=click.FloatRange(min=0),
    default=50.0,
    show_default=True,
    metavar="USD",
    help="Clamp every config's limits.run to this.",
)
def control_plane_serve(
    host: str,
    port: int,
    db: str,
    tokens: tuple[str, ...],
    cli_tokens: tuple[str, ...],
    runner: str,
    command: str | None,
    max_run_limit: float,
) -> None:
    """Serve the /v1 API on HOST:PORT until interrupted."""
    serve_local(
        host=host,
        port=port,
        db=db,
        api_tokens=tokens,
        cli_tokens=cli_tokens,
        runner=build_runner(runner, command),
        max_run_limit=max_run_limit,
    )


control_plane_group.add_command(control_plane_migrate)
