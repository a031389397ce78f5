"""``agent serve`` (webhook endpoint + workers), ``agent serve status``, ``agent serve retry``
and ``agent worker``: parse flags, call ``agentsync.service`` (:mod:`agentsync.service.setup`
reads the credentials and wires the job handlers), print.

Secrets never come from flags: the webhook secret from ``AGENTSYNC_WEBHOOK_SECRET`` (or
``--webhook-secret-file``), GitHub credentials from ``AGENTSYNC_GITHUB_TOKEN`` or
``AGENTSYNC_GITHUB_APP_ID`` with a private key file, the control plane's token as for
``agent sync`` (``ELLIPSIS_API_TOKEN``).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import click

from agentsync import settings
from agentsync.cli.migrate import Migratable, check_option, migrate_or_check
from agentsync.cli.options import listen_options
from agentsync.errors import UsageError
from agentsync.plural import plural
from agentsync.printable import printable
from agentsync.service.setup import WorkerSetup
from agentsync.service.worker_settings import DEFAULT_RETENTION_DAYS, WorkerSettings
from agentsync.shorten import one_line, truncate
from agentsync.state_dir import state_dir
from agentsync.tables import text_table

if TYPE_CHECKING:
    from agentsync.service.queue import Job, ServiceStatus, ServiceStore

F = TypeVar("F", bound=Callable[..., Any])
ERROR_CELL_CHARS = 100  # a job's last error in `agent serve status`'s tables


def default_database() -> str:
    return str(state_dir() / "service.db")


def _open_store(database: str, *, wait: float = 0.0) -> ServiceStore:
    from agentsync.service.stores import open_store

    return open_store(database, wait=wait)


_database_option = click.option(
    "--database",
    default=default_database,
    show_default="$XDG_STATE_HOME/agentsync/service.db",
    help="A SQLite file, or a postgresql://user@host/db URL (password from PGPASSWORD or "
    "~/.pgpass, or in the URL).",
)

_subcommand_database_option = click.option(
    "--database", help="The service database (default: `agent serve`'s --database)."
)


def _existing(database: str) -> str:
    """``database``, if it is a URL or a file that exists (never create an empty one)."""
    if "://" not in database and not Path(database).exists():
        raise UsageError(f"no service database at {database} (is `agent serve` using another?)")
    return database


_worker_options = [
    _database_option,
    click.option(
        "--github-api-url",
        envvar=settings.AGENTSYNC_GITHUB_API_URL.name,
        default="https://api.github.com",
        show_default=True,
        help="GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).",
    ),
    click.option(
        "--github-app-key-file",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar=settings.AGENTSYNC_GITHUB_APP_KEY_FILE.name,
        help="The GitHub App's private key (PEM); the app id is AGENTSYNC_GITHUB_APP_ID.",
    ),
    click.option(
        "--resync-interval",
        type=click.FloatRange(min=0),
        default=WorkerSettings.resync_interval,
        show_default=True,
        help="Seconds between full resyncs of every known repository (0: never).",
    ),
    click.option(
        "--lease-seconds",
        type=click.FloatRange(min=1),
        default=WorkerSettings.lease_seconds,
        show_default=True,
        help="Seconds a job stays claimed by a worker that stopped heartbeating it.",
    ),
    click.option(
        "--retention-days",
        type=click.FloatRange(min=0),
        default=DEFAULT_RETENTION_DAYS,
        show_default=True,
        help="Finished jobs and old deliveries are pruned after this long (0: never).",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(min=1),
        default=WorkerSettings.max_attempts,
        show_default=True,
        help="Tries before a failing job becomes a dead letter (see `agent serve status`).",
    ),
    click.option(
        "--wait-for-database",
        type=click.FloatRange(min=0),
        default=30.0,
        show_default=True,
        metavar="SECONDS",
        help="At start-up, wait this long for a database server that cannot be reached "
        "(0: fail at once). Once running, the workers ride out outages of any length.",
    ),
    click.option(
        "--log-level",
        type=click.Choice(["debug", "info", "warning", "error"]),
        default="info",
        show_default=True,
        help="The least severe log lines written to stderr.",
    ),
    click.option(
        "--log-format",
        type=click.Choice(["auto", "json", "text"]),
        default="auto",
        show_default=True,
        help="auto: readable lines on a terminal, JSON lines otherwise (for log collectors).",
    ),
]


def worker_options(function: F) -> F:
    """The options of :class:`WorkerSetup`, passed to ``function`` as ``setup``."""

    @functools.wraps(function)
    def with_setup(**values: Any) -> Any:
        fields = {name: values.pop(name) for name in WorkerSetup._fields}
        return function(setup=WorkerSetup(**fields), **values)

    wrapped: F = with_setup  # type: ignore[assignment]
    for option in reversed(_worker_options):
        wrapped = option(wrapped)
    return wrapped


@click.group("serve", invoke_without_command=True)
@listen_options(
    8080,
    host_help="The address to listen on (behind a TLS-terminating reverse proxy).",
    port_help="The port of /webhooks/github, /healthz, /readyz and /metrics (0: a free one, "
    "named in the start-up line).",
)
@click.option(
    "--webhook-secret-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file with the webhook secret (a second line: the previous secret, while "
    "rotating). Default: AGENTSYNC_WEBHOOK_SECRET.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Worker threads in this process (0 with PostgreSQL and separate `agent worker`s).",
)
@worker_options
@click.pass_context
def serve_group(
    ctx: click.Context,
    host: str,
    port: int,
    webhook_secret_file: Path | None,
    workers: int,
    setup: WorkerSetup,
) -> None:
    """Run the webhook-driven sync service (subcommands: status, retry, discard, migrate)."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = setup.database  # `agent serve --database X status` reads X
        return
    from agentsync.listen import listen
    from agentsync.service.secret_files import warn_if_others_may_read
    from agentsync.service.server import ServeOptions, serve
    from agentsync.service.signature import WebhookSecrets, load_secrets

    loaded: list[WebhookSecrets] = []  # read once, while every setting is checked
    # Without workers, the endpoint only queues deliveries: no GitHub or control-plane settings.
    setup.check(lambda: loaded.append(load_secrets(webhook_secret_file)), workers=workers > 0)
    secrets = loaded[0]
    sock = listen(host, port)
    if workers:
        store, handlers = setup.start_with_workers(secrets.values)
    else:
        store, handlers = setup.start(secrets.values), None
    warn_if_others_may_read(webhook_secret_file, "the webhook secret")
    options = ServeOptions(workers=workers, worker=setup.settings())
    where = sock.getsockname()
    banner = (
        f"agent serve: webhooks on http://{host}:{where[1]}/webhooks/github, "
        f"{_where_words(setup, control_plane=workers > 0)}, {plural(workers, 'worker')}"
    )
    serve(store, secrets, handlers, options, sock, banner)


def _where_words(setup: WorkerSetup, *, control_plane: bool = True) -> str:
    """``database postgresql://agentsync@db/agentsync (PostgreSQL), control plane URL``, as a
    start-up line names them (the control plane only where workers write to it): never a
    password."""
    from agentsync.client.settings import load_settings
    from agentsync.service.stores import backend_of
    from agentsync.urls import redact_url

    database = f"database {redact_url(setup.database)} ({backend_of(setup.database)})"
    if not control_plane:
        return database
    return f"{database}, control plane {redact_url(load_settings().base_url)}"


@click.command("worker")
@click.option(
    "--threads",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker threads in this process, each working one job at a time.",
)
@click.option(
    "--metrics-host",
    default="127.0.0.1",
    show_default=True,
    help="The address --metrics-port listens on.",
)
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Serve this worker's Prometheus metrics on http://HOST:PORT/metrics (default: none).",
)
@worker_options
def worker_command(
    threads: int, metrics_host: str, metrics_port: int | None, setup: WorkerSetup
) -> None:
    """Work the queue of a shared (PostgreSQL) service database."""
    from agentsync.service.server import work

    setup.check()
    store, handlers = setup.start_with_workers()
    address = None if metrics_port is None else (metrics_host, metrics_port)
    banner = f"agent worker: {_where_words(setup)}, {plural(threads, 'thread')}"
    work(store, handlers, setup.settings(), threads, banner, address)


def _ago(stamp: float | None, now: float) -> str:
    if stamp is None:
        return "-"
    seconds = max(0, int(now - stamp))
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    return f"{seconds // 3600}h ago"


def _job_counts(status: ServiceStatus) -> str:
    """``queued 1, running 0, done 30, folded 70, dead 0``: a folded job (made redundant by a
    newer one of its repository) is counted apart from the done ones that ran."""
    parts: list[str] = []
    for state, count in status.jobs_by_state.items():
        if state == "done":
            parts += [f"done {count - status.folded}", f"folded {status.folded}"]
        else:
            parts.append(f"{state} {count}")
    return ", ".join(parts)


def _error_cell(error: str) -> str:
    """An error on one line of a table, cut with an ellipsis (``--json`` has it whole)."""
    return truncate(one_line(error), ERROR_CELL_CHARS)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table of what the store holds, each cell escaped: an error a server sent (a GitHub or
    control-plane message) or a repository's name cannot send escape sequences to the terminal."""
    return text_table(header, [[printable(cell) for cell in row] for row in rows])


def _queued_lines(status: ServiceStatus, now: float) -> list[str]:
    if not status.queued:
        return []
    rows = [
        [
            work.repository,
            str(work.jobs),
            _ago(work.oldest_created_at, now),
            "-" if work.next_attempt_at is None else _when(work.next_attempt_at, now),
            _error_cell(work.last_error or "-"),
        ]
        for work in status.queued
    ]
    header = ["REPOSITORY", "QUEUED", "OLDEST", "NEXT ATTEMPT", "LAST ERROR"]
    return ["queued work:", _table(header, rows), ""]


def _when(stamp: float, now: float) -> str:
    return "due now" if stamp <= now else f"in {int(stamp - now)}s"


def _status_text(status: ServiceStatus, now: float) -> str:
    age = status.oldest_queued_age
    lines = [
        f"jobs: {_job_counts(status)}",
        f"queue depth: {status.queue_depth} due"
        + (f" (oldest queued {int(age)}s)" if age is not None else ""),
        f"deliveries stored: {status.deliveries}",
        "",
        *_queued_lines(status, now),
    ]
    if status.repositories:
        lines.append(
            _table(
                ["REPOSITORY", "LAST SYNC", "COMMIT", "OUTCOME", "INSTALLATION"],
                [
                    [
                        r.repository,
                        _ago(r.last_sync_at, now),
                        (r.last_sync_commit or "-")[:12],
                        r.last_sync_outcome or "-",
                        str(r.installation_id or "-"),
                    ]
                    for r in status.repositories
                ],
            )
        )
    else:
        lines.append("no repositories yet")
    lines.append("")
    if status.dead:
        lines.append(
            f"dead letters ({len(status.dead)}; `agent serve retry ID` requeues one, `discard ID` "
            "drops one, `--json` shows whole errors):"
        )
        lines.append(
            _table(
                ["ID", "KIND", "REPOSITORY", "ATTEMPTS", "FAILED", "LAST ERROR"],
                [
                    [
                        str(job.id),
                        job.kind,
                        job.repository,
                        str(job.attempts),
                        _ago(job.updated_at, now),
                        _error_cell(job.last_error or ""),
                    ]
                    for job in status.dead
                ],
            )
        )
    else:
        lines.append("no dead letters")
    return "\n".join(lines)


@serve_group.command("status")
@_subcommand_database_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--dead-limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Show at most this many dead letters, the newest first.",
)
@click.pass_obj
def status_command(
    group_database: str, database: str | None, as_json: bool, dead_limit: int
) -> None:
    """Queue depth, jobs by state, repositories and dead letters."""
    database = _existing(database or group_database)
    store = _open_store(database)
    try:
        status = store.status(dead_limit=dead_limit)
    finally:
        store.close()
    now = time.time()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "jobs_by_state": status.jobs_by_state,
                    "folded": status.folded,
                    "queue_depth": status.queue_depth,
                    "queued": [work._asdict() for work in status.queued],
                    "oldest_queued_age": status.oldest_queued_age,
                    "deliveries": status.deliveries,
                    "repositories": [r._asdict() for r in status.repositories],
                    "dead": [
                        {k: v for k, v in job._asdict().items() if k != "payload"}
                        for job in status.dead
                    ],
                },
                indent=2,
            )
        )
    else:
        click.echo(_status_text(status, now))


@serve_group.command("migrate")
@_subcommand_database_option
@check_option
@click.pass_obj
def migrate_command(group_database: str, database: str | None, check: bool) -> None:
    """Apply the service database's pending schema migrations (back it up first)."""
    from agentsync.service.stores import open_store

    def open_unmigrated() -> Migratable:
        return open_store(_existing(database or group_database), migrate=False)

    code = migrate_or_check(open_unmigrated, check, "agent serve migrate")
    if code:
        raise SystemExit(code)


def _not_dead(job_id: int, job: Job | None, verb: str) -> str:
    """Why ``agent serve retry|discard JOB_ID`` changed nothing (only dead letters are
    ``verb``), and where the dead letters are."""
    listed = "`agent serve status` lists the dead letters"
    if job is None:
        return f"no job {job_id} in this database: {listed}"
    return f"job {job_id} is {job.state}, not a dead letter (only those are {verb}): {listed}"


def _change_dead(database: str, job_id: int, verb: Literal["retried", "discarded"]) -> None:
    """Requeue or discard the dead letter ``job_id``; a ``UsageError`` if it is none."""
    store = _open_store(_existing(database))
    try:
        changed = store.requeue_dead(job_id) if verb == "retried" else store.discard_dead(job_id)
        if not changed:
            raise UsageError(_not_dead(job_id, store.get_job(job_id), verb))
    finally:
        store.close()


@serve_group.command("retry")
@_subcommand_database_option
@click.argument("job_id", type=click.IntRange(1, 2**63 - 1))
@click.pass_obj
def retry_command(group_database: str, database: str | None, job_id: int) -> None:
    """Give a dead-letter job another round."""
    _change_dead(database or group_database, job_id, "retried")
    click.echo(f"job {job_id} queued again")


@serve_group.command("discard")
@_subcommand_database_option
@click.argument("job_id", type=click.IntRange(1, 2**63 - 1))
@click.pass_obj
def discard_command(group_database: str, database: str | None, job_id: int) -> None:
    """Drop a dead-letter job that no longer matters (its repository or pull request is gone):
    it is done, with the outcome discarded, and pruned with the finished jobs."""
    _change_dead(database or group_database, job_id, "discarded")
    click.echo(f"job {job_id} discarded")
