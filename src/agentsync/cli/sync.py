"""``agent sync plan|apply|status``: parse flags, build the source and client, call the engine,
print with ``sync.report``. No sync logic lives here."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import click

from agentsync.cli.boundary import ExitCode
from agentsync.cli.ellipsis import client_from_environment
from agentsync.cli.options import apply, note, quiet, repository_name
from agentsync.cli.sync_comment import sync_comment
from agentsync.errors import AgentsyncError
from agentsync.plural import plural
from agentsync.printable import printable

if TYPE_CHECKING:
    from agentsync.sync.engine import SyncRun
    from agentsync.sync.model import Plan
    from agentsync.sync.sources.git import LocalGitSource
    from agentsync.sync.state import SyncState

F = TypeVar("F", bound=Callable[..., None])

_PathArg = click.Path(exists=True, file_okay=False, path_type=Path)

# Plan lines by their mark, status rows by their state, as Terraform colours a plan. click
# drops the colour unless the root command decided on it (``agent --color``).
_STYLES: tuple[tuple[re.Pattern[str], dict[str, Any]], ...] = (
    (re.compile(r"  \+ "), {"fg": "green"}),
    (re.compile(r"  ~ "), {"fg": "yellow"}),
    (re.compile(r"  [>^] "), {"fg": "cyan"}),
    (re.compile(r"  - "), {"fg": "red"}),
    (re.compile(r"  ! |Blocked: "), {"fg": "red", "bold": True}),
    (re.compile(r"\S+\s+(error|orphan)\s"), {"fg": "red"}),
    (re.compile(r"\S+\s+deleted\s"), {"dim": True}),
)


def echo_coloured(text: str) -> None:
    """Write a plan or a status table, each line in the colour of its mark or state."""
    for line in text.splitlines():
        style = next((style for pattern, style in _STYLES if pattern.match(line)), None)
        click.echo(click.style(line, **style) if style else line)


def _source(path: Path, ref: str, repository: str | None, working_tree: bool) -> LocalGitSource:
    from agentsync.sync.sources.git import LocalGitSource

    return LocalGitSource(path, ref=ref, working_tree=working_tree, repository=repository)


def _state(state_file: Path | None) -> SyncState:
    from agentsync.sync.state import SyncState, default_state_file

    return SyncState(state_file or default_state_file())


source_options = apply(
    click.argument("path", type=_PathArg, default=".", required=False),
    click.option("--ref", default="HEAD", show_default=True, help="The commit to sync."),
    click.option(
        "--repository",
        metavar="OWNER/NAME",
        callback=repository_name,
        help="Default: from the origin remote.",
    ),
    click.option(
        "--working-tree", is_flag=True, help="Use the checkout as it is, uncommitted changes too."
    ),
    click.option(
        "--state-file",
        type=click.Path(path_type=Path),
        help="Where orphan errors, and the name each checkout synced as, are kept.",
    ),
)


@click.group("sync")
def sync_group() -> None:
    """Reconcile a repository's configs with the control plane."""


sync_group.add_command(sync_comment)

adopt_option = click.option(
    "--adopt",
    is_flag=True,
    help="The origin changed: create this checkout's agents under the new name and "
    "soft-delete them under the name it synced as.",
)


@sync_group.command("plan")
@source_options
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for a terminal, json for programs, markdown for a pull request or job summary.",
)
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option(
    "--max-chars",
    type=click.IntRange(min=200),
    help="With --format markdown: a summary that fits (a GitHub comment holds 65,536).",
)
@click.option(
    "--against-empty",
    is_flag=True,
    help="Plan with no control plane (no token needed): every valid file is a create.",
)
@click.option(
    "--detailed-exitcode", is_flag=True, help="Exit 0: no changes, 1: error, 2: changes pending."
)
@click.option("--allow-mass-delete", is_flag=True, help="Do not block on mass deletion.")
@adopt_option
def sync_plan(
    path: Path,
    ref: str,
    repository: str | None,
    working_tree: bool,
    state_file: Path | None,
    output_format: str,
    as_json: bool,
    max_chars: int | None,
    against_empty: bool,
    detailed_exitcode: bool,
    allow_mass_delete: bool,
    adopt: bool,
) -> None:
    """Show what apply would change, without changing anything: the plan, and for each change
    its cron schedules in words with their next firings, its budget exposure, and the agents
    that would stop."""
    from datetime import UTC, datetime

    from agentsync.sync import preview
    from agentsync.sync.engine import plan_snapshot
    from agentsync.sync.identity import plan_checkout

    if as_json and output_format not in ("text", "json"):
        raise click.UsageError(
            f"--json means --format json; it cannot go with --format {output_format}"
        )
    if max_chars is not None and output_format != "markdown":
        raise click.UsageError("--max-chars goes with --format markdown")
    source = _source(path, ref, repository, working_tree)
    if against_empty:  # no control plane: nothing to compare the origin's name with either
        run = plan_snapshot(source.snapshot(), (), allow_mass_delete=allow_mass_delete)
    else:
        run = plan_checkout(
            source,
            client_from_environment(),
            _state(state_file),
            explicit=repository is not None,
            adopt=adopt,
            allow_mass_delete=allow_mass_delete,
        )
    shown = preview.build_preview(run, datetime.now(UTC), against_empty=against_empty)
    if as_json or output_format == "json":
        click.echo(json.dumps(preview.preview_json(shown), indent=2))
    elif output_format == "markdown":
        click.echo(preview.preview_markdown(shown, max_chars=max_chars), nl=False)
    else:
        echo_coloured(preview.preview_text(shown))
    if run.plan.blocked:
        raise SystemExit(ExitCode.FAILED)
    if detailed_exitcode and run.plan.changes_pending:
        raise SystemExit(2)  # --detailed-exitcode's own meaning, as Terraform's


class ApplyCancelled(AgentsyncError):
    """The user declined the confirmation: nothing was applied (exit 1)."""


@sync_group.command("apply")
@source_options
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (CI).")
@click.option(
    "--force", is_flag=True, help="Apply a non-default branch, an older commit or the working tree."
)
@click.option("--allow-mass-delete", is_flag=True, help="Allow deleting over half the configs.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=0,
    metavar="SECONDS",
    help="Wait this long for another apply with the same state file to finish.  [default: 0]",
)
@click.option("--json", "as_json", is_flag=True, help="Print the plan and its outcome as JSON.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0: nothing to change, 1: error or invalid configs, 2: changes applied.",
)
@adopt_option
def sync_apply(
    path: Path,
    ref: str,
    repository: str | None,
    working_tree: bool,
    state_file: Path | None,
    yes: bool,
    force: bool,
    allow_mass_delete: bool,
    lock_timeout: float,
    as_json: bool,
    detailed_exitcode: bool,
    adopt: bool,
) -> None:
    """Apply the plan: creates, updates, moves, restores, errors and soft-deletes.

    One apply at a time per state file: a second one waits up to --lock-timeout, then stops.
    Exits 1 when a write failed, when a config in the commit is invalid (its error is recorded
    and its last good config stays in force; the other configs still apply), when the
    confirmation is declined, and when the origin changed while the name the checkout synced
    as still has agents (--repository keeps that name, --adopt moves them to the new one).
    """
    from agentsync.sync import report
    from agentsync.sync.lock import apply_lock
    from agentsync.sync.state import default_state_file

    state_path = state_file or default_state_file()

    def waiting(holder: str) -> None:
        note(f"waiting for another apply ({holder}) to finish...")

    with apply_lock(state_path, timeout=lock_timeout, on_wait=waiting):
        run = _plan_and_apply(
            _source(path, ref, repository, working_tree),
            _state(state_path),
            ApplyOptions(yes, force, allow_mass_delete, as_json, repository is not None, adopt),
        )
    result = run.result
    assert result is not None  # apply_run always sets it
    for warning in run.warnings:
        note(f"warning: {warning}")
    for action, error in result.failed:  # escaped: the control plane's words, a file's name
        click.echo(printable(f"failed: {action.kind} {action.path}: {error}"), err=True)
    for action, why in result.rejected:
        line = f"refused: {action.kind} {action.path}: {why} (its sync error)"
        click.echo(printable(line), err=True)
    invalid = sum(1 for file in run.desired.values() if file.status == "invalid")
    if as_json:
        click.echo(
            json.dumps(report.apply_json(run.plan, result, invalid, run.snapshot.ref), indent=2)
        )
    else:
        click.echo(report.apply_text(run.plan, result, invalid), nl=False)
    if not result.ok or invalid or result.rejected:
        raise SystemExit(ExitCode.FAILED)
    if detailed_exitcode and result.done:
        raise SystemExit(2)  # --detailed-exitcode's own meaning, as Terraform's


class ApplyOptions(NamedTuple):
    yes: bool
    force: bool
    allow_mass_delete: bool
    as_json: bool
    explicit: bool  # --repository was given
    adopt: bool


def _plan_and_apply(source: LocalGitSource, state: SyncState, options: ApplyOptions) -> SyncRun:
    """Plan, print the plan (unless JSON is asked for), confirm (unless ``yes``), apply with a
    progress bar on a tty. The plan shown is the preview ``agent sync plan`` prints."""
    from datetime import UTC, datetime

    from agentsync.sync import preview
    from agentsync.sync.engine import apply_run
    from agentsync.sync.identity import plan_checkout, record_checkout

    client = client_from_environment()
    run = plan_checkout(
        source,
        client,
        state,
        explicit=options.explicit,
        adopt=options.adopt,
        allow_mass_delete=options.allow_mass_delete,
    )
    if not options.as_json and not (options.yes and quiet()):  # a question shows its plan
        shown = preview.build_preview(run, datetime.now(UTC))
        echo_coloured(preview.preview_text(shown))

    def confirm(plan: Plan) -> None:
        if options.yes or not plan.writes:
            return
        if not sys.stdin.isatty():
            raise click.UsageError("not a terminal: pass --yes to apply without confirmation")
        if not click.confirm(f"Apply {plural(len(plan.writes), 'change')}?", err=options.as_json):
            raise ApplyCancelled("Apply cancelled.")

    with contextlib.ExitStack() as stack:
        bars: list[Any] = []

        def progress(_: object) -> None:  # the bar opens at the first write, after confirm
            if not bars:
                bar = click.progressbar(length=len(run.plan.writes), label="Applying")
                bars.append(stack.enter_context(bar))
            bars[0].update(1)

        run = apply_run(
            run,
            source,
            client,
            state,
            force=options.force,
            confirm=confirm,
            progress=progress if sys.stdout.isatty() and not (options.as_json or quiet()) else None,
        )
    record_checkout(source, state, run)
    return run


@sync_group.command("status")
@source_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def sync_status(
    path: Path,
    ref: str,
    repository: str | None,
    working_tree: bool,
    state_file: Path | None,
    as_json: bool,
) -> None:
    """Each config's state: last good identity and commit, last error, deleted; orphans too.

    When the origin changed and the name this checkout synced as still has agents, their
    status is shown, with a note naming both names."""
    from agentsync.sync import report
    from agentsync.sync.engine import read_actual
    from agentsync.sync.identity import renamed

    client, state = client_from_environment(), _state(state_file)
    if repository is not None:
        name, listing = repository, read_actual(client, repository)
    else:
        source = _source(path, ref, None, working_tree)
        change = renamed(source, client, state)
        if change is None:
            name = source.repository_name()
            listing = read_actual(client, name)
        else:  # the recorded name's listing, read once
            note(f"note: {change.describe()}; showing {change.recorded}")
            name, listing = change.recorded, list(change.listing)
    rows = report.status_rows(listing, state.orphans(name))
    if as_json:
        click.echo(json.dumps({"repository": name, "configs": rows}, indent=2))
    else:
        echo_coloured(report.status_text(name, rows))
