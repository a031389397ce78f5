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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

if TYPE_CHECKING:
    from tests.service.fake_github import FakeGitHub

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
    assert set(action["inputs"]) == {
        "paths",
        "sarif-file",
        "python",
        "plan",
        "control-plane-url",
        "control-plane-token",
        "comment",
        "github-token",
    }
    assert action["inputs"]["paths"]["default"] == ""
    assert action["inputs"]["sarif-file"]["default"] == ""
    assert action["inputs"]["python"]["default"] == "python3"
    assert action["inputs"]["plan"]["default"] == "false"
    assert action["inputs"]["comment"]["default"] == "false"
    for secret in ("control-plane-token", "github-token"):
        assert action["inputs"][secret]["default"] == ""
        assert "secrets" in action["inputs"][secret]["description"]
    assert [s["name"] for s in action["runs"]["steps"]] == [
        "Install agent-lint",
        "Run agent-lint",
        "Preview the sync",
    ]
    # The preview runs after linting, whatever linting found, when asked for.
    assert step("Install agent-lint")["id"] == "install"
    assert step("Preview the sync")["if"] == (
        "!cancelled() && steps.install.outcome == 'success' && inputs.plan == 'true'"
    )
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


# What bash 3.2 (macOS runners' /bin/bash) cannot run: case changes (${VAR,,}, ${VAR^^}),
# ${VAR@Q}, associative arrays, mapfile/readarray, coproc, |& and &>> (a comment may name them).
BASH_4_ONLY = re.compile(
    r"\$\{[^}]*(,,|\^\^|,|\^|@[QEPAaUuLK])\}|declare -A|\b(mapfile|readarray|coproc)\b|\|&|&>>"
)


def test_scripts_run_on_the_bash_of_macos_runners() -> None:
    """``${AGENTSYNC_COMMENT,,}`` was a "bad substitution" on bash 3.2: the plan step failed
    after a passing plan, whatever the comment input."""
    for s in load_action()["runs"]["steps"]:
        code = [line.split(" #")[0] for line in s["run"].splitlines()]
        code = [line for line in code if not line.lstrip().startswith("#")]
        found = [line for line in code if BASH_4_ONLY.search(line)]
        assert found == [], (s["name"], found)


def resolve(value: str, inputs: dict[str, str], github: dict[str, str] | None = None) -> str:
    """Evaluate the expression forms the action uses: ``${{ inputs.NAME }}`` and
    ``${{ github.PATH }}`` (a missing value of the event is empty, as on GitHub)."""

    def one(match: re.Match[str]) -> str:
        scope, _, name = match.group(1).partition(".")
        assert scope in ("inputs", "github"), match.group(0)
        return inputs[name] if scope == "inputs" else (github or {}).get(name, "")

    return EXPRESSION.sub(one, value)


class Runner:
    """Runs the action's steps as the GitHub runner would, in a temporary runner layout."""

    def __init__(self, base: Path) -> None:
        self.temp = base / "runner-temp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.base = base

    def run(
        self,
        name: str,
        workspace: Path,
        *,
        github: dict[str, str] | None = None,
        runner_env: dict[str, str] | None = None,
        **inputs: str,
    ) -> tuple[subprocess.CompletedProcess[str], Path]:
        """Run step ``name``; ``github``: the github context's values, ``runner_env``: more
        of the runner's variables (``GITHUB_REPOSITORY``...)."""
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
            **(runner_env or {}),
        )
        env.update({key: resolve(value, values, github) for key, value in s.get("env", {}).items()})
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


@pytest.mark.slow
def test_action_takes_inputs_starting_with_a_dash_as_paths(runner: Runner, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path)
    (workspace / "-good.yaml").write_text(VALID)
    completed, _ = runner.run(
        "Run agent-lint", workspace, paths="-good.yaml --fix", sarif_file="-agent-lint.sarif"
    )
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert completed.stderr == "agent-lint: --fix: no such file or directory\n"
    completed, _ = runner.run(
        "Run agent-lint", workspace, paths="-good.yaml", sarif_file="-agent-lint.sarif"
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout == "1 config valid\n"
    assert json.loads((workspace / "-agent-lint.sarif").read_text())["runs"][0]["results"] == []


# the plan step ----------------------------------------------------------------------------

CRON = (
    "ellipsis:\n  version: v1\n  name: nightly\nclaude:\n  system: Tidy up.\ntriggers:\n"
    "  - {type: cron, schedule: '0 3 * * 1-5'}\nlimits: {run: 2, day: 20}\n"
)
REPOSITORY = "acme/app"
PLAN_ENV = {"GITHUB_REPOSITORY": REPOSITORY}


def plan_workspace(base: Path) -> Path:
    """A committed repository: one valid config now, a cron agent added by the next commit."""
    workspace = make_workspace(base)
    (workspace / "agents" / "bad.yaml").unlink()
    commit_all(workspace, "first")
    return workspace


def commit_all(workspace: Path, message: str) -> None:
    git = ["git", "-C", str(workspace), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", message], check=True)


def commit_cron(workspace: Path, schedule: str = "0 3 * * 1-5") -> None:
    (workspace / "agents" / "nightly.yaml").write_text(CRON.replace("0 3 * * 1-5", schedule))
    commit_all(workspace, "cron")


def cron_workspace(tmp_path: Path) -> Path:
    """The plan workspace with the cron config committed on top: a plan with a change."""
    workspace = plan_workspace(tmp_path)
    commit_cron(workspace)
    return workspace


@contextmanager
def pull_request_on_github(tmp_path: Path, token: str) -> Iterator[FakeGitHub]:
    """A fake GitHub holding pull request 7 of ``REPOSITORY``, which ``token`` may comment on."""
    from tests.service.fake_github import FakeGitHub

    with FakeGitHub(tmp_path / "github", token=token) as github:
        hosted = github.create_repo(REPOSITORY, {"README.md": "hi\n"})
        hosted.commit({"agents/nightly.yaml": CRON}, branch="feature")
        github.open_pull_request(REPOSITORY, 7, "feature")
        yield github


def plan_on_the_pull_request(
    runner: Runner,
    workspace: Path,
    github: FakeGitHub,
    token: str,
    comment: str = "true",
    **inputs: str,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The plan step, asked for the comment (``comment``), on pull request 7's event, with
    more ``inputs`` (a control plane's)."""
    return runner.run(
        "Preview the sync",
        workspace,
        github={"event.pull_request.number": "7"},
        runner_env={**PLAN_ENV, "GITHUB_API_URL": github.url},
        plan="true",
        comment=comment,
        github_token=token,
        **inputs,
    )


@pytest.mark.slow
def test_the_plan_step_previews_against_the_control_plane(runner: Runner, tmp_path: Path) -> None:
    from agentsync.client.api import Client
    from agentsync.localserver.server import LocalServer
    from agentsync.sync.engine import apply_sync
    from agentsync.sync.sources.git import LocalGitSource
    from agentsync.sync.state import SyncState
    from tests.localserver.conftest import API_KEY, server_options

    workspace = plan_workspace(tmp_path)
    (tmp_path / "step-summary.md").write_text("## agent-lint\n")
    with LocalServer(server_options(tmp_path)) as server, Client(server.url, API_KEY) as client:
        source = LocalGitSource(workspace, repository=REPOSITORY)
        assert apply_sync(source, client, SyncState(tmp_path / "state.json")).plan.count("create")
        commit_cron(workspace)
        completed, summary = runner.run(
            "Preview the sync",
            workspace,
            runner_env=PLAN_ENV,
            plan="true",
            control_plane_url=server.url,
            control_plane_token=API_KEY,
        )
        stored = [c.path for c in client.iter_sync_configs(repository=REPOSITORY)]
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert stored == ["agents/good.yaml"]  # a preview writes nothing
    text = summary.read_text()
    assert text.startswith("## agent-lint\n### Sync preview: `acme/app` at `")
    assert "**1 to create** · 1 unchanged" in text
    assert "schedule `0 3 * * 1-5`: **at 03:00 UTC on weekdays**; next " in text
    assert "budget: up to 1 run a day × $2 = $2, within limits.day of $20" in text  # noqa: RUF001
    assert "empty state" not in text
    assert API_KEY not in completed.stdout + completed.stderr + text


@pytest.mark.slow
def test_the_plan_step_without_a_control_plane_plans_against_an_empty_state(
    runner: Runner, tmp_path: Path
) -> None:
    workspace = cron_workspace(tmp_path)
    completed, summary = runner.run(
        "Preview the sync", workspace, runner_env=PLAN_ENV, plan="true", comment="true"
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    text = summary.read_text()
    assert "> Previewed against an empty state: no control plane was given.\n" in text
    assert "**2 to create**" in text
    # Asked for a comment outside a pull request, without a token: a warning, no failure.
    assert "no comment posted" in completed.stdout


@pytest.mark.slow
def test_the_comment_input_ignores_case_as_the_plan_input_does(
    runner: Runner, tmp_path: Path
) -> None:
    """GitHub reads ``plan: True`` as true; ``comment: True`` was read as false, silently."""
    token = "ghp_" + "a1b2c3d4" * 4
    workspace = cron_workspace(tmp_path)
    with pull_request_on_github(tmp_path, token) as github:
        completed, _ = plan_on_the_pull_request(runner, workspace, github, token, comment="True")
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert "created comment" in completed.stdout
        assert len(github.comments_on(REPOSITORY, 7)) == 1


@pytest.mark.slow
def test_the_plan_step_keeps_one_sticky_comment(runner: Runner, tmp_path: Path) -> None:
    token = "ghp_" + "a1b2c3d4" * 4
    workspace = cron_workspace(tmp_path)
    with pull_request_on_github(tmp_path, token) as github:
        # Anyone can write the marker: another's comment is never ours.
        other = github.post_comment(REPOSITORY, 7, "<!-- agentsync:plan -->\nnot ours")

        def run() -> subprocess.CompletedProcess[str]:
            completed, _ = plan_on_the_pull_request(runner, workspace, github, token)
            assert completed.returncode == 0, completed.stdout + completed.stderr
            assert token not in completed.stdout + completed.stderr
            return completed

        assert "created comment" in run().stdout
        assert "is up to date" in run().stdout
        (ours,) = [c for c in github.comments_on(REPOSITORY, 7) if c["id"] != other]
        assert ours["user"]["login"] == github.token_login
        assert ours["body"].startswith("<!-- agentsync:plan -->\n### Sync preview: `acme/app`")
        assert "at 03:00 UTC on weekdays" in ours["body"]
        assert github.requests_to("PATCH", r".*/issues/comments/\d+") == []
        commit_cron(workspace, "30 4 * * 1-5")
        assert "updated comment" in run().stdout
        (edited,) = [c for c in github.comments_on(REPOSITORY, 7) if c["id"] != other]
        assert edited["id"] == ours["id"]
        assert "at 04:30 UTC on weekdays" in edited["body"]
        assert github.comments[other]["body"] == "<!-- agentsync:plan -->\nnot ours"


@pytest.mark.slow
def test_the_plan_step_fits_a_huge_plan_in_the_summary_and_the_comment(
    runner: Runner, tmp_path: Path
) -> None:
    """GitHub drops a step summary above 1 MiB and refuses a comment above 65,536 characters:
    a plan of about 1.1 MB (300 creates under 3,700-character paths) goes in summarized."""
    token = "ghp_" + "e5f6a7b8" * 4
    workspace = plan_workspace(tmp_path)
    deep = workspace.joinpath("agents", *["d" * 250] * 14)
    deep.mkdir(parents=True)
    config = CRON.replace("  name: nightly\n", "")
    for n in range(300):
        (deep / f"{'f' * 200}{n}.yaml").write_text(config)
    commit_all(workspace, "many")
    with pull_request_on_github(tmp_path, token) as github:
        completed, summary = plan_on_the_pull_request(runner, workspace, github, token)
        (comment,) = github.comments_on(REPOSITORY, 7)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    text = summary.read_bytes()
    assert 100_000 < len(text) <= 1024 * 1024
    assert re.search(r"\n… \d+ more files not shown\n\Z", text.decode())
    assert "**301 to create**" in text.decode()
    assert len(comment["body"]) <= 65_536
    assert re.search(r"\n… \d+ more files not shown\n\Z", comment["body"])


@pytest.mark.slow
def test_the_plan_step_warns_when_github_refuses_the_comment(
    runner: Runner, tmp_path: Path
) -> None:
    """A pull request from a fork gets a read-only GITHUB_TOKEN: the comment is refused, and
    the step still ends as its plan does, with a warning."""
    token = "ghp_" + "c9d0e1f2" * 4
    workspace = cron_workspace(tmp_path)
    with pull_request_on_github(tmp_path, token) as github:
        github.fail_next(f"/repos/{REPOSITORY}/issues/7/comments", status=403, method="POST")
        completed, summary = plan_on_the_pull_request(runner, workspace, github, token)
        assert github.comments_on(REPOSITORY, 7) == []
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "GitHub answered 403 for a comment on #7" in completed.stderr
    assert "::warning title=agentsync::the comment could not be posted" in completed.stdout
    assert "**2 to create**" in summary.read_text()
    assert token not in output + summary.read_text()


@pytest.mark.slow
def test_a_failed_plan_says_so_in_the_earlier_comment(runner: Runner, tmp_path: Path) -> None:
    """The control plane unreachable, or refusing the token, on a later push: the comment
    kept showing the earlier commit's plan as if it were current."""
    from tests.scripted import scripted
    from tests.servers import unused_port

    token = "ghp_" + "1a2b3c4d" * 4
    secret = "cp_" + "5e6f7a8b" * 4  # the control plane's token
    workspace = cron_workspace(tmp_path)
    with pull_request_on_github(tmp_path, token) as github:
        other = github.post_comment(REPOSITORY, 7, "<!-- agentsync:plan -->\nnot ours")
        completed, _ = plan_on_the_pull_request(runner, workspace, github, token)
        assert "created comment" in completed.stdout, completed.stdout + completed.stderr
        commit_cron(workspace, "30 4 * * 1-5")
        head = subprocess.run(
            ["git", "-C", str(workspace), "rev-parse", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        down = f"http://127.0.0.1:{unused_port()}"
        completed, summary = plan_on_the_pull_request(
            runner, workspace, github, token, control_plane_url=down, control_plane_token=secret
        )
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert "updated comment" in completed.stdout
        (ours,) = [c for c in github.comments_on(REPOSITORY, 7) if c["id"] != other]
        error = f"cannot reach the control plane at {down} (connection refused)"
        assert error in completed.stderr  # the job log has it
        assert ours["body"].startswith(
            f"<!-- agentsync:plan -->\n### Sync preview failed: `acme/app` at `{head[:12]}`\n\n"
            "The plan could not be made: gave up after 2 attempts: "
            f"{error}: is it running?"
        )
        assert ours["body"].endswith("\n\nThe job log has the details.\n")
        assert "03:00" not in ours["body"]

        with scripted() as control_plane:  # a control plane that echoes the refused token
            refusal = json.dumps({"detail": f"token {secret} is not valid"}).encode()
            control_plane.answers = [(401, {}, refusal)] * 5
            completed, summary = plan_on_the_pull_request(
                runner,
                workspace,
                github,
                token,
                control_plane_url=control_plane.url,
                control_plane_token=secret,
            )
        assert completed.returncode == 1, completed.stdout + completed.stderr
        (ours,) = [c for c in github.comments_on(REPOSITORY, 7) if c["id"] != other]
        assert "The plan could not be made: token \\*\\*\\* is not valid" in ours["body"]
        assert github.comments[other]["body"] == "<!-- agentsync:plan -->\nnot ours"
    for text in (completed.stdout, completed.stderr, summary.read_text(), ours["body"]):
        assert secret not in text
        assert token not in text


@pytest.mark.slow
def test_a_failed_plan_posts_no_comment_where_there_was_none(
    runner: Runner, tmp_path: Path
) -> None:
    from tests.servers import unused_port

    token = "ghp_" + "9c8d7e6f" * 4
    workspace = cron_workspace(tmp_path)
    with pull_request_on_github(tmp_path, token) as github:
        other = github.post_comment(REPOSITORY, 7, "<!-- agentsync:plan -->\nnot ours")
        completed, _ = plan_on_the_pull_request(
            runner,
            workspace,
            github,
            token,
            control_plane_url=f"http://127.0.0.1:{unused_port()}",
            control_plane_token="cp_" + "0" * 32,
        )
        assert completed.returncode == 1, completed.stdout + completed.stderr
        assert "none posted" in completed.stdout
        assert [c["id"] for c in github.comments_on(REPOSITORY, 7)] == [other]
        assert github.comments[other]["body"] == "<!-- agentsync:plan -->\nnot ours"
        assert github.requests_to("POST", ".*") == github.requests_to("PATCH", ".*") == []
