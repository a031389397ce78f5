"""How ``agent serve`` and ``agent worker`` start: the settings they share
(:class:`WorkerSetup`), logging with its redactor, the GitHub credentials and the control
plane's client checked up front, the store opened, and the factory of job handlers
(:func:`job_handlers`, one handler per worker thread).

Heavy modules (the store backends, the worker, the GitHub client) are imported when used, so
that ``agent --help`` stays fast.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from agentsync import settings
from agentsync.errors import UsageError
from agentsync.service.worker_settings import SECONDS_PER_DAY, WorkerSettings

if TYPE_CHECKING:
    from agentsync.service.logs import Redactor
    from agentsync.service.queue import ServiceStore
    from agentsync.service.worker import JobHandler


class WorkerSetup(NamedTuple):
    """What ``agent serve`` and ``agent worker`` share: where the queue is, how to reach
    GitHub, and how workers behave."""

    database: str
    github_api_url: str
    github_app_key_file: Path | None
    resync_interval: float
    lease_seconds: float
    retention_days: float
    max_attempts: int
    wait_for_database: float
    log_level: str
    log_format: str = "auto"  # auto (text on a terminal, else JSON), json or text

    def settings(self) -> WorkerSettings:
        return WorkerSettings(
            lease_seconds=self.lease_seconds,
            max_attempts=self.max_attempts,
            resync_interval=self.resync_interval or None,
            retention=self.retention_days * SECONDS_PER_DAY or None,
        )

    def check(self, *more: Callable[[], object], workers: bool = True) -> None:
        """Every setting the workers need (GitHub's credentials, the control plane's token),
        unless there are no ``workers`` (a web endpoint only needs the database), and ``more``
        checks: all the problems in one ``UsageError``, not one per start."""
        from agentsync.client.api import client_from_environment
        from agentsync.service.github.credentials import credentials_from_environment

        for_workers: list[Callable[[], object]] = [
            lambda: credentials_from_environment(self.github_app_key_file),
            lambda: client_from_environment().close(),
            lambda: seconds_from_environment(
                settings.AGENTSYNC_GITHUB_WRITE_PAUSE.name, default=1.0
            ),
        ]
        all_or_nothing([*(for_workers if workers else []), *more])

    def start(self, redactor_secrets: tuple[bytes, ...] = ()) -> ServiceStore:
        """Logging and the store: all a web endpoint without workers needs (no credentials)."""
        self._logging(redactor_secrets)
        return self._store()

    def start_with_workers(
        self, redactor_secrets: tuple[bytes, ...] = ()
    ) -> tuple[ServiceStore, Callable[[], JobHandler]]:
        """Logging, credentials and the store; a factory of job handlers."""
        redactor = self._logging(redactor_secrets)
        handlers = job_handlers(self.github_api_url, self.github_app_key_file, redactor)
        store = self._store()
        return store, lambda: handlers(store)

    def _logging(self, redactor_secrets: tuple[bytes, ...]) -> Redactor:
        redactor = configure_logging(self.log_level, self.log_format)
        redactor.add(redactor_secrets)
        return redactor

    def _store(self) -> ServiceStore:
        from agentsync.service.stores import open_store

        return open_store(self.database, wait=self.wait_for_database)


def all_or_nothing(checks: list[Callable[[], object]]) -> None:
    """Run every check; the usage errors of all that fail, in one message."""
    problems: list[str] = []
    for check in checks:
        try:
            check()
        except UsageError as error:
            problems.append(str(error))
    if len(problems) == 1:
        raise UsageError(problems[0])
    if problems:
        listed = "; ".join(f"({number}) {text}" for number, text in enumerate(problems, 1))
        raise UsageError(f"{len(problems)} settings are missing or wrong: {listed}")


def seconds_from_environment(variable: str, *, default: float) -> float:
    """The environment variable ``variable`` as seconds (0 to 3600), else ``default``."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < 3600:
        raise UsageError(f"{variable} must be a number of seconds (0 to 3600), not {value!r}")
    return seconds


def job_handlers(
    github_api_url: str, github_app_key_file: Path | None, redactor: Redactor
) -> Callable[[ServiceStore], JobHandler]:
    """A factory of job handlers (one per worker thread: each has its own HTTP clients). The
    credentials and the control plane's token are checked now, not at the first job, and
    their secrets added to ``redactor``."""
    from agentsync.client.api import client_from_environment
    from agentsync.service.github.credentials import credentials_from_environment, secret_of
    from agentsync.service.jobs import JobRunner
    from agentsync.service.secret_files import warn_if_others_may_read

    credentials = credentials_from_environment(github_app_key_file)
    warn_if_others_may_read(github_app_key_file, "the GitHub App's private key")
    redactor.add([secret_of(credentials)])
    redactor.add([os.environ.get(settings.ELLIPSIS_API_TOKEN.name, "")])
    client_from_environment().close()  # fail now, not at the first job, without a token
    writes_pause = seconds_from_environment(settings.AGENTSYNC_GITHUB_WRITE_PAUSE.name, default=1.0)

    def build(store: ServiceStore) -> JobHandler:
        return JobRunner(
            store,
            credentials,
            client_from_environment(),
            github_api_url,
            seconds_between_writes=writes_pause,
        )

    return build


def configure_logging(level: str, log_format: str = "auto") -> Redactor:
    """The service's logging at ``level`` (a name: info, debug...), as ``log_format`` says
    (auto: readable text on a terminal, JSON lines otherwise); its redactor."""
    from agentsync.service.logs import Redactor, configure

    redactor = Redactor()
    text = log_format == "text" or (log_format == "auto" and sys.stderr.isatty())
    configure(redactor, level=getattr(logging, level.upper()), text=text)
    return redactor
