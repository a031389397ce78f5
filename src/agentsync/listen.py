"""The listening socket of every server agentsync runs (``agent serve``, ``agent control-plane
serve``, the local server in tests and benchmarks), bound before anything else starts: a busy
port is a one-line ``UsageError`` before a database is opened or a worker takes a job, and a
server asked for any free port (0) holds the one it got, so no other process can take it in
between."""

from __future__ import annotations

import errno
import socket

from agentsync.errors import UsageError


def listen(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``port`` 0: a free one, read back with
    ``getsockname()``); a ``UsageError`` naming the address when it cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        reason = "in use" if error.errno == errno.EADDRINUSE else (error.strerror or str(error))
        raise UsageError(
            f"cannot listen on {host}:{port} ({reason}): pick another --port"
        ) from error
    sock.listen(2048)
    return sock
