"""The options the ``agent`` commands share, their parsing callbacks, and the grouping of many
options into one typed value (``grouped``), so that no command takes two dozen parameters."""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from agentsync.settings import AGENTSYNC_PLATFORM

F = TypeVar("F", bound=Callable[..., Any])


def apply(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator that applies ``decorators`` in the order they are written."""

    def decorate(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return decorate


def grouped(parameter: str, cls: type[Any]) -> Callable[[F], F]:
    """Hand the command the options named as ``cls``'s fields as one ``cls`` in
    ``parameter``. Put it right above the ``def``, below the options it groups."""
    names = [field.name for field in dataclasses.fields(cls)]

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            kwargs[parameter] = cls(**{name: kwargs.pop(name) for name in names})
            return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _pairs(
    ctx: click.Context, param: click.Parameter, values: Sequence[str], *, secret: bool
) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            problem = (
                "expected KEY=VALUE (the text given is not shown)"
                if secret
                else f"expected KEY=VALUE, got {value!r}"
            )
            raise click.BadParameter(problem, ctx, param)
        pairs[key] = item
    return pairs


def key_values(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    """``KEY=VALUE``s (``--metadata``)."""
    return _pairs(ctx, param, values, secret=False)


def secret_key_values(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str] | None:
    """``--env KEY=VALUE``s; a message never repeats what was given (it may be a secret)."""
    return _pairs(ctx, param, values, secret=True) or None


def json_object(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """A JSON object given on the command line (``--input``)."""
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", ctx, param) from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"must be a JSON object, not {type(data).__name__}", ctx, param)
    return data


def repository_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A repository's ``OWNER/NAME`` (``--repository``), checked as a name from the origin
    remote is; shown with its control characters escaped when refused."""
    from agentsync.config.repository_names import REPOSITORY_NAME_FORM, is_repository_name

    if value is not None and not is_repository_name(value):
        raise click.BadParameter(
            f"{value!r} is not {REPOSITORY_NAME_FORM}",
            ctx,
            param,
        )
    return value


def listen_options(port: int, *, host_help: str, port_help: str) -> Callable[[F], F]:
    """A server's ``--host`` (loopback unless told otherwise) and ``--port`` (0: a free one)."""
    return apply(
        click.option("--host", default="127.0.0.1", show_default=True, help=host_help),
        click.option(
            "--port", type=click.IntRange(0, 65535), default=port, show_default=True, help=port_help
        ),
    )


existing_file = click.Path(exists=True, dir_okay=False, path_type=Path)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
watch_option = click.option(
    "-w",
    "--watch",
    is_flag=True,
    help="Follow the run live until it ends (resumes after a dropped connection); "
    "exit 0 only if it completed.",
)
platform_option = click.option(
    "-P",
    "--platform",
    metavar="NAME",
    envvar=AGENTSYNC_PLATFORM.name,
    help=f"Drive this platform profile (platforms.toml; ${AGENTSYNC_PLATFORM.name}) and print "
    "normalized runs. Default: Ellipsis, as configured by ELLIPSIS_API_*.",
)
deployment_option = click.option(
    "--deployment", metavar="ID", help="Agent deployments: the deployment (else the profile's)."
)
override_options = apply(
    click.option(
        "-o",
        "--config-override",
        metavar="YAML",
        help="A partial config merged onto the saved config, template or replayed run (not -f).",
    ),
    click.option("--config-override-file", type=existing_file, help="The override, from a file."),
)

QUIET = "agentsync.quiet"  # ctx.meta's key for ``agent -q``


def quiet() -> bool:
    """Whether ``agent -q`` asked for results and errors only."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get(QUIET))


def note(message: str) -> None:
    """A line on stderr for people (a warning, a wait, a confirmation), unless ``agent -q``."""
    if not quiet():
        click.echo(message, err=True)


def log_to_stderr(verbosity: int) -> None:
    """``agent -v``: httpx's line per request (method, URL, status) on stderr; ``-vv``: the
    package's debug logs too. The URLs carry no secret: tokens travel in headers."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("agent: %(name)s: %(message)s"))
    for name, level in (("httpx", logging.INFO), ("agentsync", logging.DEBUG)):
        if name == "agentsync" and verbosity < 2:
            continue
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(level)
