"""``agent sandbox var list|set|rm``: the control plane's sandbox variables, the values a
config's ``sandbox.variables`` names. A value is read from stdin or a file (or asked for,
hidden, on a terminal), never from the command line, and never printed: the API returns names
and times only."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from agentsync.cli.ellipsis import client_from_environment
from agentsync.cli.options import json_option, note
from agentsync.cli.printers import EllipsisPrinter
from agentsync.errors import AgentsyncError, UsageError


@click.group("sandbox")
def sandbox_group() -> None:
    """The control plane's sandbox settings."""


@sandbox_group.group("var")
def var_group() -> None:
    """Sandbox variables: values are stored encrypted and never shown again."""


@var_group.command("list")
@json_option
def var_list(as_json: bool) -> None:
    """The variables' names (never their values)."""
    with client_from_environment() as client:
        EllipsisPrinter(as_json).variables(client.list_variables())


@var_group.command("set")
@click.argument("name")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the value from this file (its content, less one trailing newline).",
)
@json_option
def var_set(name: str, from_file: Path | None, as_json: bool) -> None:
    """Store NAME's value: from --from-file, else stdin (asked for, hidden, on a terminal)."""
    from agentsync.client.errors import Invalid

    value = _value(name, from_file)
    try:
        with client_from_environment() as client:
            shown = client.set_variables({name: value})
    except Invalid as error:  # it names the variable, not a config: say so
        reasons = "; ".join(str(d.get("message")) for d in error.diagnostics())
        request = f", request {error.request_id}" if error.request_id else ""
        raise AgentsyncError(
            f"the control plane refused {name}: {reasons} (HTTP {error.status}{request})"
        ) from None
    if as_json:
        EllipsisPrinter(as_json).variables(shown)
    else:
        note(f"stored {name} (its value is encrypted and never shown)")


@var_group.command("rm")
@click.argument("name")
@json_option
def var_rm(name: str, as_json: bool) -> None:
    """Delete the variable NAME."""
    with client_from_environment() as client:
        left = client.delete_variable(name)
    if as_json:
        EllipsisPrinter(as_json).variables(left)
    else:
        note(f"deleted {name}")


def _value(name: str, from_file: Path | None) -> str:
    if from_file is not None:
        try:
            text = from_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"{from_file}: cannot read the value: {error}") from error
    elif sys.stdin.isatty():
        text = click.prompt(f"value of {name}", hide_input=True, err=True)
    else:
        text = sys.stdin.read()
    value = text.removesuffix("\n")
    if not value:
        raise UsageError(f"no value for {name}: pipe it in, or pass --from-file FILE")
    return value
