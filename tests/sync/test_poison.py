"""Poison pills: a file whose values no field can hold (NaN, infinity, 10^309, an integer past
Python's digit limit), or one that makes agent-lint itself fail, is an invalid file (an orphan
error, or its last good config kept) and every other file of the commit still applies. Also
the control plane: such content is a 422 with a diagnostic, never a 500.

Real git repositories, the real local control plane on loopback, the real client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from agentsync.client.api import Client
from agentsync.client.errors import Conflict
from agentsync.config.loader import load_text
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rules import RULES
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings
from agentsync.lint.validation import ConfigRejected, validate_yaml
from agentsync.sync.desired import MAX_DIAGNOSTICS
from tests.sync.support import SyncedRepo, valid_text

REPO = "acme/app"
PROMPT = "ellipsis: {version: v1}\nclaude:\n  system: Audit the dependencies.\n"
POISON = {
    "agents/nan.yaml": PROMPT + "limits: {run: 1, day: .nan}\n",
    "agents/inf.yaml": PROMPT + "limits:\n  run: .inf\n",
    "agents/past-float.yaml": PROMPT + "limits:\n  run: 1" + "0" * 309 + "\n",
    "agents/past-digits.yaml": PROMPT + "limits:\n  run: 9" + "9" * 5000 + "\n",
    "agents/float-tag.yaml": PROMPT + "limits:\n  run: !!float 1" + "0" * 400 + "\n",
}
FAILS_LINT = "agents/fails-lint.yaml"


@pytest.fixture
def a_rule_fails_on_one_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """agent-lint itself fails on ``FAILS_LINT`` (its content says so), as a bug would."""
    original = RULES["limits-order"].check

    def check(ctx: LintContext) -> Iterator[Finding]:
        if "fail-lint-here" in ctx.document.text:
            raise RuntimeError("a bug in a rule")
        yield from original(ctx)

    monkeypatch.setattr(RULES["limits-order"], "check", check)


def _paths(client: Client) -> set[str]:
    return {c.path or "" for c in client.iter_sync_configs(repository=REPO)}


@pytest.mark.usefixtures("a_rule_fails_on_one_file")
def test_poison_pills_are_orphan_errors_and_the_rest_applies(
    tmp_path: Path, client: Client
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    files = {"agents/good-1.yaml": valid_text(1), "agents/good-2.yaml": valid_text(2), **POISON}
    files[FAILS_LINT] = PROMPT + "# fail-lint-here\n"
    run = repo.commit_and_sync(files)
    assert run.result is not None
    assert run.result.ok
    assert _paths(client) == {"agents/good-1.yaml", "agents/good-2.yaml"}
    orphans = repo.state.orphans(REPO)
    assert set(orphans) == {*POISON, FAILS_LINT}
    for path in POISON:
        assert [d["rule"] for d in orphans[path]["diagnostics"]] == ["invalid-value"], path
    assert [d["rule"] for d in orphans[FAILS_LINT]["diagnostics"]] == ["internal"]


@pytest.mark.usefixtures("a_rule_fails_on_one_file")
def test_a_config_that_turns_poisonous_keeps_its_last_good_version(
    tmp_path: Path, client: Client
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    repo.commit_and_sync({"agents/a.yaml": valid_text(1), "agents/b.yaml": valid_text(2)})
    run = repo.commit_and_sync(
        {
            "agents/a.yaml": POISON["agents/past-float.yaml"],
            "agents/b.yaml": PROMPT + "# fail-lint-here\n",
            "agents/c.yaml": valid_text(3),
        }
    )
    assert run.result is not None
    assert run.result.ok
    kinds = {a.path: a.kind for a in run.plan.actions}
    assert kinds == {
        "agents/a.yaml": "keep-last-good",
        "agents/b.yaml": "keep-last-good",
        "agents/c.yaml": "create",
    }
    kept = {c.path: c for c in client.iter_sync_configs(repository=REPO)}
    assert kept["agents/a.yaml"].sync_error is not None
    assert kept["agents/a.yaml"].agent_config["claude"]["system"] == "Carry out task number 1."


@pytest.mark.parametrize("path", sorted(POISON))
def test_the_control_plane_answers_422_for_poisoned_content(api: httpx.Client, path: str) -> None:
    text = POISON[path]
    synced = api.put("/v1/sync/configs", json={"repository": REPO, "path": path, "yaml": text})
    assert synced.status_code == 422, synced.text
    assert [d["rule"] for d in synced.json()["detail"]] == ["invalid-value"]
    good = api.put(
        "/v1/sync/configs", json={"repository": REPO, "path": "agents/a.yaml", "yaml": PROMPT}
    )
    assert good.status_code in (200, 201), good.text
    override = text.split("limits:", 1)[1]
    run = api.post(
        "/v1/agents/runs",
        json={"config_id": good.json()["id"], "config_override_yaml": "limits:" + override},
    )
    assert run.status_code == 422, run.text
    assert [d["rule"] for d in run.json()["detail"]] == ["invalid-value"]


@pytest.mark.usefixtures("a_rule_fails_on_one_file")
def test_the_control_plane_answers_422_when_agent_lint_fails(api: httpx.Client) -> None:
    synced = api.put(
        "/v1/sync/configs",
        json={"repository": REPO, "path": FAILS_LINT, "yaml": PROMPT + "# fail-lint-here\n"},
    )
    assert synced.status_code == 422, synced.text
    (diagnostic,) = synced.json()["detail"]
    assert diagnostic["rule"] == "internal"
    assert "fail-lint-here" not in diagnostic["message"]


def _refusing_validator() -> Callable[..., object]:
    """The control plane's validation, refusing (422) what agent-lint accepts in
    ``agents/refused.yaml``, as a hosted platform stricter than this release's rules would."""
    from agentsync.localserver import configs

    original = configs.validate_yaml

    def validate_yaml(text: str, path: str = "<request>") -> object:
        if path == "agents/refused.yaml":
            raise ConfigRejected(
                [{"rule": "platform", "severity": "error", "message": "refused by the platform",
                  "line": 2, "column": 3, "path": "claude.system"}]
            )  # fmt: skip
        return original(text, path)

    return validate_yaml


@pytest.fixture
def stricter_control_plane(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", _refusing_validator())


@pytest.mark.usefixtures("stricter_control_plane")
def test_a_write_refused_for_its_content_is_the_files_sync_error(
    tmp_path: Path, client: Client
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    run = repo.commit_and_sync(
        {"agents/refused.yaml": valid_text(1), "agents/fine.yaml": valid_text(2)}
    )
    assert run.result is not None
    assert run.result.ok  # nothing to retry: the rest applied
    assert [(a.path, why) for a, why in run.result.rejected] == [
        ("agents/refused.yaml", "refused by the platform")
    ]
    assert _paths(client) == {"agents/fine.yaml"}
    orphan = repo.state.orphans(REPO)["agents/refused.yaml"]
    assert [d["rule"] for d in orphan["diagnostics"]] == ["platform"]
    assert client.get_repository_commit(REPO) == run.plan.commit


HOSTILE_VALUES = {
    "cpu": "sandbox:\n  compute:\n    cpu: 1" + "0" * 400 + "\n",
    "memory": "sandbox:\n  compute:\n    memory: 1" + "0" * 400 + "\n",
    "timeout-string": "sandbox:\n  compute:\n    timeout: " + "9" * 5000 + "h\n",
    "hex": "limits:\n  run: 0x" + "f" * 20000 + "\n",
    "octal": "limits:\n  run: 0o" + "7" * 5000 + "\n",
    "open-mapping": "mcp_servers:\n  - name: x\n    url: https://example.com\n    port: .nan\n",
    "json-schema": "structured_output:\n  json_schema: {type: number, maximum: .inf}\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_VALUES))
def test_lint_and_the_control_plane_agree_on_hostile_values(name: str) -> None:
    text = PROMPT + HOSTILE_VALUES[name]
    document = load_text(text, f"agents/{name}.yaml")
    linted = lint_document(document, Settings())
    errors = sorted({d.rule for d in linted.diagnostics if d.severity == "error"})
    assert errors, linted
    assert "internal" not in errors
    with pytest.raises(ConfigRejected) as refused:
        validate_yaml(text, f"agents/{name}.yaml")
    assert sorted({d["rule"] for d in refused.value.diagnostics()}) == errors
    assert all(len(d.message) < 300 for d in linted.diagnostics)


def test_a_refused_update_keeps_the_last_good_config_with_its_error(
    tmp_path: Path, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    repo.commit_and_sync({"agents/refused.yaml": valid_text(1), "agents/fine.yaml": valid_text(2)})
    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", _refusing_validator())
    run = repo.commit_and_sync(
        {"agents/refused.yaml": valid_text(3), "agents/fine.yaml": valid_text(4)}
    )
    assert run.result is not None
    assert run.result.ok
    assert [a.path for a, _ in run.result.rejected] == ["agents/refused.yaml"]
    kept = {c.path: c for c in client.iter_sync_configs(repository=REPO)}
    refused = kept["agents/refused.yaml"]
    assert refused.agent_config["ellipsis"]["name"] == "Agent 1"  # the last good version
    assert refused.sync_error is not None
    assert [d["rule"] for d in refused.sync_error.diagnostics] == ["platform"]
    assert kept["agents/fine.yaml"].agent_config["ellipsis"]["name"] == "Agent 4"
    assert repo.state.errors(REPO)["agents/refused.yaml"]["kind"] == "keep-last-good"


SECRET_VALUE = "eu-west-1-d41d8cd98f00"  # a variable's inline value: not token-shaped
TOKEN = "ghp_" + "a1B2" * 9  # a token in the prompt: valid, but masked wherever shown
ECHOED = (
    "ellipsis: {version: v1}\n"
    f"claude:\n  system: Call the API with {TOKEN}.\n"
    f"sandbox:\n  variables:\n    - name: REGION\n      value: {SECRET_VALUE}\n"
)


@pytest.mark.parametrize("answer", [ConfigRejected, Conflict])
def test_a_control_plane_echoing_the_config_in_its_error_shows_no_secret(
    tmp_path: Path, client: Client, monkeypatch: pytest.MonkeyPatch, answer: type[Exception]
) -> None:
    """A control plane whose error (a 422, a 409) quotes the YAML it was sent: the variable's
    value and the token were printed in the apply's `refused:` (or `failed:`) line, and the
    422's were kept in the state file and shown by `agent sync status --json`."""
    from agentsync.localserver import configs

    original = configs.validate_yaml

    def echoing(text: str, path: str = "<request>") -> object:
        if path == "agents/echoed.yaml":
            raise answer(f"cannot take {text!r} ({json.dumps(text)})")
        return original(text, path)

    monkeypatch.setattr(configs, "validate_yaml", echoing)
    repo = SyncedRepo(tmp_path, client, REPO)
    run = repo.commit_and_sync({"agents/echoed.yaml": ECHOED, "agents/fine.yaml": valid_text(1)})
    assert run.result is not None
    (shown,) = [why for _, why in (*run.result.failed, *run.result.rejected)]
    assert "cannot take" in shown
    repo.state.save()
    for text in (shown, (tmp_path / "state.json").read_text()):
        assert SECRET_VALUE not in text
        assert TOKEN not in text
    assert _paths(client) == {"agents/fine.yaml"}


def test_a_refusal_with_thousands_of_diagnostics_keeps_as_few_as_a_file_of_them(
    tmp_path: Path, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A control plane stricter than this release answered 5,001 diagnostics: they were kept
    whole in the state file and sent back whole to be recorded, as a file's own once were."""
    from agentsync.localserver import configs

    original = configs.validate_yaml
    many = [
        {"rule": "platform", "severity": "error", "message": f"refused {n}", "line": 1}
        for n in range(5000)
    ] + [{"rule": "other", "severity": "error", "message": "also", "line": 2}]

    def validate_yaml(text: str, path: str = "<request>") -> object:
        if path == "agents/refused.yaml":
            raise ConfigRejected(many)
        return original(text, path)

    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", validate_yaml)
    repo = SyncedRepo(tmp_path, client, REPO)
    run = repo.commit_and_sync({"agents/refused.yaml": valid_text(1)})
    assert run.result is not None
    assert run.result.ok
    kept = repo.state.orphans(REPO)["agents/refused.yaml"]["diagnostics"]
    assert len(kept) == MAX_DIAGNOSTICS + 1
    assert [d["rule"] for d in kept[-2:]] == ["platform", "other"]
    assert kept[-1]["message"] == (
        "also (4900 more problems in this file not shown: agent-lint lists them all)"
    )
