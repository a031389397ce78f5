"""``agent auth login|status|logout``: the control plane's token in the ``agent`` CLI's own
settings file (``$ELLIPSIS_CONFIG_DIR/config.json``, which the platform's CLI reads too). The
token is read from stdin or a hidden prompt, checked against ``/v1/me`` before it is stored,
and never printed."""

from __future__ import annotations

import os
import sys

import click

from agentsync.errors import UsageError

SOURCE_ENVIRONMENT = "the ELLIPSIS_API_TOKEN environment variable"


@click.group("auth")
def auth_group() -> None:
    """The control plane's token: store, check or forget it."""


@auth_group.command("login")
@click.option("--base-url", metavar="URL", help="The control plane (stored as apiBase).")
def auth_login(base_url: str | None) -> None:
    """Check a token (from stdin, or asked for, hidden) and store it in config.json."""
    from agentsync.client.api import Client
    from agentsync.client.settings import config_file, load_settings, write_login

    if sys.stdin.isatty():
        token = click.prompt("token", hide_input=True, err=True)
    else:
        token = sys.stdin.read()
    token = token.strip()
    if not token:
        raise UsageError("no token: pipe it in, or run this in a terminal to be asked for it")
    settings = load_settings(base_url, token)
    with Client(settings.base_url, token) as client:
        who = client.me()  # a refused token raises here, before anything is stored
    path = config_file()
    write_login(path, base_url, token)
    click.echo(f"logged in to {settings.base_url} as {_who(who)}; the token is in {path}")


@auth_group.command("status")
def auth_status() -> None:
    """Which control plane, where the token comes from, and whether it works."""
    from agentsync.client.api import Client
    from agentsync.client.settings import TOKEN_VARIABLE, config_file, load_settings

    settings = load_settings()
    if settings.token is None:
        raise UsageError(f"not logged in: run `agent auth login`, or set {TOKEN_VARIABLE}")
    source = SOURCE_ENVIRONMENT if os.environ.get(TOKEN_VARIABLE) else str(config_file())
    with Client(settings.base_url, settings.token) as client:
        who = client.me()
    click.echo(f"logged in to {settings.base_url} as {_who(who)} (token from {source})")


@auth_group.command("logout")
def auth_logout() -> None:
    """Remove the token from config.json (the environment's, if any, is yours to unset)."""
    from agentsync.client.settings import config_file, write_login

    path = config_file()
    if path.exists():
        write_login(path, None, None)
    click.echo(f"logged out: no token in {path}")


def _who(me: dict[str, object]) -> str:
    name = me.get("customer_login") or me.get("customer_id") or "an unknown customer"
    return f"{name} ({me.get('credential') or 'token'})"
