"""Templates (``/v1/agents/templates``): the server's configs to start runs from, in the
platform's ``AgentTemplate`` shape."""

from __future__ import annotations

from typing import Any

from agentsync.client.errors import NotFound
from agentsync.localserver.http_api import Authenticated, ControlPlaneDep
from agentsync.localserver.json_request import api_router

router = api_router()


@router.get("/v1/agents/templates")
async def list_templates(who: Authenticated, control_plane: ControlPlaneDep) -> dict[str, Any]:
    """The server's templates, to start runs from, in the platform's ``AgentTemplate`` shape."""
    templates = control_plane.settings.templates
    return {"templates": [template_json(slug, t) for slug, t in templates.items()]}


@router.get("/v1/agents/templates/{slug}")
async def get_template(
    slug: str, who: Authenticated, control_plane: ControlPlaneDep
) -> dict[str, Any]:
    """One template; 404 for an unknown slug."""
    templates = control_plane.settings.templates
    if slug not in templates:
        raise NotFound(f"template {slug!r} not found")
    return template_json(slug, templates[slug])


def template_json(slug: str, template: dict[str, Any]) -> dict[str, Any]:
    """A template in the platform's ``AgentTemplate`` shape."""
    import yaml

    block = template.get("ellipsis") or {}
    return {
        "slug": slug,
        "name": block.get("name", slug),
        "description": block.get("description", ""),
        "tags": list((block.get("metadata") or {}).get("labels", [])),
        "summary": block.get("description", ""),
        "use_case": block.get("description", ""),
        "yaml": yaml.safe_dump(template, sort_keys=False),
    }
