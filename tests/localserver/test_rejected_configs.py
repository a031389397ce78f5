"""A config the platform's rules reject (``ConfigRejected``, raised by the validation lint and
the server share) reaches a client as a 422 with the same detail: a message stays a message,
diagnostics stay diagnostics. Validation itself knows nothing of the client or the server."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx
import pytest

from agentsync.lint.validation import ConfigRejected, validate_yaml
from tests.localserver.conftest import VALID_YAML, sync_valid_config

LINT = Path(__file__).resolve().parents[2] / "src" / "agentsync" / "lint"
OUTSIDE_LINT = ("client", "localserver", "sync", "service", "platforms", "cli")


def _imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_lint_imports_nothing_from_the_client_or_the_server() -> None:
    banned = tuple(f"agentsync.{package}" for package in OUTSIDE_LINT)
    found = {
        f"{path.relative_to(LINT)}: {module}"
        for path in sorted(LINT.rglob("*.py"))
        for module in _imported_modules(path)
        if module.startswith(banned)
    }
    assert found == set()


def test_a_rejection_carries_a_message_or_diagnostics() -> None:
    with pytest.raises(ConfigRejected) as not_a_config:
        validate_yaml("name: x\n", "agents/x.yaml")
    assert isinstance(not_a_config.value.detail, str)
    [placed] = not_a_config.value.diagnostics()
    assert (placed["rule"], placed["line"], placed["message"]) == (
        "invalid",
        1,
        not_a_config.value.detail,
    )
    with pytest.raises(ConfigRejected) as broken:
        validate_yaml("ellipsis:\n  version: v9\n", "agents/x.yaml")
    assert isinstance(broken.value.detail, list)
    assert broken.value.diagnostics() == broken.value.detail
    assert str(broken.value).startswith("invalid config:\n  ")


def test_a_file_that_is_not_a_config_is_a_422_with_the_message(api: httpx.Client) -> None:
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/x.yaml", "yaml": "name: x\n"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == (
        "not an agent config: the document has no top-level 'ellipsis:' mapping"
    )


def test_an_override_that_is_not_a_mapping_is_a_422_with_the_message(api: httpx.Client) -> None:
    config_id = sync_valid_config(api)
    response = api.post(
        "/v1/agents/runs", json={"config_id": config_id, "config_override_yaml": "- a\n"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == "config_override_yaml must be a YAML mapping"


def test_an_override_that_breaks_the_rules_is_a_422_with_diagnostics(api: httpx.Client) -> None:
    config_id = sync_valid_config(api)
    response = api.post(
        "/v1/agents/runs",
        json={"config_id": config_id, "config_override": {"limits": {"run": "five"}}},
    )
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    assert all({"rule", "message", "line", "column", "path"} <= set(d) for d in detail)


def test_a_key_at_the_wrong_level_is_not_a_rejection(api: httpx.Client) -> None:
    """A top-level ``model:`` and a ``sandbox.cpu`` are agent-lint warnings (misplaced-key),
    not errors: the control plane stores the config without them, as the platform ignores
    them, and an override that adds one is accepted too."""
    misplaced = VALID_YAML + "model: claude-opus-4-8\nsandbox:\n  cpu: 2\n"
    response = api.put(
        "/v1/sync/configs",
        json={"repository": "acme/app", "path": "agents/audit.yaml", "yaml": misplaced},
    )
    assert response.status_code == 201, response.text
    stored = response.json()["agent_config"]
    assert "model" not in stored
    assert stored["claude"]["model"] is None
    assert stored["sandbox"]["compute"]["cpu"] is None
    run = api.post(
        "/v1/agents/runs",
        json={"config_id": response.json()["id"], "config_override_yaml": "model: other\n"},
    )
    assert run.status_code == 201, run.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("repository", "acme", "must be OWNER/NAME"),
        ("repository", "../../etc/passwd", "must be OWNER/NAME"),
        ("repository", "acme/app\x00", "must be OWNER/NAME"),
        ("path", "audit.yaml", "must be a file's path in the repository, in agents/"),
        ("path", "agents/../../etc/passwd.yaml", "must be a file's path in the repository"),
        ("path", "agents//audit.yaml", "must be a file's path in the repository"),
        ("path", "agents/audit\x00.yaml", "must be a file's path in the repository"),
        ("path", "agents/" + "a" * 5000 + ".yaml", "at most 4096 characters"),
    ],
)
def test_the_sync_api_stores_configs_only_under_a_repository_name_and_a_config_path(
    api: httpx.Client, field: str, value: str, message: str
) -> None:
    body = {"repository": "acme/app", "path": "agents/audit.yaml", "yaml": VALID_YAML}
    response = api.put("/v1/sync/configs", json={**body, field: value})
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["path"] == field
    assert message in problem["message"]
    assert api.get("/v1/sync/configs").json()["configs"] == []


def test_a_move_goes_to_a_config_path_only(api: httpx.Client) -> None:
    config_id = sync_valid_config(api)
    moved = api.post(f"/v1/sync/configs/{config_id}/move", json={"path": "agents/../x.yaml"})
    assert moved.status_code == 422, moved.text
    assert api.get(f"/v1/agents/configs/{config_id}").json()["path"] == "agents/audit.yaml"


def test_a_repository_commit_is_kept_under_a_repository_name_only(api: httpx.Client) -> None:
    response = api.put("/v1/sync/repositories/acme/a%20b", json={"commit": "abc"})
    assert response.status_code == 422, response.text
    assert "repository 'acme/a b' must be OWNER/NAME" in response.json()["detail"]
    assert api.put("/v1/sync/repositories/acme/app", json={"commit": "abc"}).status_code == 200
