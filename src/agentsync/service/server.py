"""Assembling and running ``agent serve`` and ``agent worker``.

``agent serve`` runs the webhook app under uvicorn and, beside it, ``workers`` worker threads
(one by default: with SQLite that is the whole service). ``agent worker`` runs worker threads
only, against a shared PostgreSQL database. Both stop cleanly on SIGINT/SIGTERM: the workers
finish the job in hand (or leave it to lease expiry if killed) and the process exits 0.
uvicorn's logs name a request's path, never its query string (:mod:`agentsync.uvicorn_logs`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import FrameType

import uvicorn
from prometheus_client import start_http_server

from agentsync.service.metrics import Metrics
from agentsync.service.queue import ServiceStore
from agentsync.service.signature import WebhookSecrets
from agentsync.service.webhook import MAX_BODY_BYTES, create_app
from agentsync.service.worker import JobHandler, Worker, database_outage
from agentsync.service.worker_settings import WorkerSettings
from agentsync.uvicorn_logs import hide_query_strings

log = logging.getLogger("agentsync.service")


@dataclass
class ServeOptions:
    workers: int = 1
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    max_body_bytes: int = MAX_BODY_BYTES


def start_workers(
    store: ServiceStore,
    handler_factory: Callable[[], JobHandler],
    metrics: Metrics,
    settings: WorkerSettings,
    count: int,
    stop: threading.Event,
    wakeup: threading.Event,
) -> list[threading.Thread]:
    """``count`` worker threads, each with its own handler (its own HTTP clients), woken by
    ``wakeup``, which the store's job notifications set. They share one view of the database's
    health: an outage is logged once by the process, not once by each worker."""
    threads = []
    outage = database_outage()
    for number in range(count):
        worker = Worker(store, handler_factory(), metrics, settings, wakeup=wakeup, outage=outage)
        thread = threading.Thread(target=worker.run, args=(stop,), name=f"worker-{number}")
        thread.start()
        threads.append(thread)
    if count:
        listener = threading.Thread(
            target=store.listen, args=(wakeup.set, stop), name="job-notifications", daemon=True
        )
        listener.start()
    return threads


_STOPPING = (signal.SIGTERM, signal.SIGINT)


class SignalStop:
    """SIGINT and SIGTERM stop the ``workers`` worker threads once their jobs in hand are done,
    and the ``endpoint``, from the moment the process says it started. uvicorn restores these
    handlers when its endpoint has shut down and sends itself the signal it caught again:
    without them, that second signal would kill the process mid-job.

    The handler takes no lock: it runs in the main thread between two of its steps, maybe
    while that thread holds ``wakeup``'s lock (the endpoint sets it for every queued delivery)
    or the log's, and would wait for it for ever. It sets flags and writes a byte to a pipe; a
    thread that waits on the pipe logs and sets the events."""

    def __init__(
        self,
        stop: threading.Event,
        wakeup: threading.Event,
        workers: int,
        endpoint: uvicorn.Server | None = None,
    ) -> None:
        self.events = (stop, wakeup)
        self.workers = workers
        self.endpoint = endpoint
        self.received = self.closed = False
        self.pipe = os.pipe()
        os.set_blocking(self.pipe[1], False)
        self.watcher = threading.Thread(target=self._stop_when_signalled, name="signals")
        self.watcher.daemon = True
        self.watcher.start()
        self.previous = {number: signal.getsignal(number) for number in _STOPPING}
        for number in _STOPPING:
            signal.signal(number, self._request_stop)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        if self.closed:  # it interrupted close(): the pipe may be gone
            return
        self.received = True
        if self.endpoint is not None:
            self.endpoint.should_exit = True
        self._wake()

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError):  # a full pipe already holds a request
            os.write(self.pipe[1], b"\0")

    def _stop_when_signalled(self) -> None:
        os.read(self.pipe[0], 1)
        if not self.received:
            return  # woken by close(): no signal came
        log.info("stopping: finishing the jobs in hand" if self.workers else "stopped")
        for event in self.events:
            event.set()

    def close(self) -> None:
        """Once the process is done: wait until a signal's stop is logged (no signal came: the
        watcher is woken to end), give the signals back to their previous handlers and close
        the pipe."""
        self.closed = True
        self._wake()
        self.watcher.join(timeout=5.0)
        for number, handler in self.previous.items():
            if handler is not None:  # None: not a Python handler, which cannot be put back
                signal.signal(number, handler)
        for end in self.pipe:
            os.close(end)


def serve(
    store: ServiceStore,
    secrets: WebhookSecrets,
    handler_factory: Callable[[], JobHandler] | None,
    options: ServeOptions,
    sock: socket.socket,
    banner: str,
) -> None:
    """The web endpoint on ``sock`` and ``options.workers`` worker threads (none without a
    ``handler_factory``), until interrupted; ``banner`` is logged once a signal stops them
    cleanly."""
    metrics = Metrics(store)
    stop, wakeup = threading.Event(), threading.Event()
    app = create_app(
        store, secrets, metrics, max_body_bytes=options.max_body_bytes, on_queued=wakeup.set
    )
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False))
    signals = SignalStop(stop, wakeup, options.workers, server)
    log.info(banner)
    threads = (
        []
        if handler_factory is None
        else start_workers(
            store, handler_factory, metrics, options.worker, options.workers, stop, wakeup
        )
    )
    hide_query_strings()
    try:
        server.run(sockets=[sock])
    finally:
        stop.set()
        wakeup.set()
        for thread in threads:
            thread.join()
        store.close()
        signals.close()


def work(
    store: ServiceStore,
    handler_factory: Callable[[], JobHandler],
    settings: WorkerSettings,
    count: int,
    banner: str,
    metrics_address: tuple[str, int] | None = None,
) -> None:
    """``count`` worker threads until SIGINT/SIGTERM, ``banner`` logged once a signal stops
    them cleanly; with ``metrics_address``, this process's metrics on
    ``http://HOST:PORT/metrics``."""
    metrics = Metrics(store)
    stop, wakeup = threading.Event(), threading.Event()
    signals = SignalStop(stop, wakeup, count)
    log.info(banner)
    if metrics_address is not None:
        host, port = metrics_address
        server, _ = start_http_server(port, host, registry=metrics.registry)
        log.info(f"metrics on http://{host}:{server.server_port}/metrics")
    threads = start_workers(store, handler_factory, metrics, settings, count, stop, wakeup)
    try:
        while any(thread.is_alive() for thread in threads):
            for thread in threads:
                thread.join(timeout=0.5)
    finally:
        stop.set()
        store.close()
        signals.close()
