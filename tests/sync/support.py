"""Shared by the sync engine's robustness tests: real git repositories, a fault-injecting
reverse proxy on loopback, config texts, and a pure model of what the control plane must hold
after an apply (``Expected``)."""

from __future__ import annotations

import http.client
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal, Self
from urllib.parse import parse_qsl, urlencode, urlsplit

from agentsync.client.api import Client
from agentsync.closeable import Closeable
from agentsync.config.discovery import is_config_path
from agentsync.lint.validation import ConfigRejected, validate_yaml
from agentsync.sync.engine import SyncRun, apply_sync
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState
from tests.localserver.conftest import API_KEY

Fault = Literal["500", "429", "drop"]
FAULTS: tuple[Fault, ...] = ("500", "429", "drop")


# texts ------------------------------------------------------------------------------------


def valid_text(n: int) -> str:
    """A valid config whose content identity differs for every ``n``."""
    return (
        "ellipsis:\n"
        "  version: v1\n"
        f"  name: Agent {n}\n"
        "claude:\n"
        f"  system: Carry out task number {n}.\n"
    )


INVALID_TEXTS = (
    "ellipsis: {version: v2}\nclaude:\n  system: Review the diff.\n",  # rule: version
    "ellipsis: {version: v1\nclaude: [\n",  # rule: syntax
    "ellipsis: {version: v1}\nclaude: 5\n",  # rules: system-prompt, type
)


def identity(text: str) -> str | None:
    """The content identity of a valid config text; None for an invalid one."""
    try:
        return validate_yaml(text).identity
    except ConfigRejected:
        return None


# git --------------------------------------------------------------------------------------


class Git:
    """A real repository on the default branch ``main``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        self.run("init", "-q", "-b", "main")

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
            cwd=self.root,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout.strip()

    def commit(self, files: Mapping[str, str | bytes | None], message: str = "change") -> str:
        """Write (or, for None, remove) the files, commit everything, return the sha."""
        for path, content in files.items():
            target = self.root / path
            if content is None:
                target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)
        self.run("add", "-A")
        self.run("commit", "-q", "--allow-empty", "-m", message)
        return self.run("rev-parse", "HEAD")


class SyncedRepo:
    """A real repository synced to a control plane by the engine, with its own state file:
    the setup every test of what one apply after another leaves behind starts from."""

    def __init__(self, tmp_path: Path, client: Client, repository: str) -> None:
        self.git = Git(tmp_path / "repo")
        self.state = SyncState(tmp_path / "state.json")
        self.client = client
        self.repository = repository

    def commit_and_sync(self, files: Mapping[str, str | bytes | None]) -> SyncRun:
        """Commit ``files`` and apply the repository's new HEAD."""
        self.git.commit(files)
        return apply_sync(
            LocalGitSource(self.git.root, repository=self.repository), self.client, self.state
        )


# the fault-injecting proxy ----------------------------------------------------------------

_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host",
     "proxy-connection", "content-length", "server", "date"}
)  # fmt: skip


class FaultProxy(Closeable):
    """A reverse proxy on ``http://127.0.0.1:<port>`` in front of ``upstream``.

    For a ``fault_rate`` share of the requests, picked by an RNG seeded with ``seed``, it
    injects one of ``faults``: ``500`` or ``429`` (``Retry-After: 0``) answered without
    forwarding, or ``drop``: the request is forwarded (the write happens) and then the
    connection is closed with a reset before any response byte is sent. Writes (every method
    but GET) wait ``write_delay`` seconds before they are forwarded. The query parameters named
    in ``drop_query`` are removed from every request (a server that ignores a filter).

    ``injected`` counts the faults by kind and ``dropped_writes`` the writes that took effect
    unbeknown to the client; ``forwarded`` lists ``(method, path)`` of every forwarded request.
    """

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        fault_rate: float = 0.0,
        faults: tuple[Fault, ...] = FAULTS,
        write_delay: float = 0.0,
        drop_query: tuple[str, ...] = (),
    ) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.fault_rate = fault_rate
        self.faults = faults
        self.write_delay = write_delay
        self.drop_query = drop_query
        self.injected: Counter[str] = Counter()
        self.dropped_writes = 0
        self.forwarded: list[tuple[str, str]] = []
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._active = 0
        self._server = _CountingServer(self, self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def writes(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(method, path) for method, path in self.forwarded if method != "GET"]

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no request is in flight (one a killed client left behind, say)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._active == 0:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError("the proxy still has requests in flight")
            time.sleep(0.01)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _pick_fault(self) -> Fault | None:
        with self._lock:
            if self._random.random() >= self.fault_rate:
                return None
            return self._random.choice(self.faults)

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(path)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k not in self.drop_query]
        path = parts.path + (f"?{urlencode(query)}" if query else "")
        connection = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            with self._lock:
                self.forwarded.append((method, path.partition("?")[0]))
            return response.status, response.getheaders(), payload
        finally:
            connection.close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

            def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
                try:
                    self.send_response(status)
                    for name, value in headers:
                        if name.lower() not in _HOP_BY_HOP:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client is gone (killed): nobody to tell

            def _drop(self) -> None:
                """Close with a reset: the client sees the connection die, no response."""
                self.close_connection = True
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                method = self.command
                fault = proxy._pick_fault()
                if fault is not None:
                    with proxy._lock:
                        proxy.injected[fault] += 1
                if fault == "500":
                    self._reply(500, [("Content-Type", "application/json")], b'{"detail":"boom"}')
                    return
                if fault == "429":
                    self._reply(
                        429,
                        [("Content-Type", "application/json"), ("Retry-After", "0")],
                        b'{"detail":"slow down"}',
                    )
                    return
                if method != "GET" and proxy.write_delay:
                    time.sleep(proxy.write_delay)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                status, response_headers, payload = proxy._forward(method, self.path, headers, body)
                if fault == "drop":
                    if method != "GET":
                        with proxy._lock:
                            proxy.dropped_writes += 1
                    self._drop()
                    return
                self._reply(status, response_headers, payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _handle

        return Handler


class _CountingServer(ThreadingHTTPServer):
    """Counts the connections accepted and not yet handled (``FaultProxy.wait_idle``)."""

    daemon_threads = True

    def __init__(self, proxy: FaultProxy, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.proxy = proxy

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.proxy._lock:
            self.proxy._active += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.proxy._lock:
                self.proxy._active -= 1


# the expected state -----------------------------------------------------------------------


@dataclass
class ExpectedConfig:
    text: str  # the last good YAML
    identity: str
    deleted: bool = False
    error: bool = False  # a sync error is recorded (the file at the path is invalid)
    id: str | None = None  # learned from the control plane when first seen


class Expected:
    """A pure model of one repository: its files now, and the configs the control plane must
    hold once the current files are applied (the config reference's table, path by path)."""

    def __init__(self) -> None:
        self.files: dict[str, str] = {}
        self.configs: dict[str, ExpectedConfig] = {}  # by path; deleted ones too
        self.orphans: set[str] = set()

    def applied(self) -> None:
        """The current files were applied: move the configs to where they must be now."""
        files = {path: text for path, text in self.files.items() if is_config_path(path)}
        identities = {path: identity(text) for path, text in files.items()}
        vanished = sorted(
            path for path, c in self.configs.items() if not c.deleted and path not in files
        )
        # A file renamed with its content unchanged keeps its config (one to one, path order).
        pool: dict[str, list[str]] = {}
        for path in vanished:
            pool.setdefault(self.configs[path].identity, []).append(path)
        for path in sorted(files):
            found = identities[path]
            if found is not None and path not in self.configs and pool.get(found):
                old = pool[found].pop(0)
                self.configs[path] = self.configs.pop(old)
                vanished.remove(old)
        for path in vanished:
            self.configs[path].deleted = True
        self.orphans = set()
        for path, text in files.items():
            config, found = self.configs.get(path), identities[path]
            if found is None:
                if config is None or config.deleted:
                    self.orphans.add(path)
                else:
                    config.error = True  # the last good config stays in force
            elif config is None:
                self.configs[path] = ExpectedConfig(text, found)
            elif config.identity != found or config.error or config.deleted:
                config.text, config.identity = text, found
                config.error = config.deleted = False

    def check(
        self,
        client: Client,
        repository: str,
        *,
        state: SyncState | None = None,
        commit: str | None = None,
    ) -> None:
        """The control plane (read with a fault-free ``client``) holds what the model says."""
        records = list(client.iter_sync_configs(repository=repository, include_deleted=True))
        paths = Counter(record.path for record in records)
        twice = [path for path, n in paths.items() if n > 1]
        assert not twice, f"more than one config for {twice}"
        ids = Counter(record.id for record in records)
        assert len(ids) == len(records), f"an id listed twice: {ids.most_common(1)}"
        by_path = {record.path or "": record for record in records}
        assert sorted(by_path) == sorted(self.configs), (
            f"configs at {sorted(by_path)}, expected at {sorted(self.configs)}"
        )
        for path, want in sorted(self.configs.items()):
            record = by_path[path]
            if want.id is None:
                want.id = record.id
            assert record.id == want.id, f"{path}: the config is {record.id}, not {want.id}"
            assert record.deleted == want.deleted, f"{path}: deleted is {record.deleted}"
            assert record.sha == want.identity, f"{path}: {record.sha}, not {want.identity}"
            assert record.yaml == want.text, f"{path}: yaml {record.yaml!r}, not {want.text!r}"
            if not want.deleted:
                error = record.sync_error
                assert (error is not None) == want.error, f"{path}: sync error {error!r}"
        if state is not None:
            orphans = sorted(state.orphans(repository))
            assert orphans == sorted(self.orphans), f"orphans {orphans}, not {self.orphans}"
        if commit is not None:
            last = client.get_repository_commit(repository)
            assert last == commit, f"the last applied commit is {last}, not {commit}"


# the CLI -----------------------------------------------------------------------------------

AGENT = Path(sys.executable).parent / "agent"


class Cli:
    """``agent sync ...`` in a subprocess, talking to the control plane through the proxy."""

    def __init__(
        self, repo: Path, proxy: FaultProxy, tmp_path: Path, repository: str = "acme/app"
    ) -> None:
        self.repo = repo
        self.repository = repository
        self.state_file = tmp_path / "sync-state.json"
        environ = {k: v for k, v in os.environ.items() if not k.startswith("ELLIPSIS_")}
        self.environ = environ | {
            "ELLIPSIS_API_BASE_URL": proxy.url,
            "ELLIPSIS_API_TOKEN": API_KEY,
            "ELLIPSIS_CONFIG_DIR": str(tmp_path / "no-config"),
        }

    def args(self, command: str, *extra: str) -> list[str]:
        return [
            str(AGENT), "sync", command, str(self.repo), "--repository", self.repository,
            "--state-file", str(self.state_file), *extra,
        ]  # fmt: skip

    def run(self, command: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.args(command, *extra),
            env=self.environ,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(
        self, command: str, *extra: str, output: int = subprocess.PIPE
    ) -> subprocess.Popen[str]:
        """``agent sync COMMAND`` started, not waited for."""
        return subprocess.Popen(
            self.args(command, *extra), env=self.environ, stdout=output, stderr=output, text=True
        )

    def kill_apply_when(self, ready: Callable[[], bool]) -> None:
        """Start ``apply --yes``, and SIGKILL it as soon as ``ready()``."""
        process = self.start("apply", "--yes", output=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        try:
            while not ready():
                assert process.poll() is None, "the apply finished before the kill"
                assert time.monotonic() < deadline, "the apply made no progress"
                time.sleep(0.01)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.kill()  # a no-op when it is dead already
            process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL
