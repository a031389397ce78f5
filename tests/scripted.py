"""A scripted HTTP server on loopback: each request gets the next answer a test queued, so a
test can play a server that misbehaves (garbage bodies, odd links, dropped connections)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Scripted(ThreadingHTTPServer):
    """Answers each request with the next of ``answers``: ``(status, headers, body)``,
    ``"drop"`` (the request is read, then the connection closed without an answer) or
    ``"drip"`` (a JSON answer sent a byte every 0.1 s: 6 s in all) or ``"drip-event"`` (an
    event stream's line sent so, which never ends)."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers: list[tuple[int, dict[str, str], bytes] | str] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: Scripted
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.requests.append((self.command, self.path, dict(self.headers.items())))
        answer = self.server.answers.pop(0) if self.server.answers else (200, {}, b"{}")
        if answer == "drop":
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if answer in ("drip", "drip-event"):
            self._drip(b"{}" + b" " * 58 if answer == "drip" else b"data: " + b"x" * 54)
            return
        assert not isinstance(answer, str)
        status, headers, body = answer
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, body: bytes) -> None:
        self.close_connection = True
        kind = b"application/json" if body.startswith(b"{") else b"text/event-stream"
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\n" % kind)
        self.wfile.write(b"Content-Length: %d\r\n\r\n" % len(body))
        for byte in body:
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:  # the client gave up
                return
            time.sleep(0.1)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def scripted() -> Iterator[Scripted]:
    """A running :class:`Scripted` server, stopped at the end of the block."""
    running = Scripted()
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    try:
        yield running
    finally:
        running.shutdown()
        running.server_close()
