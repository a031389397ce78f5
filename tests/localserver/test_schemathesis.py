"""schemathesis against the server's own OpenAPI: no generated request gets a 5xx."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from agentsync.localserver.server import LocalServer, ServerOptions, build

from .conftest import API_KEY


def _openapi() -> dict[str, object]:
    app, control_plane = build(ServerOptions(api_tokens=["schema-only"]))
    control_plane.close()
    return app.openapi()


schema = schemathesis.openapi.from_dict(_openapi())


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case: schemathesis.Case, shared_server: LocalServer) -> None:
    case.call_and_validate(
        base_url=shared_server.url,
        headers={"Authorization": f"Bearer {API_KEY}"},
        checks=[not_a_server_error],
    )
