"""The caller (``/v1/me``: who the credential is), and the platform's device login
(``/v1/cli-auth``), which the local control plane answers with how to authenticate instead."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from agentsync.client.errors import ControlPlaneError
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router

router = api_router()


@router.get("/v1/me")
async def me(who: Authenticated, control_plane: ControlPlaneDep) -> dict[str, Any]:
    """Who the credential is: the account (the platform CLI builds its links from
    ``customer_login``) and the kind of token (``credential``: ``api`` or ``cli``)."""
    settings = control_plane.settings
    return {
        "customer_id": settings.customer_id,
        "customer_login": settings.customer_login,
        "user_id": None,
        "gh_user": None,
        "api_key_id": f"key_{who.scope}" if who.source == "api" else None,
        "sandbox_id": None,
        "credential": who.source,
    }


@router.post("/v1/cli-auth/start", status_code=501, include_in_schema=False)
@router.post("/v1/cli-auth/poll", status_code=501, include_in_schema=False)
async def cli_auth() -> JSONResponse:
    """The platform's device login: a 501 saying how to authenticate instead. Not part of this
    server's API, so kept out of the OpenAPI document."""
    raise ControlPlaneError(
        "the local control plane has no device login: export ELLIPSIS_API_TOKEN with one of "
        "the server's --token/--cli-token values",
        status=501,
    )
