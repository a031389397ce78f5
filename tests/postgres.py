"""A throwaway PostgreSQL server for the tests: ``initdb`` into a fresh directory, ``postgres``
on 127.0.0.1 and a free port, databases created on demand, an immediate shutdown at the end.
PostgreSQL cannot be given port 0, so the port is picked first; when another process takes it
before the server binds it, the server starts again on another one.
An outage: :meth:`PostgresServer.pause` shuts the server down (its clients' connections
drop) and :meth:`PostgresServer.resume` starts it again on the same data and port.

The server binaries come from ``$AGENTSYNC_PG_BINDIR``, else the ``pgserver`` package (a dev
dependency that bundles them: only its files are used, none of its code), else ``pg_config
--bindir``, else ``PATH``. PostgreSQL refuses to run as root: under root the server runs as
``nobody``.
"""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Self

from tests.servers import unused_port

STARTUP_TIMEOUT = 30.0  # seconds
PORT_ATTEMPTS = 5  # ports tried in turn when another process takes the one picked
INITDB_OPTIONS = ("-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the server would not start."""


class PortTaken(PostgresUnavailable):
    """Another process took the port picked before the server could bind it."""


class RunAs:
    """The account the server runs as: ``nobody`` under root (PostgreSQL refuses root), else
    the current user. Holds the keyword arguments that make ``subprocess`` switch to it."""

    def __init__(self) -> None:
        self.switches = os.geteuid() == 0
        self.popen_options: dict[str, Any] = {}
        if self.switches:
            nobody = pwd.getpwnam("nobody")
            self.uid, self.gid = nobody.pw_uid, nobody.pw_gid
            self.popen_options = {"user": self.uid, "group": self.gid, "extra_groups": []}

    def give(self, path: Path) -> None:
        """Make ``path`` (a directory this process created) the server account's."""
        if self.switches:
            os.chown(path, self.uid, self.gid)
        path.chmod(0o755 if self.switches else 0o700)


def _has_server(bindir: Path) -> bool:
    return (bindir / "initdb").is_file() and (bindir / "postgres").is_file()


def find_bindir() -> Path:
    """The directory holding ``initdb`` and ``postgres`` (see the module docstring)."""
    tried: list[str] = []
    configured = os.environ.get("AGENTSYNC_PG_BINDIR")
    if configured:
        if _has_server(Path(configured)):
            return Path(configured)
        tried.append(f"$AGENTSYNC_PG_BINDIR={configured}")
    spec = importlib.util.find_spec("pgserver")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "pginstall" / "bin"
        if _has_server(bundled):
            return bundled
        tried.append(str(bundled))
    else:
        tried.append("the pgserver package (not installed)")
    pg_config = shutil.which("pg_config")
    if pg_config is not None:
        result = subprocess.run(
            [pg_config, "--bindir"], check=False, capture_output=True, text=True
        )
        if result.returncode == 0 and _has_server(Path(result.stdout.strip())):
            return Path(result.stdout.strip())
        tried.append(f"pg_config --bindir ({result.stdout.strip()})")
    initdb = shutil.which("initdb")
    if initdb is not None and _has_server(Path(initdb).parent):
        return Path(initdb).parent
    tried.append("PATH")
    raise PostgresUnavailable(
        "no PostgreSQL server binaries (initdb, postgres) found; tried "
        + ", ".join(tried)
        + ". Install the dev dependencies (they include pgserver) or set AGENTSYNC_PG_BINDIR."
    )


def readable_copy(bindir: Path, run_as: RunAs, into: Path) -> Path:
    """``bindir`` itself when the server runs as this user; else a copy, readable by everyone,
    of its installation (``bin`` and its siblings ``lib`` and ``share``) and of the libraries
    a wheel vendors beside its package (auditwheel's ``<package>.libs``, which the binaries
    find through ``$ORIGIN/../../../<package>.libs``), in the same layout under ``into``."""
    if not run_as.switches:
        return bindir
    installation, package, site = bindir.parent, bindir.parent.parent, bindir.parents[2]
    copy_site = into / "site"
    copy_installation = copy_site / package.name / installation.name
    for part in ("bin", "lib", "share"):
        if (installation / part).is_dir():
            shutil.copytree(installation / part, copy_installation / part, symlinks=True)
    for vendored in site.glob(f"{package.name}.libs"):
        shutil.copytree(vendored, copy_site / vendored.name, symlinks=True)
    for path in (into, *into.rglob("*")):  # whatever the umask: readable, runnable by all
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        if path.is_dir() or mode & stat.S_IXUSR:
            path.chmod(0o755)
        else:
            path.chmod(0o644)
    copied = copy_installation / "bin"
    check = subprocess.run(
        [str(copied / "initdb"), "--version"],
        check=False,
        capture_output=True,
        **run_as.popen_options,
    )
    if check.returncode != 0:
        raise PostgresUnavailable(
            f"the server account cannot run {copied / 'initdb'}: {check.stderr.decode()[:500]}"
            " (is the temporary directory reachable by 'nobody'? set TMPDIR to one that is)"
        )
    return copied


class PostgresServer:
    """One PostgreSQL cluster in a temporary directory; use as a context manager."""

    def __init__(self, bindir: Path | None = None) -> None:
        self.port = unused_port()
        self._run_as = RunAs()
        self._as = self._run_as.popen_options
        self._installation = Path(tempfile.mkdtemp(prefix="agentsync-pgbin-"))
        self.directory = Path(tempfile.mkdtemp(prefix="agentsync-pg-"))
        self._run_as.give(self.directory)
        self.data = self.directory / "data"
        self.log = self.directory / "postgres.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._source_bindir = bindir
        self.bindir = bindir or Path()

    def _prepare_binaries(self) -> None:
        self.bindir = readable_copy(
            self._source_bindir or find_bindir(), self._run_as, self._installation
        )

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        """Initialize and start the cluster; on failure nothing is left behind."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self._prepare_binaries()
        initdb = subprocess.run(
            [str(self.bindir / "initdb"), "-D", str(self.data), *INITDB_OPTIONS],
            check=False,
            capture_output=True,
            text=True,
            **self._as,
        )
        if initdb.returncode != 0:
            raise PostgresUnavailable(f"initdb failed:\n{initdb.stdout}{initdb.stderr}")
        for _ in range(PORT_ATTEMPTS - 1):
            try:
                self._launch()
                return
            except PortTaken:
                self.port = unused_port()
        self._launch()

    def _launch(self) -> None:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.directory),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
        }
        command = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for name, value in settings.items():
            command += ["-c", f"{name}={value}"]
        with self.log.open("ab") as log:
            start = log.tell()
            self._process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, **self._as
            )
        self._wait_ready(start)

    def _wait_ready(self, start: int) -> None:
        """Until the server answers; ``start`` is where its output begins in the log."""
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                output = self.log.read_bytes()[start:].decode(errors="replace")
                if "Address already in use" in output:
                    raise PortTaken(f"port {self.port} is taken:\n{output}")
                raise PostgresUnavailable(f"postgres exited:\n{output}")
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)],
                check=False,
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise PostgresUnavailable(f"postgres did not start in time:\n{self.log.read_text()}")

    def create_database(self) -> str:
        """A fresh, empty database; its URL."""
        import psycopg

        name = f"test_{uuid.uuid4().hex}"
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def pause(self) -> None:
        """Shut the server down, keeping its data: connections drop, new ones are refused,
        until :meth:`resume`. A fast shutdown: with ``synchronous_commit`` off, an immediate
        one would lose the last commits, which no production server does."""
        self._shutdown(signal.SIGINT)

    def resume(self) -> None:
        """Start the paused server again (same data, same port)."""
        self._launch()

    def stop(self) -> None:
        self._shutdown(signal.SIGQUIT)  # immediate: the data goes anyway
        shutil.rmtree(self.directory, ignore_errors=True)
        shutil.rmtree(self._installation, ignore_errors=True)

    def _shutdown(self, how: signal.Signals) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(how)
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
