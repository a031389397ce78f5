"""``agent``: the product's command group. Each subcommand is a thin call into a package.

Every subcommand, ``agent schema`` included, runs inside the one error boundary
(``agentsync.cli.boundary``): the group's ``invoke`` hands what a command raises to it, and
``main`` turns click's own usage errors into exit status 2. The exit statuses are
``boundary.ExitCode``.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from agentsync import __version__
from agentsync.cli.auth import auth_group
from agentsync.cli.boundary import ExitCode, exit_status, one_line
from agentsync.cli.color import CHOICES, use_color
from agentsync.cli.completion import SHELLS
from agentsync.cli.control_plane import control_plane_group
from agentsync.cli.options import QUIET, log_to_stderr
from agentsync.cli.run import config_group, run_group
from agentsync.cli.sandbox import sandbox_group
from agentsync.cli.serve import serve_group, worker_command
from agentsync.cli.sync import sync_group

# click's own ends of a command: usage errors, --help/--version and ctx.exit, Ctrl-C at a prompt
_CLICK_ENDS = (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort)


class AgentGroup(click.Group):
    """The ``agent`` group: whatever a subcommand raises ends at the boundary, as one line on
    stderr and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except _CLICK_ENDS:
            raise
        except (Exception, KeyboardInterrupt) as error:  # noqa: BLE001 - the boundary
            # SystemExit, not ctx.exit: main() runs click with standalone_mode=False and
            # would drop the code click returns.
            raise SystemExit(exit_status(error, "agent", one_line)) from None


@click.group(cls=AgentGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agent", message="%(prog)s %(version)s")
@click.option(
    "--color",
    type=click.Choice(CHOICES),
    default="auto",
    show_default=True,
    help="Colour plans and statuses: auto is on a terminal, unless NO_COLOR (or FORCE_COLOR).",
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Print only results and errors: no plans, notes or bars."
)
@click.option(
    "-v", "--verbose", count=True, help="Log each HTTP request to stderr (-vv: debug logs too)."
)
@click.pass_context
def cli(ctx: click.Context, color: str, quiet: bool, verbose: int) -> None:
    """GitOps for AI-agent configs."""
    ctx.color = use_color(color, sys.stdout, os.environ)  # every click.echo below honours it
    ctx.meta[QUIET] = quiet
    if verbose:
        log_to_stderr(verbose)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the v1 agent config."""
    from agentsync.config.schema import generate, render

    click.echo(render(generate()), nl=False)


@cli.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for bash, zsh or fish.

    For example: eval "$(agent completion bash)" in ~/.bashrc.
    """
    from click.shell_completion import get_completion_class

    source = get_completion_class(shell)
    assert source is not None  # every shell in SHELLS has one
    click.echo(source(cli, {}, "agent", "_AGENT_COMPLETE").source())


for command in (
    run_group,
    config_group,
    sandbox_group,
    auth_group,
    control_plane_group,
    sync_group,
    serve_group,
):
    cli.add_command(command)
cli.add_command(worker_command)


def main() -> int:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        return ExitCode.INTERRUPTED
    except click.ClickException as error:
        error.show()
        return ExitCode.USAGE
    except Exception as error:  # noqa: BLE001 - the boundary, for what fails before a command
        return exit_status(error, "agent", one_line)
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
