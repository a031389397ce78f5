"""The local control plane's ASGI app: ``create_app`` builds it over a ``ControlPlane``, installs
the middleware (:mod:`~agentsync.localserver.middleware`) and the error handlers
(:mod:`~agentsync.localserver.http_api`), and includes the routers
(:mod:`~agentsync.localserver.routers`, :mod:`~agentsync.localserver.dialects`).

Every response carries ``X-Request-ID``; every error is ``{"detail": ...}`` (a string, or a list
of diagnostics with status 422). Every ``/v1`` route needs a configured Bearer token. Request
bodies are capped (413, with a ``Content-Length`` or chunked). Integer parameters are bounded
(422 outside their range); a seq fits SQLite's integer. POSTs honour ``Idempotency-Key``.
Only the server's start-up imports this module.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from agentsync import __version__
from agentsync.localserver.control_plane import ControlPlane
from agentsync.localserver.dialects import dialect_router
from agentsync.localserver.http_api import ApiTokens, IdempotencyLocks, install_error_handlers
from agentsync.localserver.middleware import MAX_BODY_BYTES, RequestIdAndLimits
from agentsync.localserver.routers import ROUTERS


def create_app(
    control_plane: ControlPlane,
    *,
    api_tokens: Sequence[str] = (),
    cli_tokens: Sequence[str] = (),
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The ASGI app over ``control_plane``, accepting ``api_tokens`` and ``cli_tokens``."""
    app = FastAPI(title="agentsync local control plane", version=__version__)
    app.state.api_tokens = ApiTokens(api_tokens, cli_tokens)
    app.state.control_plane = control_plane
    app.state.idempotency_locks = IdempotencyLocks()
    app.add_middleware(RequestIdAndLimits, max_body_bytes=max_body_bytes)
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    app.include_router(dialect_router(control_plane))
    return app
