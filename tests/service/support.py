"""Shared by the service tests: the webhook app on a loopback port in a thread, signed
deliveries built from the recorded payloads in ``fixtures/webhooks``, ``agent serve`` and
``agent worker`` as processes, and what the end-to-end tests push and read back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from agentsync.client.api import Client
from agentsync.closeable import Closeable
from agentsync.errors import StoreError
from agentsync.listen import listen
from agentsync.localserver.server import ThreadedServer
from agentsync.service.metrics import Metrics
from agentsync.service.queue import Job, ServiceStore
from agentsync.service.signature import WebhookSecrets, sign
from agentsync.service.store_sqlite import SQLiteServiceStore
from agentsync.service.webhook import MAX_BODY_BYTES, create_app
from tests.servers import answers, port_in_log
from tests.service.fake_github import FakeRepo, webhook_payload

SECRET = b"webhook-secret-for-tests-0123456789"
REPO = "octo-org/agents-repo"
TOKEN = "ghp_service_test_0123456789SECRET"
APP_ID = 321
INSTALLATION = 42


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """A GitHub App's private key as the service reads it: PKCS#8 PEM, unencrypted."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def config(name: str, system: str = "Review the change.") -> str:
    return f"ellipsis:\n  version: v1\n  name: {name}\nclaude:\n  system: {system}\n"


class WebhookServer(Closeable):
    """``create_app`` under uvicorn on ``http://127.0.0.1:<port>`` in a background thread."""

    def __init__(
        self,
        store: ServiceStore,
        secrets: WebhookSecrets | None = None,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.store = store
        self.metrics = Metrics(store)
        app = create_app(
            store, secrets or WebhookSecrets([SECRET]), self.metrics, max_body_bytes=max_body_bytes
        )
        self._http = ThreadedServer(app, "the webhook app", listen("127.0.0.1", 0), log_config=None)

    @property
    def url(self) -> str:
        return self._http.url

    def __enter__(self) -> Self:
        self._http.start()
        return self

    def close(self) -> None:
        self._http.stop()


def delivery_headers(
    event: str, body: bytes, *, delivery: str | None = None, secret: bytes = SECRET
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/test",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret, body),
    }


def deliver(
    client: httpx.Client,
    event: str,
    data: dict[str, Any],
    *,
    delivery: str | None = None,
    secret: bytes = SECRET,
) -> httpx.Response:
    body = json.dumps(data).encode()
    headers = delivery_headers(event, body, delivery=delivery, secret=secret)
    return client.post("/webhooks/github", content=body, headers=headers)


# -- a database that goes down ----------------------------------------------------------------


class Outages(SQLiteServiceStore):
    """The SQLite store, whose ``failing`` calls (of ``claim``, ``heartbeat``, ``complete``)
    raise while ``down`` is set: a StoreError, as in a database outage, or ``error``. Each call
    is timed, each failure counted."""

    def __init__(self, path: Path, *failing: str, error: Exception | None = None) -> None:
        self.down = threading.Event()
        self.failing = failing
        self.error = error or StoreError("postgresql://db.internal/agentsync: connection refused")
        self.calls: dict[str, list[float]] = {}  # when each call was made
        self.failed: dict[str, int] = {}
        super().__init__(path)

    def _gate(self, name: str) -> None:
        self.calls.setdefault(name, []).append(time.monotonic())
        if name in self.failing and self.down.is_set():
            self.failed[name] = self.failed.get(name, 0) + 1
            raise self.error

    def claim(
        self, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> Job | None:
        self._gate("claim")
        return super().claim(worker_id, lease_seconds, now=now)

    def heartbeat(
        self, job_id: int, worker_id: str, lease_seconds: float, *, now: float | None = None
    ) -> bool:
        self._gate("heartbeat")
        return super().heartbeat(job_id, worker_id, lease_seconds, now=now)

    def complete(
        self, job_id: int, worker_id: str, outcome: str, *, now: float | None = None
    ) -> bool:
        self._gate("complete")
        return super().complete(job_id, worker_id, outcome, now=now)


# -- agent serve and agent worker as real processes -------------------------------------------

AGENT = Path(sys.executable).with_name("agent")


class ServiceProcess:
    """``agent serve`` (or ``agent worker``) as a child process, JSON logs in ``log_file``;
    ``agent serve`` on the free port it binds itself and logs, read from there."""

    def __init__(
        self,
        command: str,
        database: str,
        log_file: Path,
        env: dict[str, str],
        *extra: str,
    ) -> None:
        self.command = command
        self.log_file = log_file
        self.port: int | None = None  # agent serve's, once it serves
        args = [str(AGENT), command, "--database", database, *extra]
        if command == "serve":
            args += ["--port", "0"]
        self.args = args
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None
        self._launched_at = 0  # the log's size at launch: where this process's lines start

    @property
    def url(self) -> str:
        assert self.port is not None, "agent serve has not started"
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Launch the process and wait until it serves (``agent worker``: until it works)."""
        return self.launch().wait_ready()

    def launch(self) -> Self:
        with self.log_file.open("ab") as log:
            self._launched_at = log.tell()
            self.process = subprocess.Popen(
                self.args, stdout=log, stderr=subprocess.STDOUT, env=self.env
            )
        return self

    def wait_ready(self, timeout: float = 30.0) -> Self:
        assert self.process is not None
        if self.command == "serve":
            self.port = self.port_in_log("agent serve: webhooks on http://127.0.0.1:", timeout)
            answers(f"{self.url}/healthz", self.log_file, timeout)
        else:
            wait_for(lambda: any(e.get("message") == "worker started" for e in self.logs()))
        return self

    def port_in_log(self, before: str, timeout: float = 30.0) -> int:
        """The port this process logs right after ``before``."""
        assert self.process is not None
        return port_in_log(
            self.process, self.log_file, before, start=self._launched_at, timeout=timeout
        )

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind."""
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def logs_text(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""

    def logs(self) -> list[dict[str, Any]]:
        """The JSON log lines (anything else in the file fails the test). While the process
        runs, a last line without its newline is one it is still writing (the file grows a
        page at a time): it is left for the next read."""
        running = self.process is not None and self.process.poll() is None
        text = self.logs_text()
        if running:
            text = text[: text.rfind("\n") + 1]
        entries = []
        for line in text.splitlines():
            if line.strip():
                entries.append(json.loads(line))
        return entries


def wait_for(condition: Callable[[], object], timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what or condition}"
        time.sleep(0.05)


# -- what the end-to-end tests push and read back ----------------------------------------------


def push(client: httpx.Client, repo: FakeRepo, sha: str, **options: str) -> httpx.Response:
    response = deliver(client, "push", webhook_payload("push", repo.full_name, sha=sha), **options)
    assert response.status_code in (200, 202), response.text
    return response


def synced(cp: Client, repository: str, commit: str) -> bool:
    return cp.get_repository_commit(repository) == commit


def live_configs(cp: Client, repository: str) -> dict[str, str]:
    """path -> name of the repository's live configs on the control plane."""
    return {
        record.path or "": record.agent_config["ellipsis"]["name"]
        for record in cp.iter_sync_configs(repository=repository)
    }
