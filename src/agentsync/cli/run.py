"""``agent run``, ``agent config`` and ``agent control-plane``: thin commands over the client.

Each command parses its options, calls ``agentsync.client.api.Client`` (settings from
``ELLIPSIS_API_BASE_URL`` / ``ELLIPSIS_API_TOKEN``, else ``$ELLIPSIS_CONFIG_DIR/config.json``, the
platform CLI's file) and prints through a ``Printer``: readable lines and tables by default, JSON
with ``--json`` (NDJSON when watching). With ``--platform NAME`` (or ``$AGENTSYNC_PLATFORM``) the
``run`` commands drive that platform profile's adapter instead and print normalized runs: see
``agentsync.cli.platforms``.

Exit status: 0 success (with ``--watch``: the run completed), 1 the run ended otherwise or the
API refused the call, 2 usage, 3 a bug, 130 interrupted. Errors are one line on stderr, with the
server's request id; never a traceback (the boundary is ``ApiGroup.invoke``).

The client, httpx, websockets and the server stack are imported inside the commands, so
``agent --help`` stays fast.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from agentsync.cli import platforms
from agentsync.cli.migrate import control_plane_db_option, control_plane_migrate
from agentsync.cli.output import Output
from agentsync.cli.pipes import quiet_closed_pipe
from agentsync.cli.platforms import event_text
from agentsync.client.errors import ControlPlaneError
from agentsync.errors import AgentsyncError, UsageError
from agentsync.tables import text_table

if TYPE_CHECKING:
    from agentsync.client.api import Client
    from agentsync.client.records import AgentConfigRecord, Run, RunEvent
    from agentsync.localserver.runners import Runner

TOKENS_VARIABLE = "AGENTSYNC_CONTROL_PLANE_TOKENS"
CLI_TOKENS_VARIABLE = "AGENTSYNC_CONTROL_PLANE_CLI_TOKENS"
EXIT_BUG, EXIT_INTERRUPTED = 3, 130


# the error boundary -----------------------------------------------------------------------


def one_line(error: AgentsyncError) -> str:
    """An error as one line, with the diagnostics of a 422 and the request id."""
    if isinstance(error, ControlPlaneError) and isinstance(error.detail, list):
        text = "invalid config: " + "; ".join(_diagnostic(d) for d in error.detail)
        if error.request_id:
            text += f" (HTTP {error.status}, request {error.request_id})"
    else:
        text = str(error)
    return " ".join(text.split())


def _diagnostic(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    rule = f" [{item['rule']}]" if item.get("rule") else ""
    return f"{item.get('path') or '-'}: {item.get('message')}{rule}"


def _exit(code: int) -> NoReturn:
    # SystemExit, not ctx.exit: ``agent``'s main() runs click with standalone_mode=False and
    # would drop the code click returns.
    raise SystemExit(code)


def _exit_unless_zero(code: int) -> None:
    if code:
        _exit(code)


def at_the_boundary(invoke: Callable[[], Any]) -> Any:
    """Run a command: an error ends in one line on stderr and an exit status, never a
    traceback."""
    try:
        return invoke()
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except AgentsyncError as error:
        click.echo(f"agent: {one_line(error)}", err=True)
        _exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("agent: interrupted", err=True)
        _exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        _exit(quiet_closed_pipe())
    except Exception as error:  # noqa: BLE001 - the boundary: a bug is a message, not a traceback
        click.echo(
            f"agent: internal error: {type(error).__name__}: {' '.join(str(error).split())}",
            err=True,
        )
        _exit(EXIT_BUG)


class ApiGroup(click.Group):
    """A command group whose commands end in one line on stderr and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        return at_the_boundary(lambda: super(ApiGroup, self).invoke(ctx))


class ApiCommand(click.Command):
    """A top-level command that ends in one line on stderr and an exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        return at_the_boundary(lambda: super(ApiCommand, self).invoke(ctx))


# printing ---------------------------------------------------------------------------------


def _usd(millicents: int) -> str:
    return f"${millicents / 100_000:,.4f}"


def _time(stamp: str) -> str:
    return stamp.replace("T", " ")[:19]


class Printer(Output):
    """The only place that writes Ellipsis runs, configs and events."""

    def run(self, run: Run) -> None:
        if self.as_json:
            self._json(run.model_dump(mode="json"))
            return
        fields = {
            "id": run.id,
            "status": run.status + (f" ({run.status_reason})" if run.status_reason else ""),
            "source": run.source,
            "config": run.agent_config_id or "-",
            "created": _time(run.created_at),
            "updated": _time(run.updated_at),
            "cost": _usd(run.cost_millicents),
            "tokens": str(run.tokens_total),
        }
        if run.prompt:
            fields["prompt"] = run.prompt
        if run.output:
            fields["output"] = run.output
        if run.metadata:
            fields["metadata"] = ", ".join(f"{k}={v}" for k, v in sorted(run.metadata.items()))
        self._line("\n".join(f"{name + ':':<10}{value}" for name, value in fields.items()))

    def started(self, run: Run) -> None:
        if not self.as_json:
            self._line(f"{run.id} {run.status}")

    def event(self, event: RunEvent) -> None:
        if self.as_json:
            self._json(event.model_dump(mode="json"), compact=True)
        else:
            self._line(event_text(event))

    def finished(self, run: Run) -> None:
        if self.as_json:
            self._json(run.model_dump(mode="json"), compact=True)
            return
        reason = f": {run.status_reason}" if run.status_reason else ""
        self._line(f"{run.id} {run.status}{reason} (cost {_usd(run.cost_millicents)})")

    def runs(self, runs: Sequence[Run]) -> None:
        if self.as_json:
            self._json([r.model_dump(mode="json") for r in runs])
            return
        if not runs:
            self._line("no runs")
            return
        header = ("ID", "STATUS", "SOURCE", "CONFIG", "CREATED", "COST")
        self._line(
            text_table(
                header,
                (
                    (
                        r.id,
                        r.status,
                        r.source,
                        r.agent_config_id or "-",
                        _time(r.created_at),
                        _usd(r.cost_millicents),
                    )
                    for r in runs
                ),
            )
        )

    def configs(self, configs: Sequence[AgentConfigRecord]) -> None:
        if self.as_json:
            self._json([c.model_dump(mode="json") for c in configs])
            return
        if not configs:
            self._line("no configs")
            return
        header = ("ID", "NAME", "SOURCE", "ENABLED", "UPDATED", "SYNC")
        self._line(
            text_table(
                header,
                (
                    (
                        c.id,
                        _config_name(c),
                        f"{c.repository}:{c.path}" if c.repository else "-",
                        "deleted" if c.deleted else ("yes" if c.enabled else "no"),
                        _time(c.updated_at),
                        "error" if c.last_sync_error else "ok",
                    )
                    for c in configs
                ),
            )
        )

    def config(self, record: AgentConfigRecord) -> None:
        if self.as_json:
            self._json(record.model_dump(mode="json"))
            return
        fields = {
            "id": record.id,
            "name": _config_name(record),
            "source": f"{record.repository}:{record.path}" if record.repository else "-",
            "enabled": "deleted" if record.deleted else ("yes" if record.enabled else "no"),
            "commit": record.last_synced_commit_sha or "-",
            "last run": record.last_job_run_id or "-",
            "updated": _time(record.updated_at),
        }
        if record.last_sync_error:
            fields["sync error"] = record.last_sync_error
        self._line("\n".join(f"{name + ':':<12}{value}" for name, value in fields.items()))
        if record.yaml:
            self._line("")
            self._line(record.yaml.rstrip("\n"))


def _config_name(record: AgentConfigRecord) -> str:
    return str((record.agent_config.get("ellipsis") or {}).get("name") or "-")


# what the commands do ---------------------------------------------------------------------


def client_from_environment() -> Client:
    from agentsync.platforms.driver import ellipsis_client

    return ellipsis_client()


def read_config_file(path: Path) -> dict[str, Any]:
    """A config file's mapping, validated here first: errors carry file:line:col."""
    from agentsync.config.loader import load_text
    from agentsync.lint.validation import ConfigRejected, validate_yaml

    text = _read_text(path)
    try:
        validate_yaml(text, str(path))
    except ConfigRejected as error:
        problems = error.detail if isinstance(error.detail, list) else [{"message": error.detail}]
        raise AgentsyncError("; ".join(_at(path, p) for p in problems)) from error
    data = load_text(text, str(path)).data
    assert isinstance(data, dict)  # validate_yaml accepts only a mapping with 'ellipsis:'
    return data


def _at(path: Path, problem: dict[str, Any]) -> str:
    """``file:line:col: message [rule]``, as agent-lint writes it."""
    if problem.get("line") is None:
        return f"{path}: {problem.get('message')}"
    return f"{path}:{problem['line']}:{problem['column']}: {problem['message']} [{problem['rule']}]"


def override_yaml(inline: str | None, path: Path | None) -> str | None:
    if inline is not None and path is not None:
        raise UsageError("give at most one of --config-override and --config-override-file")
    return _read_text(path) if path is not None else inline


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(f"{path}: cannot read: {error}") from error


def show_or_watch(client: Client, run: Run, out: Printer, *, watch: bool) -> int:
    """Print the run; or follow it to its end and exit 0 only if it completed."""
    if not watch:
        out.run(run)
        return 0
    out.started(run)
    for event in client.follow_run(run.id):
        out.event(event)
    final = client.get_run(run.id)
    out.finished(final)
    return 0 if final.status == "completed" else 1


def _metadata(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {value!r}", ctx, param)
        pairs[key] = item
    return pairs


def _env_pairs(
    ctx: click.Context, param: click.Parameter, values: Sequence[str]
) -> dict[str, str] | None:
    """``--env KEY=VALUE``s; a message never repeats what was given (it may be a secret)."""
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, item = value.partition("=")
        if not sep or not key:
            raise click.BadParameter("expected KEY=VALUE (the text given is not shown)", ctx, param)
        pairs[key] = item
    return pairs or None


def _json_object(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    if value is None:
        return None
    try:
        data = json.loads(value)
    except ValueError as error:
        raise click.BadParameter(f"not JSON: {error}", ctx, param) from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"must be a JSON object, not {type(data).__name__}", ctx, param)
    return data


def _refuse_without_platform(options: dict[str, Any]) -> None:
    """Options that only a ``--platform`` takes, given without one."""
    given = sorted(n for n, v in options.items() if v is not None and v != () and v != {})
    if given:
        flags = ", ".join(platforms.flag(n) for n in given)
        raise UsageError(f"{flags}: Ellipsis runs take no such option; give --platform NAME")


def _split_tokens(values: Sequence[str], variable: str) -> list[str]:
    tokens = [t for v in values for t in v.split(",")]
    tokens += os.environ.get(variable, "").split(",")
    return [t.strip() for t in tokens if t.strip()]


def build_runner(kind: str, command: str | None) -> Runner:
    from agentsync.localserver.runners import CommandRunner, DryRunRunner

    if kind == "dry-run":
        if command is not None:
            raise UsageError("--command needs --runner command")
        return DryRunRunner()
    if not command:
        raise UsageError("--runner command needs --command CMD")
    try:
        return CommandRunner(shlex.split(command), timeout=None)
    except ValueError as error:
        raise UsageError(f"--command {command!r}: {error}") from error


# the commands -----------------------------------------------------------------------------

_PathArg = click.Path(exists=True, dir_okay=False, path_type=Path)
_json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
_watch_option = click.option(
    "-w",
    "--watch",
    is_flag=True,
    help="Follow the run live until it ends (resumes after a dropped connection); "
    "exit 0 only if it completed.",
)


_platform_option = click.option(
    "-P",
    "--platform",
    metavar="NAME",
    envvar="AGENTSYNC_PLATFORM",
    help="Drive this platform profile (platforms.toml; $AGENTSYNC_PLATFORM) and print "
    "normalized runs. Default: Ellipsis, as configured by ELLIPSIS_API_*.",
)
_deployment_option = click.option(
    "--deployment", metavar="ID", help="Agent deployments: the deployment (else the profile's)."
)
SOURCES = ("react", "manual", "api", "cli", "mention", "cron")


@click.group("run", cls=ApiGroup)
def run_group() -> None:
    """Start, watch, list, replay and cancel runs, on Ellipsis or any --platform."""


@run_group.command("start")
@_platform_option
@click.option("-c", "--config", "config_id", metavar="ID", help="A saved config's id.")
@click.option("-f", "--config-file", type=_PathArg, help="A config file, sent inline.")
@click.option("-t", "--template", "template_id", metavar="SLUG", help="A template.")
@click.option("-o", "--config-override", metavar="YAML", help="A partial config merged on top.")
@click.option("--config-override-file", type=_PathArg, help="The override, from a file.")
@click.option(
    "-p",
    "--prompt",
    metavar="TEXT",
    help="Appended to the config's system prompt; ambient: the prompt.",
)
@click.option(
    "-m",
    "--metadata",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_metadata,
    help="Recorded on the run (repeatable).",
)
@_deployment_option
@click.option("--version-id", metavar="ID", help="Deployments: the version to run.")
@click.option(
    "--input",
    "input_object",
    metavar="JSON",
    callback=_json_object,
    help="Deployments: the run's input, a JSON object passed verbatim.",
)
@click.option(
    "--env",
    "envs",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_env_pairs,
    help="Deployments: a variable for the agent (repeatable; write-only, never shown).",
)
@click.option(
    "--retain-on-failure/--no-retain-on-failure",
    default=None,
    help="Deployments: keep a failed run's sandbox.",
)
@click.option("--retention-seconds", type=int, metavar="N", help="Deployments: retention (>= 1).")
@click.option("--idempotency-key", metavar="KEY", help="Deployments: the create's key.")
@click.option("--thread", "thread_id", metavar="ID", help="Threads: the thread to run in.")
@click.option("--route-id", metavar="ID", help="Threads: the provider route (model).")
@click.option("--persona-id", metavar="KEY@VERSION", help="Threads: the persona.")
@click.option("--title", metavar="TEXT", help="Ambient: the run's title.")
@click.option("--team", is_flag=True, default=None, help="Ambient: visible to the whole team.")
@_watch_option
@_json_option
def run_start(
    platform: str | None,
    config_id: str | None,
    config_file: Path | None,
    template_id: str | None,
    config_override: str | None,
    config_override_file: Path | None,
    prompt: str | None,
    metadata: dict[str, str],
    deployment: str | None,
    version_id: str | None,
    input_object: dict[str, Any] | None,
    envs: dict[str, str] | None,
    retain_on_failure: bool | None,
    retention_seconds: int | None,
    idempotency_key: str | None,
    thread_id: str | None,
    route_id: str | None,
    persona_id: str | None,
    title: str | None,
    team: bool | None,
    watch: bool,
    as_json: bool,
) -> None:
    """Start a run: on Ellipsis from a saved config (-c), a config file (-f) or a template (-t);
    on a --platform with that platform's options."""
    others = {
        "version_id": version_id,
        "input": input_object,
        "envs": envs,
        "retain_on_failure": retain_on_failure,
        "retention_seconds": retention_seconds,
        "idempotency_key": idempotency_key,
        "thread_id": thread_id,
        "route_id": route_id,
        "persona_id": persona_id,
        "title": title,
        "team": team,
    }
    config = read_config_file(config_file) if config_file is not None else None
    override = override_yaml(config_override, config_override_file)
    if platform is not None:
        ellipsis = {
            "config_id": config_id,
            "config": config,
            "template_id": template_id,
            "config_override_yaml": override,
            "prompt": prompt,
            "metadata": metadata,
        }
        _exit_unless_zero(
            platforms.start(
                platform, deployment, {**ellipsis, **others}, watch=watch, as_json=as_json
            )
        )
        return
    _refuse_without_platform({**others, "deployment": deployment})
    if sum(x is not None for x in (config_id, config_file, template_id)) != 1:
        raise click.UsageError("give exactly one of -c/--config, -f/--config-file, -t/--template")
    with client_from_environment() as client:
        run = client.start_run(
            config_id=config_id,
            config=config,
            template_id=template_id,
            prompt=prompt,
            metadata=metadata,
            config_override_yaml=override,
        )
        _exit_unless_zero(show_or_watch(client, run, Printer(as_json), watch=watch))


@run_group.command("get")
@click.argument("run_id", metavar="ID")
@_platform_option
@_deployment_option
@_watch_option
@_json_option
def run_get(
    run_id: str, platform: str | None, deployment: str | None, watch: bool, as_json: bool
) -> None:
    """Show a run, or follow it with --watch."""
    if platform is not None:
        _exit_unless_zero(platforms.get(platform, deployment, run_id, watch=watch, as_json=as_json))
        return
    _refuse_without_platform({"deployment": deployment})
    with client_from_environment() as client:
        _exit_unless_zero(
            show_or_watch(client, client.get_run(run_id), Printer(as_json), watch=watch)
        )


@run_group.command("list")
@_platform_option
@_deployment_option
@click.option("-c", "--config-id", metavar="ID", help="Only this config's runs.")
@click.option(
    "-s",
    "--source",
    "sources",
    multiple=True,
    metavar="SOURCE",
    help=f"Only runs from this source: {', '.join(SOURCES)} (repeatable); "
    "ambient: LINEAR, API, SLACK, LOCAL or SCHEDULED_AGENT.",
)
@click.option("-d", "--days", type=click.IntRange(0, 3650), help="Only the last N days.")
@click.option("--start", metavar="TIME", help="Created at or after (RFC 3339).")
@click.option("--end", metavar="TIME", help="Created before (RFC 3339).")
@click.option("--thread", "thread_id", metavar="ID", help="Threads: only this thread's runs.")
@click.option("--status", metavar="STATUS", help="Threads: running, completed, failed...")
@click.option("--config-name", metavar="NAME", help="Ambient: only this agent config's runs.")
@click.option("--model-id", metavar="ID", help="Ambient: only runs of this model.")
@click.option("--creator", metavar="UID", help="Ambient: only runs this user or account created.")
@click.option("--created-after", metavar="TIME", help="Ambient: created after (RFC 3339).")
@click.option("--created-before", metavar="TIME", help="Ambient: created before (RFC 3339).")
@click.option("-l", "--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option(
    "--page-size", type=int, metavar="N", help="With --platform: runs per request (its bound)."
)
@_json_option
def run_list(
    platform: str | None,
    deployment: str | None,
    config_id: str | None,
    sources: tuple[str, ...],
    days: int | None,
    start: str | None,
    end: str | None,
    thread_id: str | None,
    status: str | None,
    config_name: str | None,
    model_id: str | None,
    creator: str | None,
    created_after: str | None,
    created_before: str | None,
    limit: int,
    page_size: int | None,
    as_json: bool,
) -> None:
    """List recent runs, newest first."""
    others = {
        "thread_id": thread_id,
        "status": status,
        "config_name": config_name,
        "model_id": model_id,
        "creator": creator,
        "created_after": created_after,
        "created_before": created_before,
    }
    if platform is not None:
        ellipsis = {
            "config_id": config_id,
            "sources": sources,
            "days": days,
            "start": start,
            "end": end,
        }
        platforms.list_runs(
            platform,
            deployment,
            {**ellipsis, **others},
            limit=limit,
            page_size=page_size,
            as_json=as_json,
        )
        return
    _refuse_without_platform({**others, "deployment": deployment, "page_size": page_size})
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise UsageError(f"--source: {unknown[0]!r} is not one of {', '.join(SOURCES)}")
    with client_from_environment() as client:
        runs = client.list_runs(
            config_id=config_id, sources=sources, days=days, start=start, end=end, limit=limit
        )
    Printer(as_json).runs(runs)


@run_group.command("replay")
@click.argument("run_id", metavar="ID")
@_platform_option
@click.option("-c", "--config-id", metavar="ID", help="Use this config instead of the snapshot.")
@click.option("-o", "--config-override", metavar="YAML", help="A partial config merged on top.")
@click.option("--config-override-file", type=_PathArg, help="The override, from a file.")
@click.option("-p", "--prompt", metavar="TEXT", help='Replace the prompt ("" clears it).')
@_watch_option
@_json_option
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
        _exit_unless_zero(show_or_watch(client, run, Printer(as_json), watch=watch))


@run_group.command("cancel")
@click.argument("run_id", metavar="ID")
@_platform_option
@_deployment_option
@_json_option
def run_cancel(run_id: str, platform: str | None, deployment: str | None, as_json: bool) -> None:
    """Ask a run to stop."""
    if platform is not None:
        platforms.cancel(platform, deployment, run_id, as_json=as_json)
        return
    _refuse_without_platform({"deployment": deployment})
    with client_from_environment() as client:
        run = client.cancel_run(run_id)
    if as_json:
        Printer(True).run(run)
    else:
        Printer(False).started(run)


@run_group.command("input")
@click.argument("run_id", metavar="ID")
@click.argument("text", metavar="TEXT")
@_platform_option
@_json_option
def run_input(run_id: str, text: str, platform: str | None, as_json: bool) -> None:
    """Answer a run waiting for input (threads platforms); TEXT "-" reads standard input."""
    content = sys.stdin.read() if text == "-" else text
    platforms.send_input(platform or "ellipsis", run_id, content, as_json=as_json)


@click.group("config", cls=ApiGroup)
def config_group() -> None:
    """Show the configs the control plane holds."""


@config_group.command("list")
@_json_option
def config_list(as_json: bool) -> None:
    """List configs."""
    with client_from_environment() as client:
        configs = client.list_configs()
    Printer(as_json).configs(configs)


@config_group.command("get")
@click.argument("config_id", metavar="ID")
@_json_option
def config_get(config_id: str, as_json: bool) -> None:
    """Show a config."""
    with client_from_environment() as client:
        record = client.get_config(config_id)
    Printer(as_json).config(record)


@click.group("control-plane", cls=ApiGroup)
def control_plane_group() -> None:
    """The local control plane."""


@control_plane_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@control_plane_db_option
@click.option(
    "--token",
    "tokens",
    multiple=True,
    metavar="TOKEN",
    help=f"An API key (runs record source api); also ${TOKENS_VARIABLE}, comma-separated.",
)
@click.option(
    "--cli-token",
    "cli_tokens",
    multiple=True,
    metavar="TOKEN",
    help=f"A user token (runs record source cli); also ${CLI_TOKENS_VARIABLE}.",
)
@click.option(
    "--runner", type=click.Choice(["dry-run", "command"]), default="dry-run", show_default=True
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
    serve(
        host=host,
        port=port,
        db=db,
        api_tokens=_split_tokens(tokens, TOKENS_VARIABLE),
        cli_tokens=_split_tokens(cli_tokens, CLI_TOKENS_VARIABLE),
        runner=build_runner(runner, command),
        max_run_limit=max_run_limit,
    )


def serve(
    *,
    host: str,
    port: int,
    db: str,
    api_tokens: list[str],
    cli_tokens: list[str],
    runner: Runner,
    max_run_limit: float,
) -> None:
    if not api_tokens and not cli_tokens:
        raise UsageError(
            "refusing to serve without a token: pass --token or --cli-token, or set "
            f"{TOKENS_VARIABLE} / {CLI_TOKENS_VARIABLE}"
        )
    try:
        from agentsync.localserver import server
    except ImportError as error:
        raise UsageError(
            f"the control plane needs the server extra ({error.name} is missing): "
            "pip install 'agentsync[server]'"
        ) from error
    config = server.ServerConfig(
        db=db,
        api_tokens=api_tokens,
        cli_tokens=cli_tokens,
        runner=runner,
        max_run_limit=max_run_limit,
    )
    server.serve(config, host, port)


control_plane_group.add_command(control_plane_migrate)

COMMANDS: list[click.Command] = [run_group, config_group, control_plane_group]
