"""The contract every platform adapter meets, and the HTTP plumbing they share.

An adapter validates its input *before* any request (``InvalidInput``), speaks its platform's
paths and fields, and returns ``NormalizedRun``. ``list`` follows the platform's own pagination
and yields at most ``limit`` runs. The HTTP seam is the ``httpx`` transport: pass
``transport=httpx.MockTransport(handler)`` in unit tests.

Retries: only calls that are safe to repeat (reads, and creates that carry an idempotency key)
are retried, on connection errors, 429 and 5xx, ``max_retries`` times with a doubling delay.
Request bodies are never logged, and the token is never in a ``repr``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any, Protocol, Self

import httpx

from agentsync.platforms.errors import PlatformHTTPError
from agentsync.platforms.model import NormalizedRun, Platform

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class Adapter(Protocol):
    """What the run driver needs from a platform."""

    platform: Platform

    def start(self, *args: Any, **kwargs: Any) -> NormalizedRun: ...

    def get(self, run_id: str) -> NormalizedRun: ...

    def list(self, *, limit: int = 100, **filters: Any) -> Iterator[NormalizedRun]: ...

    def cancel(self, run_id: str) -> NormalizedRun:
        """Cancel and return the run; ``Unsupported`` where the platform cannot."""
        ...


class Http:
    """A Bearer-authenticated JSON client for one platform."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        max_retries: int = 2,
        backoff: float = 0.25,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=timeout,
        )
        self.max_retries = max_retries
        self.backoff = backoff
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"Http(base_url={str(self._client.base_url)!r})"

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
        attempts = 1 + (self.max_retries if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._client.request(
                    method,
                    path,
                    json=json,
                    params={k: v for k, v in (params or {}).items() if v is not None},
                    headers=headers,
                )
            except httpx.TransportError as error:
                if last:
                    raise PlatformHTTPError(0, f"{type(error).__name__}: {error}") from error
            else:
                if response.status_code not in RETRY_STATUSES or last:
                    return _decoded(response)
            self._sleep(self.backoff * 2**attempt)
        raise AssertionError("unreachable")  # pragma: no cover


def _decoded(response: httpx.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if response.is_success:
        return body
    detail = body.get("detail", body) if isinstance(body, dict) else body
    raise PlatformHTTPError(response.status_code, detail, response.headers.get("x-request-id"))
