"""The local control plane's ASGI middleware: an ``X-Request-ID`` on every response, a cap on
request bodies (413, with a ``Content-Length`` or chunked), and a JSON 500 for a bug."""

from __future__ import annotations

import logging

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from agentsync.client.records import new_id
from agentsync.config.loader import DEFAULT_LIMITS

LOG = logging.getLogger("agentsync.localserver")
# A config's YAML at its size limit, every byte of it escaped in JSON (a quote, a backslash, a
# line break: two bytes each), and room for the rest of the request.
MAX_BODY_BYTES = 2 * DEFAULT_LIMITS.max_bytes + 1024 * 1024


class _BodyTooLarge(HTTPException):
    """Raised while reading a body: an HTTP error, so FastAPI's body parsing passes it on."""

    def __init__(self, max_body_bytes: int) -> None:
        super().__init__(413, f"request body is over the {max_body_bytes}-byte limit")


class RequestIdAndLimits:
    """ASGI middleware: an ``X-Request-ID`` on every response, and a cap on request bodies."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = new_id("req")
        scope.setdefault("state", {})["request_id"] = request_id
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLarge(self.max_body_bytes)
            return message

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [h for h in message.get("headers", []) if h[0] != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if length.isdigit() and int(length) > self.max_body_bytes:
            too_large = _BodyTooLarge(self.max_body_bytes)
            response = JSONResponse({"detail": too_large.detail}, too_large.status_code)
            await response({"type": "http"}, _no_body, send_with_id)
            return
        try:
            await self.app(scope, limited_receive, send_with_id)
        except Exception:  # the boundary: a bug is a JSON 500 that keeps its request id
            LOG.exception("unhandled error serving %s %s", scope["method"], scope["path"],
                          extra={"request_id": request_id})  # fmt: skip
            if not started:
                detail = {"detail": "internal error", "request_id": request_id}
                await JSONResponse(detail, 500)({"type": "http"}, _no_body, send_with_id)


async def _no_body() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}
