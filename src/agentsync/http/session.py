"""One httpx client for one API, and how its calls fail: base URL, Bearer token, User-Agent,
a swappable transport (tests pass an httpx transport), requests through the retry policy,
error bodies in either API's shape, and server-sent events.

Only what is safe to repeat is retried: reads, and writes that carry an ``Idempotency-Key``
(the same key on every attempt of one call).

Server-sent events are parsed with httpx-sse's decoders, fed line by line rather than through
its ``EventSource``, so that a reader also sees the lines that complete no event: a heartbeat
comment is how a quiet stream shows it is alive.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx
from httpx_sse._decoders import SSEDecoder, SSELineDecoder

from agentsync import __version__
from agentsync.closeable import Closeable
from agentsync.errors import UsageError
from agentsync.http import json_body
from agentsync.http.deadline import deadline, overran
from agentsync.http.deadline import transport as deadline_transport
from agentsync.http.retry import RetryLater, RetryPolicy, parse_retry_after, retryable
from agentsync.urls import redact_url

T = TypeVar("T")
_TOKEN = re.compile(r"[!-~]+")  # printable ASCII, no spaces: what a Bearer header carries
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


MAX_ANSWER_BYTES = 256 * 2**20  # of one answer, decoded: no API agentsync reads comes near


class AnswerTooLarge(httpx.RemoteProtocolError):
    """An answer over :data:`MAX_ANSWER_BYTES`, left unread."""


class Failures(Protocol):
    """How one API's caller turns what went wrong into its own errors."""

    def answered(self, response: httpx.Response, retrying: bool) -> Exception:
        """The error for an error status (``retrying``: a 429 or 5xx, worth another try)."""
        ...

    def unreachable(self, error: httpx.TransportError) -> Exception:
        """The error for a request that got no answer."""
        ...

    def gave_up(self, failure: Exception, why: str) -> Exception:
        """The error once the retry policy gives up on ``failure``."""
        ...


class Session:
    """An httpx client for the API at ``base_url`` and the retry policy its calls follow."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        policy: RetryPolicy,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        try:
            parsed = httpx.URL(base_url)
        except (httpx.InvalidURL, ValueError):
            raise UsageError(f"the API URL is not a URL: {redact_url(base_url)!r}") from None
        if parsed.userinfo:  # httpx logs each request's URL, password and all
            raise UsageError(
                "the API URL must not hold a user or password (it would be logged): use the token"
            )
        sent = {"User-Agent": f"agentsync/{__version__}", **(headers or {})}
        token = token.strip() if token else None  # a stray newline or space around it
        if token:
            if not _TOKEN.fullmatch(token):  # httpx would fail with a piece of it in the error
                raise UsageError(
                    "the token has a character no HTTP header can carry: a token is printable "
                    "ASCII without spaces (was it pasted with a stray character?)"
                )
            sent["Authorization"] = f"Bearer {token}"
        self.client = httpx.Client(
            base_url=base_url,
            headers=sent,
            transport=transport or deadline_transport(),
            timeout=timeout,
        )
        self.policy = policy
        self.timeout = timeout  # each read and write, and each whole answer (a dripping server)

    def close(self) -> None:
        self.client.close()

    def send(
        self,
        method: str,
        path: str,
        read: Callable[[httpx.Response], T],
        failures: Failures,
        *,
        params: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        recover: Callable[[], T | None] | None = None,
    ) -> T:
        """``read(response)`` of the first successful answer; errors come from ``failures``.

        ``recover`` runs before a retry once an attempt may have taken effect (see
        :class:`~agentsync.http.retry.RetryPolicy`)."""
        _refuse_text_not_utf8(json, params)
        sent = dict(headers or {})
        if idempotency_key is not None:
            sent["Idempotency-Key"] = idempotency_key

        def attempt() -> T:
            try:
                response = self._answer(method, path, params=params, json=json, headers=sent)
            except AnswerTooLarge as error:  # the same again: not worth another attempt
                raise failures.unreachable(error) from error
            except httpx.TransportError as error:
                raise RetryLater(
                    failures.unreachable(error),
                    maybe_applied=_maybe_sent(error),
                    max_attempts=REFUSED_ATTEMPTS if refused(error) or overran(error) else None,
                ) from error
            if response.is_success:
                return read(response)
            if not retryable(response.status_code):
                raise failures.answered(response, False)
            raise RetryLater(
                failures.answered(response, True),
                retry_after=parse_retry_after(
                    response.headers.get("retry-after"), datetime.now(UTC)
                ),
                maybe_applied=response.status_code >= 500,
            )

        safe = method in SAFE_METHODS or "Idempotency-Key" in sent
        return self.policy.call(attempt, retry=safe, recover=recover, give_up=failures.gave_up)

    def _answer(self, method: str, path: str, **options: Any) -> httpx.Response:
        """The answer, read whole within the session's deadline and at most
        :data:`MAX_ANSWER_BYTES` of it (``AnswerTooLarge``: a server that sends without end)."""
        with deadline(self.timeout):
            request = self.client.build_request(method, path, **options)
            response = self.client.send(request, stream=True)
            with closing(response):
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise AnswerTooLarge(
                            f"its answer is over {MAX_ANSWER_BYTES // 2**20} MiB: not read",
                            request=request,
                        )
                response._content = bytes(body)
        return response

    @contextmanager
    def event_stream(
        self, path: str, params: Mapping[str, Any], read_timeout: float
    ) -> Iterator[httpx.Response]:
        """``GET path`` as a stream of server-sent events, open while the block runs; a read
        waits at most ``read_timeout`` seconds (servers send heartbeats)."""
        timeout = httpx.Timeout(self.client.timeout.connect, read=read_timeout)
        with self.client.stream(
            "GET",
            path,
            params=dict(params),
            headers={"Accept": "text/event-stream"},
            timeout=timeout,
        ) as response:
            yield response


def _refuse_text_not_utf8(body: Any, params: Any) -> None:
    """A ``UsageError`` naming the field of a request's body or query whose text UTF-8 cannot
    carry (an argument's bytes that are not UTF-8): nothing is sent. Never the value: it may
    be a secret."""
    query: dict[str, list[Any]] = {}  # each parameter's values, by name
    for name, value in params.items() if isinstance(params, Mapping) else params or ():
        query.setdefault(name, []).append(value)
    for where, value in (("the request", body), ("the query", query)):
        field = json_body.not_utf8(value)
        if field is not None:
            named = where if field == "-" else f"{field!r} in {where}"
            raise UsageError(
                f"{named} holds text that is not UTF-8 (a byte of an argument or a file that is "
                "not UTF-8?): nothing was sent"
            )


class OwnsSession(Closeable):
    """Closes its ``_session`` on ``close()`` and at the end of a ``with`` block."""

    _session: Session

    def close(self) -> None:
        self._session.close()


MAX_EVENT_CHARS = 1024 * 1024  # one server-sent event's text at the most (a WebSocket's cap)


def event_data(response: httpx.Response, silence: float) -> Iterator[str | None]:
    """The ``data`` of each server-sent event of ``response``, as it completes; None for every
    line that completes none (a heartbeat comment too). An event over :data:`MAX_EVENT_CHARS`
    is a ``RemoteProtocolError`` (a dropped connection to its reader), not held in memory; no
    complete line for ``silence`` seconds is an ``httpx.ReadTimeout``, as no byte at all is (a
    server that drips a line a byte at a time sends no word)."""
    lines, events = SSELineDecoder(), SSEDecoder()
    read = 0  # characters of the event being read, in its complete lines
    last_line = time.monotonic()
    for text in response.iter_text():
        for line in lines.decode(text):
            last_line = time.monotonic()
            read += len(line) + 1
            if read > MAX_EVENT_CHARS:
                raise _event_too_large()
            event = events.decode(line)
            read = read if line else 0  # a blank line ends an event
            yield event.data if event is not None and event.data else None
        if read + sum(map(len, lines.buffer)) > MAX_EVENT_CHARS:  # a line that does not end
            raise _event_too_large()
        if time.monotonic() - last_line > silence:
            raise httpx.ReadTimeout(f"no complete line of the event stream for {silence:g} s")
    for line in lines.flush():
        events.decode(line)
        yield None


def _event_too_large() -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        f"the server sent an event over {MAX_EVENT_CHARS:,} characters: not read"
    )


def error_detail(response: httpx.Response) -> tuple[Any, str | None]:
    """The message of an error response, and its request id (header, else body)."""
    request_id = response.headers.get("x-request-id")
    if response.is_redirect:  # never followed: the token is for the URL it was given to
        where = redact_url(response.headers.get("location", ""))[:200]
        why = f"the server redirects to {where!r}, which is not followed: is the base URL right?"
        return why, request_id
    try:
        body = json_body.loads(response.content)
    except ValueError:  # no JSON, or JSON that could not be shown: its text is
        body = None
    if isinstance(body, dict):
        envelope = body.get("error")
        if isinstance(envelope, dict) and envelope.get("message"):
            return str(envelope["message"]), request_id or envelope.get("request_id")
        if body.get("detail") is not None:
            return body["detail"], request_id
    described = what_answered(response)
    return described or response.text.strip()[:500], request_id


def media_type(response: httpx.Response) -> str:
    """The answer's content type without its parameters (``text/html``), or empty."""
    content_type: str = response.headers.get("content-type", "")
    return content_type.partition(";")[0].strip()


def what_answered(response: httpx.Response) -> str | None:
    """For an error whose body is an HTML page (a web server's, a proxy's) or nothing: the call,
    its status and the content type, never the page. None for any other body."""
    text = response.text.strip()
    content_type = media_type(response).lower()
    if text and "html" not in content_type and not text.startswith("<"):
        return None
    body = (content_type or "a page") if text else "an empty body"
    url = response.request.url.copy_with(query=None)
    return (
        f"{response.request.method} {url} answered HTTP {response.status_code} with {body}, "
        "not the API's JSON"
    )


# Nothing listens, or the answer dripped past its deadline: one retry covers a restart or a
# passing slowness, more only keep the user waiting.
REFUSED_ATTEMPTS = 2


def refused(error: httpx.TransportError) -> bool:
    """Whether nothing listens at the address (the connection was refused)."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError):
            return True
        cause = cause.__cause__ or cause.__context__
    return isinstance(error, httpx.ConnectError) and "refused" in str(error).lower()


def answered_unusably(error: httpx.TransportError) -> bool:
    """Whether the server answered, but too slowly or too much to be read: it was reached."""
    return overran(error) or isinstance(error, AnswerTooLarge)


def _maybe_sent(error: httpx.TransportError) -> bool:
    """Whether the request may have reached the server (so retrying may repeat it)."""
    return not isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
