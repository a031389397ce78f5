"""One ``/v1`` call of the control-plane client: the request through the shared HTTP layer
(retries, the same ``Idempotency-Key`` on every attempt of a write, the lookup after a lost
answer), the answer parsed into records, and every failure turned into a ``ControlPlaneError``
that carries the server's message and request id, from ``{"detail": ...}`` and the
``X-Request-ID`` header (the local control plane) or ``{"error": {"message", "request_id"}}``
(the platform's envelope), with the token redacted.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from agentsync.client.errors import BY_STATUS, ControlPlaneError, Unavailable, Unreachable
from agentsync.client.redaction import Secret
from agentsync.errors import UsageError
from agentsync.http import json_body
from agentsync.http.retry import RetryPolicy
from agentsync.http.session import (
    Session,
    answered_unusably,
    error_detail,
    media_type,
    refused,
    what_answered,
)

T = TypeVar("T")


class ApiCalls:
    """The ``/v1`` API's HTTP session; the ``Failures`` of the shared layer, as
    ``ControlPlaneError``s."""

    def __init__(
        self,
        base_url: str,
        token: Secret | None,
        *,
        policy: RetryPolicy,
        transport: httpx.BaseTransport | None,
        timeout: float,
    ) -> None:
        self.base_url = base_url
        self.token = token
        self.session = Session(
            base_url,
            token.value if token else None,
            policy=policy,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )

    def redact(self, value: T) -> T:
        """``value`` (text, or JSON) without the token."""
        return self.token.redact(value) if self.token else value

    def call(
        self,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: Any = None,
        body: Any = None,
        idempotency_key: str | None = None,
        recover: Callable[[], T | None] | None = None,
    ) -> T:
        """One logical call; every write carries an Idempotency-Key (``idempotency_key``, else
        a fresh one), the same on each attempt."""
        if method != "GET":
            idempotency_key = idempotency_key or str(uuid.uuid4())
        return self.session.send(
            method,
            path,
            lambda response: self.parse(response, parse),
            self,
            params=params,
            json=body,
            idempotency_key=idempotency_key,
            recover=recover,
        )

    def parse(self, response: httpx.Response, parse: Callable[[Any], T]) -> T:
        try:
            return parse(json_body.loads(response.content))
        except (ValueError, KeyError, TypeError, ValidationError) as error:
            raise ControlPlaneError(
                f"unexpected response to {response.request.method} {response.request.url.path}: "
                f"{_summary(error, response)}",
                status=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from error

    # Failures -----------------------------------------------------------------------------

    def answered(self, response: httpx.Response, retrying: bool) -> ControlPlaneError:
        detail, request_id = error_detail(response)
        detail = self.redact(detail)
        if retrying:
            kind: type[ControlPlaneError] = Unavailable
        else:
            kind = BY_STATUS.get(response.status_code, ControlPlaneError)
        described = what_answered(response) is not None
        if response.status_code == 404 and self.base_url.rstrip("/").endswith("/v1"):
            at = "" if described else f" at {response.request.url}"
            detail = (
                f"{detail}{at}: the base URL {self.base_url} ends in /v1, and the client adds "
                "/v1 itself; drop it"
            )
        elif described and response.status_code in (404, 405):
            detail = (
                f"{detail}: is {self.base_url} the control plane's API? Set "
                "ELLIPSIS_API_BASE_URL (or apiBase in config.json) to its base URL"
            )
        return kind(detail, status=response.status_code, request_id=request_id)

    def unreachable(self, error: httpx.TransportError) -> ControlPlaneError:
        where = f"cannot reach the control plane at {self.base_url}"
        if refused(error):
            return Unreachable(
                self.redact(
                    f"{where} (connection refused): is it running? Start one with "
                    "`agent control-plane serve`, or set ELLIPSIS_API_BASE_URL to yours"
                )
            )
        why = str(error) or type(error).__name__
        if answered_unusably(error):  # reached: it answers too slowly, or without end
            return Unavailable(self.redact(f"the control plane at {self.base_url}: {why}"))
        return Unreachable(self.redact(f"{where}: {why}"))

    def gave_up(self, failure: Exception, why: str) -> Exception:
        if not isinstance(failure, ControlPlaneError):
            return failure
        return type(failure)(
            f"{why}: {failure.detail}", status=failure.status, request_id=failure.request_id
        )


def _summary(error: Exception, response: httpx.Response) -> str:
    """What is wrong with an answer, in one line: the first field a record refused (never its
    value), or that it is no JSON."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the answer"
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        return f"{where}: {first['msg']}{more}"
    if isinstance(error, json.JSONDecodeError):
        return f"it is not JSON ({media_type(response)[:100] or 'no content type'})"
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def segment(value: str) -> str:
    """``value`` (an id, a name) as one path segment; a ``UsageError`` for text that is not
    UTF-8 (an argument's bytes that are not)."""
    try:
        return quote(value, safe="")
    except UnicodeEncodeError:
        raise UsageError(f"{value!r:.100} is not UTF-8 text: nothing was sent") from None
