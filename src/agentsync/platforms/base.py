"""The contract every platform adapter meets, and the HTTP plumbing they share.

An adapter validates its input *before* any request (``InvalidInput``), speaks its platform's
paths and fields, and returns ``NormalizedRun``. ``start`` takes keyword options named as its
parameters (the CLI reads them off the signature); ``list`` follows the platform's own
pagination (pages of ``page_size``, within the platform's bound) and yields at most ``limit``
runs; its filters are named in the adapter module's ``FILTERS``. Adapters of platforms that
stream a run's log also meet ``Streaming``; those with interactive input meet ``TakesInput``.

Retries follow the control plane client's policy (``client.api.retryable`` and
``retry_delay``: full-jitter exponential backoff, or the server's ``Retry-After``), and only for
calls that are safe to repeat (reads, and creates that carry an idempotency key). Request
bodies are never logged, and the token is never in a ``repr``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

import httpx

from agentsync import __version__
from agentsync.client.api import (
    error_detail,
    parse_retry_after,
    retry_delay,
    retryable,
    sse_data,
)
from agentsync.platforms.errors import InvalidInput, PlatformError, PlatformHTTPError
from agentsync.platforms.model import Event, NormalizedRun, Platform

STREAM_READ_TIMEOUT = 60.0  # seconds without a byte (servers send heartbeats) before giving up


def page_size(requested: int | None, limit: int, maximum: int) -> int:
    """The size of the pages to ask for: ``requested`` (1 to ``maximum``, the platform's own
    bound), else as many as ``limit`` needs up to ``maximum``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidInput(f"limit must be an integer >= 0, got {limit!r}")
    if requested is None:
        return max(1, min(limit, maximum))
    if isinstance(requested, bool) or not isinstance(requested, int):
        raise InvalidInput(f"page size must be an integer, got {requested!r}")
    if not 1 <= requested <= maximum:
        raise InvalidInput(f"page size must be 1-{maximum}, got {requested}")
    return requested


@contextmanager
def reading(platform: Platform, what: str) -> Iterator[None]:
    """Turn an answer that is not what the platform documents (a missing field, a wrong type,
    a status outside its enum) into one clear ``PlatformError`` rather than a crash."""
    try:
        yield
    except PlatformError:
        raise
    except KeyError as error:
        raise PlatformError(
            f"unexpected answer from the {platform} platform ({what}): no field {error}"
        ) from error
    except (IndexError, TypeError, ValueError, AttributeError) as error:
        why = " ".join(str(error).split())[:300] or type(error).__name__
        raise PlatformError(
            f"unexpected answer from the {platform} platform ({what}): {why}"
        ) from error


def expect_ok(platform: Platform, what: str, answer: Any) -> None:
    """A ``{"ok": true}`` answer; a ``PlatformError`` for anything else."""
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        raise PlatformError(f"the {platform} platform did not confirm {what}: {answer!r:.200}")


class Adapter(Protocol):
    """What the run driver needs from a platform."""

    platform: Platform

    def start(self, *args: Any, **kwargs: Any) -> NormalizedRun: ...

    def get(self, run_id: str) -> NormalizedRun: ...

    def list(
        self, *, limit: int = 100, page_size: int | None = None, **filters: Any
    ) -> Iterator[NormalizedRun]: ...

    def cancel(self, run_id: str) -> NormalizedRun:
        """Cancel and return the run; ``Unsupported`` where the platform cannot."""
        ...


@runtime_checkable
class Streaming(Protocol):
    """A platform that streams a run's log: ``events`` follows it live, resuming after a
    dropped connection from the last ``seq`` seen, and ends with the run."""

    def events(self, run_id: str, after_seq: int = 0) -> Iterator[Event]: ...


@runtime_checkable
class TakesInput(Protocol):
    """A platform whose runs can wait for interactive input."""

    def send_input(self, run_id: str, content: str) -> None: ...


class Http:
    """A Bearer-authenticated JSON client for one platform."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 4,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"agentsync/{__version__}",
            },
            transport=transport,
            timeout=timeout,
        )
        self.max_retries = max_retries
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._random = random.Random()

    def __repr__(self) -> str:
        return f"Http(base_url={str(self._client.base_url)!r})"

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        """httpx's hooks (``request``, ``response``): how a test or a benchmark counts calls."""
        return self._client.event_hooks

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def pause(self, attempt: int, retry_after: float | None = None) -> None:
        """Wait before attempt ``attempt + 1``, as the retry policy says."""
        self._sleep(retry_delay(attempt, retry_after, self._random))

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        retry: bool = False,
    ) -> Any:
        """The decoded JSON answer; ``PlatformHTTPError`` for an error status."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = self._client.request(
                    method, path, json=json, params=query, headers=headers
                )
            except httpx.TransportError as error:
                failure = self._unreachable(error)
            else:
                if response.is_success:
                    return _decoded(response)
                failure = _failure(response)
                if not retryable(response.status_code):
                    raise failure
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), datetime.now(UTC)
                )
            if not retry or attempt >= self.max_retries:
                raise failure
            delay = retry_delay(attempt, retry_after, self._random)
            if delay > self.max_retry_after:
                raise failure
            self._sleep(delay)
            attempt += 1

    def sse(self, path: str, params: Mapping[str, Any]) -> Iterator[str]:
        """The ``data`` of each server-sent event of one connection, until the server ends it.
        ``PlatformHTTPError`` for an error status, or (status 0) when the connection drops."""
        timeout = httpx.Timeout(self._client.timeout.connect, read=STREAM_READ_TIMEOUT)
        try:
            with self._client.stream(
                "GET",
                path,
                params=dict(params),
                headers={"Accept": "text/event-stream"},
                timeout=timeout,
            ) as response:
                if not response.is_success:
                    response.read()
                    raise _failure(response)
                for data in sse_data(response.iter_lines()):
                    if data is not None:
                        yield data
        except httpx.TransportError as error:
            raise self._unreachable(error) from error

    def _unreachable(self, error: httpx.TransportError) -> PlatformHTTPError:
        why = str(error) or type(error).__name__
        return PlatformHTTPError(0, f"cannot reach {self._client.base_url}: {why}")


def _failure(response: httpx.Response) -> PlatformHTTPError:
    detail, request_id = error_detail(response)
    return PlatformHTTPError(response.status_code, detail, request_id)


def _decoded(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
