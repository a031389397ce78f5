"""A deadline for a whole answer. httpx's timeouts bound each read and write, so a server that
drips its answer (a byte every few seconds, in its headers or its body) held a call for ever.
Within ``deadline(seconds)``, the connections of a :func:`transport` stop reading and writing
once those seconds have passed, with an ``httpx.ReadTimeout`` saying so; outside one (an event
stream, which lives as long as its run), they keep httpx's timeouts only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import httpcore
import httpx

T = TypeVar("T")
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("deadline", default=None)
_OVERRAN = "no complete answer within"


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Calls in the block give up once ``seconds`` have passed since it began."""
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def overran(error: httpx.TransportError) -> bool:
    """Whether ``error`` is a call that passed its deadline."""
    return isinstance(error, httpx.TimeoutException) and str(error).startswith(_OVERRAN)


def _bounded(
    operation: Callable[[float | None], T], timeout: float | None, *, connecting: bool = False
) -> T:
    """``operation(timeout)``, given no longer than the deadline under way leaves. A connection
    that times out stays a ``ConnectTimeout`` (no server was reached), whenever it does."""
    current = _DEADLINE.get()
    if current is None:
        return operation(timeout)
    end, seconds = current
    left = end - time.monotonic()
    try:
        if left <= 0:
            raise (httpcore.ConnectTimeout if connecting else httpcore.ReadTimeout)()
        return operation(left if timeout is None else min(timeout, left))
    except httpcore.TimeoutException:
        if connecting or time.monotonic() < end:
            raise
        raise httpcore.ReadTimeout(f"{_OVERRAN} {seconds:g} s (it came too slowly)") from None


class _Stream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return _bounded(lambda left: self._stream.read(max_bytes, left), timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _bounded(lambda left: self._stream.write(buffer, left), timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(
            _bounded(
                lambda left: self._stream.start_tls(ssl_context, server_hostname, left), timeout
            )
        )

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(
            _bounded(
                lambda left: self._backend.connect_tcp(
                    host, port, left, local_address, socket_options
                ),
                timeout,
                connecting=True,
            )
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(
            _bounded(
                lambda left: self._backend.connect_unix_socket(path, left, socket_options),
                timeout,
                connecting=True,
            )
        )

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def transport() -> httpx.HTTPTransport:
    """httpx's own transport (its limits and TLS), its connections bound by the deadline.

    httpx has no parameter for httpcore's network backend, so its pool (``_pool``, private) is
    replaced by one built as httpx builds it, over :class:`_Backend`. The lock pins httpx; a
    release that changed this would fail ``tests/http/test_http.py``'s test of a dripping answer."""
    made = httpx.HTTPTransport()
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
    made._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=_Backend(),
    )
    return made
