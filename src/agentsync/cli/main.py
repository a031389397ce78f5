"""``agent``: the product's command group. Each subcommand is a thin call into a package."""

from __future__ import annotations

import sys

import click

from agentsync import __version__
from agentsync.cli.run import COMMANDS
from agentsync.cli.serve import serve_group, worker_command
from agentsync.cli.sync import sync_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="agent")
def cli() -> None:
    """GitOps for AI-agent configs."""


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the v1 agent config."""
    from agentsync.config.schema import generate, render

    click.echo(render(generate()), nl=False)


for command in COMMANDS:  # agent run, agent config, agent control-plane
    cli.add_command(command)
cli.add_command(sync_group)
cli.add_command(serve_group)
cli.add_command(worker_command)


def main() -> int:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        return 130
    except click.ClickException as error:
        error.show()
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
