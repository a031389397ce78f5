"""The composite action in ``action.yml``: its shape, and its steps run by bash the way a runner
runs them (``bash --noprofile --norc -eo pipefail``), with the runner's environment variables.

The install step really creates a virtualenv and pip-installs this working tree, once per
module; the lint step then runs against a fresh workspace per test.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ACTION = ROOT / "action.yml"

VALID = "ellipsis:\n  version: v1\n  name: good\nclaude:\n  system: Review the code.\n"
INVALID = "ellipsis:\n  version: v1\nclaude:\n  system: Review the code.\n  bogus: 1\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load_action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return action


def step(name: str) -> dict[str, Any]:
    steps: list[dict[str, Any]] = load_action()["runs"]["steps"]
    (found,) = [s for s in steps if s["name"] == name]
    return found


def test_action_matches_the_github_actions_schema() -> None:
    subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-actions", str(ACTION)],
        check=True,
    )


def test_action_shape() -> None:
    action = load_action()
    assert action["name"] == "agent-lint"
    assert action["branding"]
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {"paths", "sarif-file", "python"}
    assert action["inputs"]["paths"]["default"] == ""
    assert action["inputs"]["sarif-file"]["default"] == ""
    assert action["inputs"]["python"]["default"] == "python3"
    assert [s["name"] for s in action["runs"]["steps"]] == ["Install agent-lint", "Run agent-lint"]
    for s in action["runs"]["steps"]:
        assert s["shell"] == "bash"


def test_inputs_reach_scripts_only_through_env() -> None:
    """An expression inside ``run:`` is pasted into the script before bash sees it."""
    for s in load_action()["runs"]["steps"]:
        assert "${{" not in s["run"]
        for key, value in s.items():
            if key not in ("env", "name"):
                assert "${{" not in str(value), key
        for value in s.get("env", {}).values():
            assert EXPRESSION.fullmatch(value), value


def resolve(value: str, inputs: dict[str, str]) -> str:
    """Evaluate the only expression form the action uses: ``${{ inputs.NAME }}``."""

    def one(match: re.Match[str]) -> str:
        scope, _, name = match.group(1).partition(".")
        assert scope == "inputs", match.group(0)
        return inputs[name]

    return EXPRESSION.sub(one, value)


class Runner:
    """Runs the action's steps as the GitHub runner would, in a temporary runner layout."""

    def __init__(self, base: Path) -> None:
        self.temp = base / "runner-temp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.base = base

    def run(
        self, name: str, workspace: Path, **inputs: str
    ) -> tuple[subprocess.CompletedProcess[str], Path]:
        action = load_action()
        values = {key: spec.get("default", "") for key, spec in action["inputs"].items()}
        values.update({key.replace("_", "-"): value for key, value in inputs.items()})
        s = step(name)
        summary = workspace.parent / "step-summary.md"
        summary.touch()
        script = self.base / "step.sh"
        script.write_text(s["run"], encoding="utf-8")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("GITHUB_", "RUNNER_", "VIRTUAL_ENV", "PYTHON"))
        }
        env.update(
            GITHUB_ACTIONS="true",
            CI="true",
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_ACTION_PATH=str(ROOT),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_PATH=str(self.base / "github-path"),
            GITHUB_ENV=str(self.base / "github-env"),
            RUNNER_TEMP=str(self.temp),
        )
        env.update({key: resolve(value, values) for key, value in s.get("env", {}).items()})
        completed = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            check=False,
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        return completed, summary


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """A runner whose install step has run (a real venv and pip install of this tree)."""
    runner = Runner(tmp_path_factory.mktemp("runner"))
    scratch = tmp_path_factory.mktemp("install-workspace")
    installed, _ = runner.run("Install agent-lint", scratch, python=sys.executable)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (runner.temp / "agent-lint-venv" / "bin" / "agent-lint").exists()
    return runner


def make_workspace(base: Path) -> Path:
    workspace = base / "workspace"
    (workspace / "agents").mkdir(parents=True)
    (workspace / "agents" / "good.yaml").write_text(VALID)
    (workspace / "agents" / "bad.yaml").write_text(INVALID)
    subprocess.run(["git", "init", "-q", str(workspace)], check=True)
    return workspace


@pytest.mark.slow
def test_action_reports_errors(runner: Runner, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    (tmp_path / "step-summary.md").write_text("earlier step\n")
    completed, summary = runner.run("Run agent-lint", workspace, sarif_file="agent-lint.sarif")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stdout.splitlines() == [
        (
            "::error file=agents/bad.yaml,line=5,col=3,title=agent-lint [unknown-key]::"
            "unknown key 'bogus' in claude%0Ahint: keys allowed here: model, system"
        ),
        "1 error, 0 warnings in 2 configs (1 invalid)",
    ]
    text = summary.read_text()
    assert text.startswith("earlier step\n## agent-lint\n")
    assert "1 error, 0 warnings in 2 configs (1 invalid)" in text
    assert "| agents/bad.yaml:5:3 | error | unknown-key | unknown key 'bogus' in claude" in text
    log = json.loads((workspace / "agent-lint.sarif").read_text())
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "unknown-key"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "agents/bad.yaml", "uriBaseId": "%SRCROOT%"}
    assert not (runner.base / "github-path").exists()


@pytest.mark.slow
def test_action_lints_the_given_paths(runner: Runner, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    (workspace / "agents" / "also-good.yaml").write_text(VALID)
    completed, summary = runner.run(
        "Run agent-lint", workspace, paths="  agents/good.yaml\n agents/also-good.yaml "
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == "2 configs valid\n"
    assert summary.read_text() == "## agent-lint\n\nall 2 configs valid\n"
    assert not list(workspace.glob("*.sarif"))


@pytest.mark.slow
def test_action_does_not_evaluate_inputs(runner: Runner, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    completed, _ = runner.run(
        "Run agent-lint", workspace, paths="agents/* $(touch pwned) `touch pwned`", sarif_file=""
    )
    assert completed.returncode != 0
    assert not (workspace / "pwned").exists()
    assert completed.stderr == "agent-lint: agents/*: no such file or directory\n"
