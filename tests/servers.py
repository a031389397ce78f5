"""Our servers as child processes on loopback: each binds a free port itself (``--port 0``) and
names it in its log, where ``port_in_log`` reads it back (a port picked here and bound later by
the child could be taken in between), and ``answers`` waits for the app behind that port;
``start_control_plane`` starts ``agent control-plane serve`` so. And ``unused_port``: a port
nothing listens on, for a client that must find no server, or for PostgreSQL, which cannot be
given port 0."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

CONTROL_PLANE_BANNER = "agentsync control plane on http://127.0.0.1:"


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on just now (another process may take it at any time)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_in_log(
    process: subprocess.Popen[Any],
    log_file: Path,
    before: str,
    *,
    start: int = 0,
    timeout: float = 30.0,
) -> int:
    """The port that ``process`` writes to ``log_file`` (from byte ``start`` on) right after
    ``before`` (``"... on http://127.0.0.1:"``); fails with the log when the process exits, or
    ``timeout`` seconds pass, before it does."""
    pattern = re.compile(re.escape(before) + r"(\d+)")
    deadline = time.monotonic() + timeout
    while True:
        exited = process.poll() is not None  # before reading: its last words are in the file
        text = log_file.read_bytes()[start:].decode(errors="replace")
        if found := pattern.search(text):
            return int(found[1])
        if exited:
            raise AssertionError(f"{process.args!r} exited ({process.returncode}):\n{text}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{process.args!r} did not log {before!r} in {timeout:g}s:\n{text}"
            )
        time.sleep(0.02)


def answers(url: str, log_file: Path, timeout: float = 30.0) -> None:
    """``GET url`` answers 200 within ``timeout`` seconds: of a server whose port is bound, the
    request waits for the app behind it. Fails with the server's log (``log_file``) if not."""
    try:
        httpx.get(url, timeout=timeout).raise_for_status()
    except httpx.HTTPError as error:
        log = log_file.read_text(errors="replace")
        raise AssertionError(f"{url} does not answer ({error}):\n{log}") from error


def start_control_plane(
    log_file: Path, *options: str, env: Mapping[str, str] | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """``agent control-plane serve --port 0 OPTIONS`` as a child process, its stdout and stderr
    in ``log_file``: the process and its URL, once it answers (the caller stops it)."""
    command = [sys.executable, "-m", "agentsync", "control-plane", "serve", "--port", "0"]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [*command, *options], stdout=log, stderr=subprocess.STDOUT, env=env
        )
    try:
        url = f"http://127.0.0.1:{port_in_log(process, log_file, CONTROL_PLANE_BANNER)}"
        answers(f"{url}/agents/schema", log_file)
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, url
