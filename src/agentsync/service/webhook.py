"""The service's HTTP surface (Starlette): ``POST /webhooks/github``, ``/healthz``,
``/readyz`` and ``/metrics``.

A delivery is answered only after it is durable. In order:

1. the body is read up to ``max_body_bytes`` (413 beyond);
2. ``X-Hub-Signature-256`` is verified against the secrets (401, nothing stored, when missing
   or wrong; SHA-1 signatures do not count; a request without one is refused before its body
   is read, and no unverified header ever becomes a metric label);
3. ``X-GitHub-Event`` and ``X-GitHub-Delivery`` must be present and the body a JSON object
   (``application/json``, or GitHub's form encoding with a ``payload`` field) (400 otherwise);
4. the delivery and its job (see :mod:`~agentsync.service.events`) are stored in one
   transaction (:meth:`ServiceStore.accept_delivery`), then the answer is 202 (200 for a
   delivery id seen before: nothing is stored twice).

Every answer is JSON. Nothing here talks to GitHub or the control plane: the answer takes one
local transaction, well under GitHub's 10 s.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agentsync.service.events import PayloadError, Routing, route
from agentsync.service.metrics import CONTENT_TYPE, Metrics
from agentsync.service.outages import Outage
from agentsync.service.queue import Delivery, ServiceStore
from agentsync.service.signature import WebhookSecrets

log = logging.getLogger("agentsync.service.webhook")

MAX_BODY_BYTES = 10 * 1024 * 1024  # GitHub caps payloads at 25 MB; config pushes are far smaller
_MAX_HEADER_LENGTH = 200


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _payload(body: bytes, content_type: str) -> Any:
    """The JSON payload of a delivery, in either of GitHub's content types."""
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True)
        if len(fields.get("payload", [])) != 1:
            raise ValueError("a form-encoded delivery needs exactly one payload field")
        return json.loads(fields["payload"][0])
    return json.loads(body)


def _header(request: Request, name: str) -> str | None:
    value = request.headers.get(name, "").strip()
    if not value or len(value) > _MAX_HEADER_LENGTH or not value.isprintable():
        return None
    return value


class _Refused(Exception):
    """A delivery refused before it is stored: the answer's status, the metric's outcome, and
    the detail the sender reads."""

    def __init__(self, status: int, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.outcome, self.detail = status, outcome, detail


def _signature(request: Request) -> str:
    """The ``X-Hub-Signature-256`` header; refused (before the body is read) when missing."""
    signature = request.headers.get("x-hub-signature-256")
    if not signature or not signature.startswith("sha256="):
        raise _Refused(401, "bad_signature", "missing X-Hub-Signature-256")
    return signature


async def _verified_body(request: Request, secrets: WebhookSecrets, max_body_bytes: int) -> bytes:
    """The body, read up to ``max_body_bytes`` and verified against the secrets."""
    signature = _signature(request)
    try:
        body = await _read_body(request, max_body_bytes)
    except _TooLarge:
        raise _Refused(413, "too_large", f"the body is over {max_body_bytes} bytes") from None
    except ClientDisconnect:
        raise _Refused(400, "disconnected", "the client went away mid-body") from None
    if not secrets.verify(body, signature):
        raise _Refused(401, "bad_signature", "invalid X-Hub-Signature-256")
    return body


def _routed(request: Request, event: str, body: bytes) -> Routing:
    """Where the delivery's payload goes (see :func:`~agentsync.service.events.route`)."""
    try:
        payload = _payload(body, request.headers.get("content-type", "application/json"))
        return route(event, payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise _Refused(400, "bad_payload", f"the body is not a JSON payload: {error}") from None
    except RecursionError:
        raise _Refused(400, "bad_payload", "the body is nested too deeply") from None
    except PayloadError as error:
        raise _Refused(400, "bad_payload", str(error)) from None


class _Webhook:
    """``POST /webhooks/github``: a delivery verified, parsed, stored, then answered."""

    def __init__(
        self,
        store: ServiceStore,
        secrets: WebhookSecrets,
        metrics: Metrics,
        max_body_bytes: int,
        on_queued: Callable[[], None] | None,
    ) -> None:
        self.store, self.secrets, self.metrics = store, secrets, metrics
        self.max_body_bytes, self.on_queued = max_body_bytes, on_queued

    def refuse(self, status: int, event: str, outcome: str, detail: str) -> JSONResponse:
        self.metrics.deliveries.labels(event=event, outcome=outcome).inc()
        return JSONResponse({"detail": detail}, status)

    async def receive(self, request: Request) -> Response:
        started = time.perf_counter()
        # Until the signature checks out, nothing from the request names a metric label.
        event = "unverified"
        try:
            body = await _verified_body(request, self.secrets, self.max_body_bytes)
            event_header = _header(request, "x-github-event")
            event = event_header or "unknown"
            delivery_id = _header(request, "x-github-delivery")
            if event_header is None or delivery_id is None:
                raise _Refused(
                    400, "bad_request", "X-GitHub-Event and X-GitHub-Delivery are required"
                )
            routing = _routed(request, event, body)
        except _Refused as refused:
            # The delivery id is what GitHub's "Recent Deliveries" page shows beside the answer.
            log.warning(
                f"refused a delivery ({refused.status}): {refused.detail}",
                extra={"delivery": _header(request, "x-github-delivery"), "event": event},
            )
            return self.refuse(refused.status, event, refused.outcome, refused.detail)
        delivery = Delivery(delivery_id, event, routing.action, routing.repository, body)
        try:
            fresh = await run_in_threadpool(self.store.accept_delivery, delivery, routing.job)
        except Exception:
            self.metrics.errors.labels(where="accept_delivery").inc()
            log.exception(
                "could not store a delivery", extra={"delivery": delivery_id, "event": event}
            )
            return self.refuse(503, event, "store_error", "the delivery could not be stored; retry")
        return self.stored(delivery, routing, fresh, started)

    def stored(self, delivery: Delivery, routing: Routing, fresh: bool, started: float) -> Response:
        """The answer to a stored (or duplicate) delivery; its job's workers woken."""
        outcome = ("queued" if routing.job else "ignored") if fresh else "duplicate"
        if outcome == "queued" and self.on_queued is not None:
            self.on_queued()
        self.metrics.deliveries.labels(event=delivery.event, outcome=outcome).inc()
        log.info(
            routing.reason if fresh else "duplicate delivery: already stored",
            extra={
                "delivery": delivery.delivery_id,
                "event": delivery.event,
                "action": routing.action,
                "repository": routing.repository,
                "outcome": outcome,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return JSONResponse(
            {"delivery": delivery.delivery_id, "outcome": outcome, "reason": routing.reason},
            202 if fresh else 200,
        )


async def _healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    store: ServiceStore,
    secrets: WebhookSecrets,
    metrics: Metrics,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    on_queued: Callable[[], None] | None = None,
) -> Starlette:
    """The app; ``on_queued`` is called after a job is stored (to wake this process's
    workers)."""

    # A web endpoint without workers says when its database stops and starts answering
    # /readyz (once each, not at every probe): the answer only names the kind of failure.
    readiness = Outage(
        log,
        failing="not ready: the database does not answer",
        recovered="ready: the database answers again",
        level=logging.WARNING,
    )

    async def readyz(request: Request) -> Response:
        try:
            await run_in_threadpool(store.ping)
        except Exception as error:  # noqa: BLE001 - any failure means "not ready"
            readiness.failed(f"{type(error).__name__}: {error}")
            return JSONResponse(
                {"status": "unavailable", "detail": f"the database: {type(error).__name__}"}, 503
            )
        readiness.succeeded()
        return JSONResponse({"status": "ready"})

    async def prometheus(request: Request) -> Response:
        body = await run_in_threadpool(metrics.render)
        return Response(body, media_type=CONTENT_TYPE)

    async def internal_error(request: Request, error: Exception) -> Response:
        metrics.errors.labels(where="http").inc()
        return JSONResponse({"detail": "internal error (logged)"}, 500)

    webhook = _Webhook(store, secrets, metrics, max_body_bytes, on_queued)
    return Starlette(
        exception_handlers={Exception: internal_error},
        routes=[
            Route("/webhooks/github", webhook.receive, methods=["POST"]),
            Route("/healthz", _healthz),
            Route("/readyz", readyz),
            Route("/metrics", prometheus),
        ],
    )
