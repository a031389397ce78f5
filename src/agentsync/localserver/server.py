"""Assembling and serving the local control plane: store + vault + runner + app + uvicorn,
and the cron scheduler beside them.

``build`` is what tests and ``agent control-plane serve`` share; ``LocalServer`` runs it on a
loopback port in a background thread (for tests and benchmarks), through a ``ThreadedServer``,
which tests also use for other apps. uvicorn's logs name a request's path, never its query
string (:mod:`agentsync.uvicorn_logs`). Both ``LocalServer`` and ``serve`` bind their port
before they open the database (:mod:`agentsync.listen`), start the cron scheduler with the
server and stop it first.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Self

import uvicorn
from fastapi import FastAPI

from agentsync.closeable import Closeable
from agentsync.listen import listen
from agentsync.localserver.app import create_app
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.runners import DryRunRunner, Runner
from agentsync.localserver.scheduler import CronScheduler
from agentsync.localserver.settings import ServerSettings
from agentsync.localserver.store import SQLiteStore
from agentsync.localserver.vault import Vault
from agentsync.sqlite_files import MEMORY
from agentsync.uvicorn_logs import hide_query_strings


@dataclass
class ServerOptions:
    """Everything ``agent control-plane serve`` takes."""

    db: str = MEMORY
    api_tokens: list[str] = field(default_factory=list)
    cli_tokens: list[str] = field(default_factory=list)
    runner: Runner = field(default_factory=DryRunRunner)
    settings: ServerSettings = field(default_factory=ServerSettings)  # limits, budget...
    key_file: Path | None = None  # default: next to the database, or in a temp dir
    cron_interval: float | None = 1.0  # seconds between cron ticks; None: no cron thread
    clock: Callable[[], datetime] | None = None  # UTC "now" for runs, budgets, cron (tests)

    def vault_key_file(self) -> Path:
        if self.key_file is not None:
            return self.key_file
        if self.db == MEMORY:
            import tempfile

            return Path(tempfile.mkdtemp(prefix="agentsync-")) / "vault.key"
        return Path(self.db).with_suffix(".key")


def build(options: ServerOptions) -> tuple[FastAPI, ControlPlane]:
    store = SQLiteStore(options.db)
    control_plane = ControlPlane(
        store,
        settings=options.settings,
        runner=options.runner,
        vault=Vault.from_environment_or_file(options.vault_key_file()),
        clock=options.clock,
    )
    app = create_app(control_plane, api_tokens=options.api_tokens, cli_tokens=options.cli_tokens)
    return app, control_plane


def close_with_store(control_plane: ControlPlane) -> None:
    """Stop ``control_plane``'s runs under way, then close its store: what ``build`` opened."""
    control_plane.close()
    control_plane.store.close()


def build_scheduler(options: ServerOptions, control_plane: ControlPlane) -> CronScheduler:
    """The cron scheduler of ``control_plane`` (not started); ticks use its clock."""
    return CronScheduler(control_plane, interval=options.cron_interval or 1.0)


class ThreadedServer:
    """An ASGI app under uvicorn in a background thread, on the socket ``listening`` (from
    ``agentsync.listen``), which it closes at ``stop()``; ``uvicorn_options`` go to
    ``uvicorn.Config``."""

    def __init__(
        self, app: Any, name: str, listening: socket.socket, **uvicorn_options: Any
    ) -> None:
        self.name = name
        self._socket = listening
        self.host, self.port = listening.getsockname()[:2]
        hide_query_strings()
        self._server = uvicorn.Server(uvicorn.Config(app, lifespan="off", **uvicorn_options))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name=name, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start serving; return once the server listens (RuntimeError after 10 s)."""
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError(f"{self.name} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving, and free the port (whether or not it ever started)."""
        self._server.should_exit = True
        if self._thread.ident is not None:
            self._thread.join(timeout=10)
        self._socket.close()


class LocalServer(Closeable):
    """The control plane on ``http://127.0.0.1:<port>`` in a background thread: a ``with``
    block starts it and closes it."""

    def __init__(self, options: ServerOptions, host: str = "127.0.0.1", port: int = 0) -> None:
        listening = listen(host, port)  # first: a busy port opens no database
        try:
            self.app, self.control_plane = build(options)
        except BaseException:
            listening.close()
            raise
        self.scheduler = build_scheduler(options, self.control_plane)
        self._cron = options.cron_interval is not None
        self._http = ThreadedServer(
            self.app, "the local control plane", listening, log_level="warning"
        )
        self.host, self.port = self._http.host, self._http.port

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> Self:
        self._http.start()
        if self._cron:
            self.scheduler.start()
        return self

    def close(self) -> None:
        """Stop the scheduler, then the server, then the runs under way; close the store."""
        self.scheduler.stop()
        self._http.stop()
        close_with_store(self.control_plane)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise


def banner(options: ServerOptions, host: str, port: int) -> str:
    """The one line ``serve`` starts with: where to reach the server, where it keeps data."""
    kept = "in memory: everything is lost when it stops" if options.db == MEMORY else options.db
    return f"agentsync control plane on http://{host}:{port} (database: {kept})"


def serve(options: ServerOptions, host: str, port: int) -> None:
    """Run in the foreground until interrupted. The port is bound first: a busy one is a
    ``UsageError`` before the database is opened."""
    with closing(listen(host, port)) as sock:
        app, control_plane = build(options)
        print(banner(options, host, sock.getsockname()[1]), file=sys.stderr, flush=True)
        scheduler = build_scheduler(options, control_plane)
        if options.cron_interval is not None:
            scheduler.start()
        hide_query_strings()
        try:
            uvicorn.Server(uvicorn.Config(app, log_level="info")).run(sockets=[sock])
        finally:
            scheduler.stop()
            close_with_store(control_plane)
