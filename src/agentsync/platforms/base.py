"""The contract every platform adapter meets, and the HTTP plumbing they share.

An adapter validates its input *before* any request (``InvalidInput``), speaks its platform's
paths and fields, and returns ``NormalizedRun``. ``start`` takes keyword options named as its
parameters (the CLI reads them off the signature); ``list`` follows the platform's own
pagination (pages of ``page_size``, within the platform's bound) and yields at most ``limit``
runs; its filters are named in the adapter module's ``FILTERS``. Adapters of platforms that
stream a run's log also meet ``Streaming``; those with interactive input meet ``TakesInput``.

Retries follow the shared HTTP layer's policy (:mod:`agentsync.http.retry`: full-jitter
exponential backoff, or the server's ``Retry-After``), and only for calls that are safe to
repeat (reads, and creates that carry an idempotency key). Request bodies are never logged,
and the token is never in a ``repr`` or an error message, even when a server echoes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol, runtime_checkable

import httpx

from agentsync.client.redaction import Secret
from agentsync.http import json_body
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import (
    OwnsSession,
    Session,
    answered_unusably,
    error_detail,
    event_data,
)
from agentsync.platforms.errors import InvalidInput, PlatformError, PlatformHTTPError
from agentsync.platforms.model import Event, NormalizedRun, Platform
from agentsync.shorten import one_line

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
    a status outside its enum) into one clear ``PlatformError`` rather than a crash: around a
    block (``with reading(...)``), or around every call of a function (``@reading(...)``)."""
    try:
        yield
    except PlatformError:
        raise
    except KeyError as error:
        raise PlatformError(
            f"unexpected answer from the {platform} platform ({what}): no field {error}"
        ) from error
    except (IndexError, TypeError, ValueError, AttributeError) as error:
        why = one_line(error)[:300] or type(error).__name__
        raise PlatformError(
            f"unexpected answer from the {platform} platform ({what}): {why}"
        ) from error


def next_cursor(
    platform: Platform, cursor: Any, seen: set[str], page_was_empty: bool
) -> str | None:
    """The cursor of the next page of a list (None: the list is over, ``cursor`` is empty),
    added to ``seen``. A server that would be paged forever is a ``PlatformError``: one that
    sends a cursor it sent before, or says there is more after an empty page."""
    if not cursor:
        return None
    if not isinstance(cursor, str):
        raise PlatformError(
            f"unexpected answer from the {platform} platform (a list of runs): "
            f"the next cursor is {cursor!r:.80}, not a string"
        )
    if page_was_empty:
        raise PlatformError(
            f"the {platform} platform sent an empty page of runs with a cursor to more: "
            "stopped paging (it would never end)"
        )
    if cursor in seen:
        raise PlatformError(
            f"the {platform} platform sent the cursor {cursor!r:.80} a second time: "
            "stopped paging (it would never end)"
        )
    seen.add(cursor)
    return cursor


def an_object(answer: Any) -> dict[str, Any]:
    """``answer`` if it is a JSON object; else a ``TypeError`` saying what it is (``reading``
    says whose answer, and to what)."""
    if isinstance(answer, dict):
        return answer
    raise TypeError(f"{_json_kind(answer)} where a JSON object was expected")


def an_array(answer: Any) -> list[Any]:
    """``answer`` if it is a JSON array; else a ``TypeError``, as ``an_object``."""
    if isinstance(answer, list):
        return answer
    raise TypeError(f"{_json_kind(answer)} where a JSON array was expected")


def _json_kind(value: Any) -> str:
    kinds = (
        (dict, "a JSON object"),
        (list, "a JSON array"),
        (str, "a string"),
        (bool, "a boolean"),
    )
    found = next((name for kind, name in kinds if isinstance(value, kind)), None)
    return found or ("null" if value is None else "a number")


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


class Http(OwnsSession):
    """A Bearer-authenticated JSON client for one platform; its failures are
    ``PlatformHTTPError``s (status 0: no answer)."""

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
        self.policy = RetryPolicy(
            max_retries=max_retries, max_retry_after=max_retry_after, sleep=sleep
        )
        self._session = Session(
            base_url, token, policy=self.policy, transport=transport, timeout=timeout
        )
        self._token = Secret(token.strip())  # as the session sends it
        self._client = self._session.client

    def __repr__(self) -> str:
        return f"Http(base_url={str(self._client.base_url)!r})"

    @property
    def event_hooks(self) -> dict[str, list[Callable[..., Any]]]:
        """httpx's hooks (``request``, ``response``): how a test or a benchmark counts calls."""
        return self._client.event_hooks

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """The decoded JSON answer; ``PlatformHTTPError`` for an error status. Reads, and
        writes with an ``idempotency_key``, are retried; other writes are sent once."""
        query = {k: v for k, v in (params or {}).items() if v is not None}
        return self._session.send(
            method,
            path,
            _decoded,
            self,
            json=json,
            params=query,
            idempotency_key=idempotency_key,
        )

    def sse(self, path: str, params: Mapping[str, Any]) -> Iterator[str]:
        """The ``data`` of each server-sent event of one connection, until the server ends it.
        ``PlatformHTTPError`` for an error status, or (status 0) when the connection drops."""
        try:
            with self._session.event_stream(path, params, STREAM_READ_TIMEOUT) as response:
                if not response.is_success:
                    response.read()
                    raise self.answered(response, False)
                for data in event_data(response, STREAM_READ_TIMEOUT):
                    if data is not None:
                        yield data
        except httpx.TransportError as error:
            raise self.unreachable(error) from error

    # the shared layer's Failures -----------------------------------------------------------

    def answered(self, response: httpx.Response, retrying: bool) -> PlatformHTTPError:
        detail, request_id = error_detail(response)
        return PlatformHTTPError(response.status_code, detail, request_id).without(
            (self._token.value,)
        )

    def unreachable(self, error: httpx.TransportError) -> PlatformHTTPError:
        why = str(error) or type(error).__name__
        where = "" if answered_unusably(error) else "cannot reach "  # or reached, but unusably
        return PlatformHTTPError(0, f"{where}{self._client.base_url}: {why}")

    def gave_up(self, failure: Exception, why: str) -> Exception:
        return failure


def _decoded(response: httpx.Response) -> Any:
    """The JSON answer; a ``PlatformError`` naming the call for one that is no JSON, or JSON
    agentsync could not carry (:mod:`agentsync.http.json_body`)."""
    try:
        return json_body.loads(response.content)
    except ValueError as error:
        url, method = response.request.url, response.request.method
        why = error if isinstance(error, json_body.Unfit) else "it is not JSON"
        raise PlatformError(
            f"unexpected answer from the platform at {url.scheme}://{url.netloc.decode()} "
            f"({method} {url.path}): {why}"
        ) from error
