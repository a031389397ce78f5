"""``agent run`` and ``agent config``: parse the options, call, print.

Without ``--platform`` the commands call the Ellipsis API (``agentsync.cli.ellipsis``) and print
through ``EllipsisPrinter``; with ``--platform NAME`` (or ``$AGENTSYNC_PLATFORM``) the ``run``
commands drive that platform profile's adapter and print normalized runs
(``agentsync.cli.platforms``). Readable lines and tables by default, JSON with ``--json``
(NDJSON when watching). Exit statuses: ``agentsync.cli.boundary.ExitCode`` (with ``--watch``,
0 only if the run completed).
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from agentsync.cli import platforms
from agentsync.cli.ellipsis import (
    client_from_environment,
    override_yaml,
    read_config_file,
    show_or_watch,
)
from agentsync.cli.options import (
    apply,
    deployment_option,
    existing_file,
    grouped,
    json_object,
    json_option,
    key_values,
    override_options,
    platform_option,
    secret_key_values,
    watch_option,
)
from agentsync.cli.printers import EllipsisPrinter
from agentsync.errors import UsageError

SOURCES = ("react", "manual", "api", "cli", "mention", "cron")  # RunSource (a test checks)


def _exit_unless_zero(code: int) -> None:
    # SystemExit, not ctx.exit: ``agent``'s main() runs click with standalone_mode=False and
    # would drop the code click returns.
    if code:
        raise SystemExit(code)


def _refuse_without_platform(options: dict[str, Any]) -> None:
    """Options that only a ``--platform`` takes, given without one."""
    given = sorted(n for n, v in options.items() if v is not None and v != () and v != {})
    if given:
        flags = ", ".join(platforms.flag(n) for n in given)
        raise UsageError(f"{flags}: Ellipsis runs take no such option; give --platform NAME")


@click.group("run")
def run_group() -> None:
    """Start, watch, list, replay and cancel runs, on Ellipsis or any --platform."""


# A run by its ID, on Ellipsis or on a --platform (with agent deployments, in a --deployment).
_one_run = apply(click.argument("run_id", metavar="ID"), platform_option, deployment_option)


# run start ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartFrom:
    """What an Ellipsis run starts from (other platforms take some of these too)."""

    config_id: str | None
    config_file: Path | None
    template_id: str | None
    config_override: str | None
    config_override_file: Path | None
    prompt: str | None
    metadata: dict[str, str]


@dataclass(frozen=True)
class PlatformStart:
    """The options only some ``--platform``s take, named as their adapters name them."""

    version_id: str | None
    input: dict[str, Any] | None
    envs: dict[str, str] | None
    retain_on_failure: bool | None
    retention_seconds: int | None
    idempotency_key: str | None
    thread_id: str | None
    route_id: str | None
    persona_id: str | None
    title: str | None
    team: bool | None


_start_from_options = apply(
    click.option("-c", "--config", "config_id", metavar="ID", help="A saved config's id."),
    click.option("-f", "--config-file", type=existing_file, help="A config file, sent inline."),
    click.option("-t", "--template", "template_id", metavar="SLUG", help="A template."),
    override_options,
    click.option(
        "-p",
        "--prompt",
        metavar="TEXT",
        help="Appended to the config's system prompt; ambient: the prompt.",
    ),
    click.option(
        "-m",
        "--metadata",
        multiple=True,
        metavar="KEY=VALUE",
        callback=key_values,
        help="Recorded on the run (repeatable).",
    ),
)
_platform_start_options = apply(
    click.option("--version-id", metavar="ID", help="Deployments: the version to run."),
    click.option(
        "--input",
        "input",
        metavar="JSON",
        callback=json_object,
        help="Deployments: the run's input, a JSON object passed verbatim.",
    ),
    click.option(
        "--env",
        "envs",
        multiple=True,
        metavar="KEY=VALUE",
        callback=secret_key_values,
        help="Deployments: a variable for the agent (repeatable; write-only, never shown).",
    ),
    click.option(
        "--retain-on-failure/--no-retain-on-failure",
        default=None,
        help="Deployments: keep a failed run's sandbox.",
    ),
    click.option(
        "--retention-seconds", type=int, metavar="N", help="Deployments: retention (>= 1)."
    ),
    click.option("--idempotency-key", metavar="KEY", help="Deployments: the create's key."),
    click.option("--thread", "thread_id", metavar="ID", help="Threads: the thread to run in."),
    click.option("--route-id", metavar="ID", help="Threads: the provider route (model)."),
    click.option("--persona-id", metavar="KEY@VERSION", help="Threads: the persona."),
    click.option("--title", metavar="TEXT", help="Ambient: the run's title."),
    click.option("--team", is_flag=True, default=None, help="Ambient: visible to the whole team."),
)


@run_group.command("start")
@platform_option
@_start_from_options
@deployment_option
@_platform_start_options
@watch_option
@json_option
@grouped("start_from", StartFrom)
@grouped("platform_start", PlatformStart)
def run_start(
    platform: str | None,
    deployment: str | None,
    start_from: StartFrom,
    platform_start: PlatformStart,
    watch: bool,
    as_json: bool,
) -> None:
    """Start a run: on Ellipsis from a saved config (-c), a config file (-f) or a template (-t);
    on a --platform with that platform's options."""
    given = start_from
    config = read_config_file(given.config_file) if given.config_file is not None else None
    override = override_yaml(given.config_override, given.config_override_file)
    if override is not None and config is not None:
        raise click.UsageError(
            "-o/--config-override merges onto a saved config or a template (-c, -t): with "
            "-f, edit the file instead"
        )
    others = dataclasses.asdict(platform_start)
    if platform is not None:
        options = {
            "config_id": given.config_id,
            "config": config,
            "template_id": given.template_id,
            "config_override_yaml": override,
            "prompt": given.prompt,
            "metadata": given.metadata,
            **others,
        }
        code = platforms.start(platform, deployment, options, watch=watch, as_json=as_json)
        _exit_unless_zero(code)
        return
    _refuse_without_platform({**others, "deployment": deployment})
    if sum(x is not None for x in (given.config_id, given.config_file, given.template_id)) != 1:
        raise click.UsageError("give exactly one of -c/--config, -f/--config-file, -t/--template")
    with client_from_environment() as client:
        run = client.start_run(
            config_id=given.config_id,
            config=config,
            template_id=given.template_id,
            prompt=given.prompt,
            metadata=given.metadata,
            config_override_yaml=override,
        )
        _exit_unless_zero(show_or_watch(client, run, EllipsisPrinter(as_json), watch=watch))


# run get, run list ---------------------------------------------------------------------------


@run_group.command("get")
@_one_run
@watch_option
@json_option
def run_get(
    run_id: str, platform: str | None, deployment: str | None, watch: bool, as_json: bool
) -> None:
    """Show a run, or follow it with --watch."""
    if platform is not None:
        _exit_unless_zero(platforms.get(platform, deployment, run_id, watch=watch, as_json=as_json))
        return
    _refuse_without_platform({"deployment": deployment})
    with client_from_environment() as client:
        run = client.get_run(run_id)
        _exit_unless_zero(show_or_watch(client, run, EllipsisPrinter(as_json), watch=watch))


@dataclass(frozen=True)
class ListFilters:
    """The filters of Ellipsis runs (other platforms take some of these too)."""

    config_id: str | None
    sources: tuple[str, ...]
    days: int | None
    start: str | None
    end: str | None


@dataclass(frozen=True)
class PlatformFilters:
    """The filters only some ``--platform``s take, named as their adapters name them."""

    thread_id: str | None
    status: str | None
    config_name: str | None
    model_id: str | None
    creator: str | None
    created_after: str | None
    created_before: str | None


_list_filter_options = apply(
    click.option("-c", "--config-id", metavar="ID", help="Only this config's runs."),
    click.option(
        "-s",
        "--source",
        "sources",
        multiple=True,
        metavar="SOURCE",
        help=f"Only runs from this source: {', '.join(SOURCES)} (repeatable); "
        "ambient: LINEAR, API, SLACK, LOCAL or SCHEDULED_AGENT.",
    ),
    click.option("-d", "--days", type=click.IntRange(0, 3650), help="Only the last N days."),
    click.option("--start", metavar="TIME", help="Created at or after (RFC 3339)."),
    click.option("--end", metavar="TIME", help="Created before (RFC 3339)."),
)
_platform_filter_options = apply(
    click.option("--thread", "thread_id", metavar="ID", help="Threads: only this thread's runs."),
    click.option("--status", metavar="STATUS", help="Threads: running, completed, failed..."),
    click.option("--config-name", metavar="NAME", help="Ambient: only this agent config's runs."),
    click.option("--model-id", metavar="ID", help="Ambient: only runs of this model."),
    click.option(
        "--creator", metavar="UID", help="Ambient: only runs this user or account created."
    ),
    click.option("--created-after", metavar="TIME", help="Ambient: created after (RFC 3339)."),
    click.option("--created-before", metavar="TIME", help="Ambient: created before (RFC 3339)."),
)


@run_group.command("list")
@platform_option
@deployment_option
@_list_filter_options
@_platform_filter_options
@click.option(
    "-l",
    "--limit",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="At most this many runs, newest first.",
)
@click.option(
    "--page-size", type=int, metavar="N", help="With --platform: runs per request (its bound)."
)
@json_option
@grouped("filters", ListFilters)
@grouped("platform_filters", PlatformFilters)
def run_list(
    platform: str | None,
    deployment: str | None,
    filters: ListFilters,
    platform_filters: PlatformFilters,
    limit: int,
    page_size: int | None,
    as_json: bool,
) -> None:
    """List recent runs, newest first."""
    others = dataclasses.asdict(platform_filters)
    if platform is not None:
        given = {**dataclasses.asdict(filters), **others}
        platforms.list_runs(
            platform, deployment, given, limit=limit, page_size=page_size, as_json=as_json
        )
        return
    _refuse_without_platform({**others, "deployment": deployment, "page_size": page_size})
    unknown = [s for s in filters.sources if s not in SOURCES]
    if unknown:
        raise UsageError(f"--source: {unknown[0]!r} is not one of {', '.join(SOURCES)}")
    with client_from_environment() as client:
        runs = client.list_runs(**dataclasses.asdict(filters), limit=limit)
    EllipsisPrinter(as_json).runs(runs)


# run replay, cancel, input -------------------------------------------------------------------


@run_group.command("replay")
@click.argument("run_id", metavar="ID")
@platform_option
@click.option("-c", "--config-id", metavar="ID", help="Use this config instead of the snapshot.")
@override_options
@click.option("-p", "--prompt", metavar="TEXT", help='Replace the prompt ("" clears it).')
@watch_option
@json_option
def run_replay(
    run_id: str,
    platform: str | None,
    config_id: str | None,
    config_override: str | None,
    config_override_file: Path | None,
    prompt: str | None,
    watch: bool,
    as_json: bool,
) -> None:
    """Run a run again, from its config snapshot unless -c is given (Ellipsis only)."""
    override = override_yaml(config_override, config_override_file)
    if platform is not None:
        options = {"config_id": config_id, "config_override_yaml": override, "prompt": prompt}
        _exit_unless_zero(platforms.replay(platform, run_id, options, watch=watch, as_json=as_json))
        return
    with client_from_environment() as client:
        run = client.replay_run(
            run_id, config_id=config_id, config_override_yaml=override, prompt=prompt
        )
        _exit_unless_zero(show_or_watch(client, run, EllipsisPrinter(as_json), watch=watch))


@run_group.command("cancel")
@_one_run
@json_option
def run_cancel(run_id: str, platform: str | None, deployment: str | None, as_json: bool) -> None:
    """Ask a run to stop."""
    if platform is not None:
        platforms.cancel(platform, deployment, run_id, as_json=as_json)
        return
    _refuse_without_platform({"deployment": deployment})
    with client_from_environment() as client:
        run = client.cancel_run(run_id)
    if as_json:
        EllipsisPrinter(True).run(run)
    else:
        EllipsisPrinter(False).started(run)


@run_group.command("input")
@click.argument("run_id", metavar="ID")
@click.argument("text", metavar="TEXT")
@platform_option
@json_option
def run_input(run_id: str, text: str, platform: str | None, as_json: bool) -> None:
    """Answer a run waiting for input (threads platforms); TEXT "-" reads standard input."""
    content = sys.stdin.read() if text == "-" else text
    platforms.send_input(platform or "ellipsis", run_id, content, as_json=as_json)


# agent config -------------------------------------------------------------------------------


@click.group("config")
def config_group() -> None:
    """Show the configs the control plane holds."""


@config_group.command("list")
@json_option
def config_list(as_json: bool) -> None:
    """List configs."""
    with client_from_environment() as client:
        configs = client.list_configs()
    EllipsisPrinter(as_json).configs(configs)


@config_group.command("get")
@click.argument("config_id", metavar="ID")
@json_option
def config_get(config_id: str, as_json: bool) -> None:
    """Show a config."""
    with client_from_environment() as client:
        record = client.get_config(config_id)
    EllipsisPrinter(as_json).config(record)
