"""``agent sync plan|apply|status`` through the real ``agent`` executable, against the real local
control plane and a real git repository."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync.localserver.server import LocalServer
from tests.localserver.conftest import API_KEY, server_options
from tests.secret_samples import PIN, SAMPLES, leaky_config

AGENT = str(Path(sys.executable).parent / "agent")
GOOD = "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\n"
OTHER = "ellipsis: {version: v1}\nclaude:\n  system: Triage the issue.\n"
THIRD = "ellipsis: {version: v1}\nclaude:\n  system: Draft release notes.\n"
BAD = "ellipsis: {version: v2}\nclaude:\n  system: Review the diff.\n"
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202eevil"  # a terminal's title, cleared, reordered


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalServer]:
    with LocalServer(server_options(tmp_path)) as running:
        yield running


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "https://github.com/acme/app.git")
    return root


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def commit(root: Path, files: dict[str, str | None]) -> None:
    for path, text in files.items():
        if text is None:
            (root / path).unlink()
        else:
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change")


def agent(
    server: LocalServer, tmp_path: Path, *args: str, **more_env: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "NO_COLOR")},
        "ELLIPSIS_API_BASE_URL": server.url,
        "ELLIPSIS_API_TOKEN": API_KEY,
        "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        **more_env,
    }
    return subprocess.run(
        [AGENT, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_plan_apply_status(server: LocalServer, repo: Path, tmp_path: Path) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    plan = agent(server, tmp_path, "sync", "plan", str(repo), "--detailed-exitcode")
    assert plan.returncode == 2, plan.stderr
    assert "Plan for acme/app at" in plan.stdout
    assert "+ agents/a.yaml: create" in plan.stdout
    assert "Summary: 3 to create." in plan.stdout

    refused = agent(server, tmp_path, "sync", "apply", str(repo))
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr

    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Applied 3 of 3 changes to acme/app" in applied.stdout

    unchanged = agent(server, tmp_path, "sync", "plan", str(repo), "--detailed-exitcode")
    assert unchanged.returncode == 0
    assert "= 3 unchanged" in unchanged.stdout

    commit(repo, {"agents/a.yaml": BAD, "agents/c.yaml": None, "agents/new.yaml": BAD})
    broken = agent(server, tmp_path, "sync", "plan", str(repo), "--json")
    actions = {a["path"]: a["kind"] for a in json.loads(broken.stdout)["actions"]}
    assert actions == {
        "agents/a.yaml": "keep-last-good",
        "agents/b.yaml": "unchanged",
        "agents/c.yaml": "soft-delete",
        "agents/new.yaml": "orphan-error",
    }
    text = agent(server, tmp_path, "sync", "plan", str(repo)).stdout
    assert "! agents/a.yaml: invalid: the last good config stays in force" in text
    assert "agents/a.yaml:1:21: ellipsis.version is 'v2'" in text
    assert re.search(r"- agents/c\.yaml: soft-delete \(agent_\w+\)\n", text)  # no trigger
    assert "Summary: 1 to delete, 2 invalid." in text
    partial = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")
    assert partial.returncode == 1  # invalid configs: their errors are recorded, b still applies
    assert "Applied 1 of 1 change to acme/app at " in partial.stdout
    assert (
        "; 2 invalid: 1 sync error recorded (last good config kept), "
        "1 new file not created." in partial.stdout
    ), partial.stdout

    status = agent(server, tmp_path, "sync", "status", str(repo), "--json")
    rows = {row["path"]: row for row in json.loads(status.stdout)["configs"]}
    assert rows["agents/a.yaml"]["state"] == "error"
    assert rows["agents/a.yaml"]["diagnostics"][0]["rule"] == "version"
    assert rows["agents/b.yaml"]["state"] == "ok"
    assert rows["agents/c.yaml"]["state"] == "deleted"
    assert rows["agents/new.yaml"]["state"] == "orphan"
    human = agent(server, tmp_path, "sync", "status", str(repo)).stdout
    assert "Sync status of acme/app:" in human
    assert "orphan" in human


CRON_AND_REACT = (
    "ellipsis: {version: v1}\nclaude:\n  system: Review the diff.\ntriggers:\n"
    "  - {type: cron, schedule: '0 3 * * *'}\n"
    "  - {type: react, events: [{event: pull_request_open}]}\n"
)


def test_a_deletion_says_what_stops_and_apply_speaks_json(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": CRON_AND_REACT})
    first = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", "--detailed-exitcode")
    assert first.returncode == 2, first.stderr  # changes applied
    commit(repo, {"agents/c.yaml": None})
    plan = agent(server, tmp_path, "sync", "plan", str(repo)).stdout
    assert (
        "- agents/c.yaml: soft-delete (its cron schedule stops; "
        "it stops reacting to repository events)" in plan
    ), plan
    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", "--json")
    assert applied.returncode == 0, applied.stderr
    outcome = json.loads(applied.stdout)
    assert outcome["applied"] == [{"kind": "soft-delete", "path": "agents/c.yaml"}]
    assert outcome["failed"] == outcome["refused"] == []
    again = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", "--detailed-exitcode")
    assert again.returncode == 0  # nothing to change
    assert "Applied 0 of 0 changes" in again.stdout


def test_declining_the_confirmation_applies_nothing_and_exits_one(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD})
    primary, secondary = pty.openpty()
    try:
        env = {**os.environ, "ELLIPSIS_API_BASE_URL": server.url, "ELLIPSIS_API_TOKEN": API_KEY,
               "ELLIPSIS_CONFIG_DIR": str(tmp_path / "ellipsis"),
               "XDG_STATE_HOME": str(tmp_path / "state")}  # fmt: skip
        os.write(primary, b"n\n")
        declined = subprocess.run(
            [AGENT, "sync", "apply", str(repo)],
            env=env, stdin=secondary, capture_output=True, text=True, check=False, timeout=60,
        )  # fmt: skip
    finally:
        os.close(primary)
        os.close(secondary)
    assert declined.returncode == 1, declined.stderr
    assert "Apply cancelled." in declined.stderr
    assert "Traceback" not in declined.stderr
    plan = agent(server, tmp_path, "sync", "plan", str(repo), "--detailed-exitcode")
    assert plan.returncode == 2  # still pending: nothing was applied


def test_a_repository_needs_a_name_and_may_have_no_commit_yet(
    server: LocalServer, tmp_path: Path
) -> None:
    new = tmp_path / "new"
    new.mkdir()
    git(new, "init", "-q", "-b", "main")
    (new / "agents").mkdir()
    (new / "agents" / "a.yaml").write_text(GOOD)
    unnamed = agent(server, tmp_path, "sync", "plan", str(new), "--working-tree")
    assert unnamed.returncode == 2
    assert "it has no origin remote; pass --repository OWNER/NAME" in unnamed.stderr
    committed = agent(server, tmp_path, "sync", "plan", str(new), "--repository", "acme/new")
    assert committed.returncode == 1
    assert committed.stderr == (
        f"agent: {new} has no commit yet: commit the configs, or read the working tree with "
        "--working-tree\n"
    )
    named = ("--working-tree", "--repository", "acme/new")
    plan = agent(server, tmp_path, "sync", "plan", str(new), *named)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith("Plan for acme/new at the working tree (no commit yet) (HEAD):")
    assert "+ agents/a.yaml: create" in plan.stdout
    applied = agent(server, tmp_path, "sync", "apply", str(new), *named, "--force", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Applied 1 of 1 change to acme/new" in applied.stdout


def test_a_working_tree_is_named_so_and_applies_only_with_force(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD})
    rev_parse = ["git", "rev-parse", "--short=12", "HEAD"]
    head = subprocess.run(rev_parse, cwd=repo, capture_output=True, text=True, check=True)
    head_sha = head.stdout.strip()
    (repo / "agents" / "a.yaml").write_text(OTHER)
    plan = agent(server, tmp_path, "sync", "plan", str(repo), "--working-tree")
    assert plan.stdout.startswith(f"Plan for acme/app at the working tree of {head_sha} (HEAD):")
    refused = agent(server, tmp_path, "sync", "apply", str(repo), "--working-tree", "--yes")
    assert refused.returncode == 1
    assert (
        f"agent: the working tree of {head_sha} is not a commit of main: only the default branch's "
        "head syncs (commit and merge the changes, or --force to apply anyway)\n"
    ) in refused.stderr
    forced = ("--working-tree", "--yes", "--force")
    applied = agent(server, tmp_path, "sync", "apply", str(repo), *forced)
    assert applied.returncode == 0, applied.stderr
    assert f"Applied 1 of 1 change to acme/app at the working tree of {head_sha}." in applied.stdout


def test_the_help_says_force_applies_a_working_tree() -> None:
    from click.testing import CliRunner

    from agentsync.cli.main import cli

    help_text = " ".join(CliRunner().invoke(cli, ["sync", "apply", "--help"]).output.split())
    assert "--force Apply a non-default branch, an older commit or the working tree." in help_text


def test_blocked_plan_exits_one(server: LocalServer, repo: Path, tmp_path: Path) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/c.yaml": THIRD})
    assert agent(server, tmp_path, "sync", "apply", str(repo), "--yes").returncode == 0
    commit(repo, {"agents/a.yaml": None, "agents/b.yaml": None})
    plan = agent(server, tmp_path, "sync", "plan", str(repo))
    assert plan.returncode == 1
    assert "Blocked: the plan would delete 2 of 3 configs" in plan.stdout
    apply = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")
    assert apply.returncode == 1
    assert "refusing to apply" in apply.stderr
    allowed = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", "--allow-mass-delete")
    assert allowed.returncode == 0, allowed.stderr


def test_not_a_repository_is_a_clear_error(server: LocalServer, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = agent(server, tmp_path, "sync", "plan", str(empty))
    assert result.returncode == 1
    assert result.stderr.startswith("agent: ")
    assert "Traceback" not in result.stderr


# -- secrets ---------------------------------------------------------------------------------


def with_values(value: str, *, edited: bool) -> str:
    """A valid config whose variable and env values hold ``value`` (edited: changed, one set,
    one removed). Only the env values may be secret-shaped: an inline variable that is a
    secret makes the file invalid (hardcoded-secret), so the variable holds a plain setting."""
    dsn = "host=db password=" + ("PW2" if edited else "PW1")
    variables = f"    - {{name: SERVICE_DSN, value: '{dsn}'}}\n"
    if not edited:
        variables += "    - {name: REGION, value: eu-west-1}\n"
    env = f"API_TOKEN: '{value}{'0' if edited else ''}'"
    if edited:
        env += f", LOG_TOKEN: '{value}'"
    return (
        f"ellipsis: {{version: v1}}\nclaude:\n  system: Review the diff.\n"
        f"sandbox:\n  variables:\n{variables}"
        f"mcp_servers:\n  - name: tracker\n    env: {{{env}}}\n"
        f"    headers: {{Authorization: 'Bearer {value}{'0' if edited else ''}'}}\n"
    )


HIDDEN_CHANGES = {
    "mcp_servers[0].env.API_TOKEN": "changed",
    "mcp_servers[0].env.LOG_TOKEN": "set",
    "mcp_servers[0].headers.Authorization": "changed",
    "sandbox.variables[0].value": "changed",
    "sandbox.variables[1].value": "removed",
}


def test_plan_apply_and_status_print_no_secret(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    """Per sample: a valid config whose secret values change, a new invalid file holding the
    secret (orphan-error) and a config edited into one (keep-last-good)."""
    first: dict[str, str | None] = {}
    for sample in SAMPLES:
        first[f"agents/{sample.name}-values.yaml"] = with_values(sample.value, edited=False)
        first[f"agents/{sample.name}-edited.yaml"] = GOOD
    commit(repo, first)
    assert agent(server, tmp_path, "sync", "apply", str(repo), "--yes").returncode == 0
    edits: dict[str, str | None] = {}
    for sample in SAMPLES:
        leaky, _ = leaky_config(sample)
        edits[f"agents/{sample.name}-values.yaml"] = with_values(sample.value, edited=True)
        edits[f"agents/{sample.name}-new.yaml"] = leaky
        edits[f"agents/{sample.name}-edited.yaml"] = leaky
    commit(repo, edits)

    def shown(*args: str, exit_code: int = 0) -> str:
        result = agent(server, tmp_path, "sync", *args, str(repo))
        output = result.stdout + result.stderr
        assert result.returncode == exit_code, output
        assert not any(sample.leaked_in(output) for sample in SAMPLES)
        for password in ("PW1", "PW2", PIN):
            assert password not in output
        return result.stdout

    def invalid_files() -> Iterator[tuple[str, list[tuple[str, int]]]]:
        for sample in SAMPLES:
            _, expected = leaky_config(sample)
            for kind in ("new", "edited"):
                yield f"agents/{sample.name}-{kind}.yaml", expected

    def by_line(found: Iterator[tuple[str, int]]) -> list[tuple[str, int]]:
        return sorted(found, key=lambda item: (item[1], item[0]))

    text = shown("plan")
    for field, change in HIDDEN_CHANGES.items():
        assert text.count(f"      {field}: ({change})\n") == len(SAMPLES)
    assert '      sandbox.variables[1].name: "REGION" -> null\n' in text
    for path, expected in invalid_files():
        for rule, line in expected:
            assert re.search(rf"      {re.escape(path)}:{line}:\d+: .* \[{rule}\]\n", text)
    markdown = shown("plan", "--format", "markdown")
    for field, change in HIDDEN_CHANGES.items():
        assert markdown.count(f"  - `{field}`: `({change})`\n") == len(SAMPLES)
    plan = json.loads(shown("plan", "--json"))
    actions = {a["path"]: a for a in plan["actions"]}
    for sample in SAMPLES:
        diff = actions[f"agents/{sample.name}-values.yaml"]["diff"]
        hidden = {d["field"]: d for d in diff if d.get("hidden")}
        assert {field: d["change"] for field, d in hidden.items()} == HIDDEN_CHANGES
        assert not any("before" in d or "after" in d for d in hidden.values())
    for path, expected in invalid_files():
        assert by_line((d["rule"], d["line"]) for d in actions[path]["diagnostics"]) == expected

    shown("apply", "--yes", exit_code=1)  # the invalid files' errors are recorded
    status = json.loads(shown("status", "--json"))
    rows = {row["path"]: row for row in status["configs"]}
    for path, expected in invalid_files():
        assert rows[path]["state"] == ("orphan" if path.endswith("-new.yaml") else "error")
        assert by_line((d["rule"], d["line"]) for d in rows[path]["diagnostics"]) == expected
    assert "generic-token-edited.yaml" in shown("status")


def test_plans_are_coloured_when_asked_and_plain_in_a_pipe(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER})
    plain = agent(server, tmp_path, "sync", "plan", str(repo))
    assert "\x1b[" not in plain.stdout
    coloured = agent(server, tmp_path, "--color", "always", "sync", "plan", str(repo))
    assert "\x1b[32m  + agents/a.yaml: create" in coloured.stdout
    forced = agent(server, tmp_path, "sync", "plan", str(repo), FORCE_COLOR="1")
    assert forced.stdout == coloured.stdout
    never = agent(server, tmp_path, "--color", "never", "sync", "plan", str(repo), FORCE_COLOR="1")
    assert never.stdout == plain.stdout


def test_quiet_apply_prints_only_its_result(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD})
    quiet = agent(server, tmp_path, "-q", "sync", "apply", str(repo), "--yes")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith("Applied 1 of 1 change to acme/app")
    assert quiet.stdout.count("\n") == 1
    assert quiet.stderr == ""


def test_what_the_repository_and_control_plane_hold_is_shown_escaped(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    """A name's bidi overrides in a plan's diff, and file names with escape sequences, tabs,
    bidi overrides or bytes that are not UTF-8 in `sync status`, reached the terminal as they
    were: the line reordered, coloured, or split."""

    def named(name: str) -> str:
        return f'ellipsis: {{version: v1, name: "{name}"}}\nclaude:\n  system: Review it.\n'

    commit(repo, {"agents/n.yaml": named("calm"), "agents/\x1b[31mred.yaml": GOOD})
    (repo / "agents" / "\u202eevil\t.yaml").write_text(GOOD)
    (repo / os.fsdecode(b"agents/\xff.yaml")).write_text(GOOD)
    commit(repo, {})
    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")
    assert applied.returncode == 1, applied.stderr

    status = agent(server, tmp_path, "sync", "status", str(repo)).stdout
    assert "agents/\\x1b[31mred.yaml  " in status
    assert "agents/\\u202eevil\\t.yaml  " in status
    assert "agents/\\udcff.yaml  " in status
    assert all(line.isprintable() for line in status.splitlines())

    commit(repo, {"agents/n.yaml": named("evil \\u202e gnp")})
    for fmt in ("text", "markdown"):
        plan = agent(server, tmp_path, "sync", "plan", str(repo), "--format", fmt).stdout
        assert '"calm" -> "evil \\u202e gnp"' in plan
        assert "\u202e" not in plan


def test_a_write_the_control_plane_refuses_is_shown_escaped(
    server: LocalServer, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refused write's line showed the file's name and the control plane's words as they
    were: escape sequences and bidi overrides reached the terminal."""
    from agentsync.lint.validation import ConfigRejected
    from agentsync.localserver import configs

    original = configs.validate_yaml

    def validate_yaml(text: str, path: str = "<request>") -> object:
        if path.startswith("agents/\x1b"):
            raise ConfigRejected(f"no: {HOSTILE}")
        return original(text, path)

    monkeypatch.setattr("agentsync.localserver.configs.validate_yaml", validate_yaml)
    commit(repo, {"agents/\x1b[31mred.yaml": GOOD})
    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")
    assert applied.returncode == 1
    refused = next(line for line in applied.stderr.splitlines() if line.startswith("refused:"))
    assert refused == (
        "refused: create agents/\\x1b[31mred.yaml: no: \\x1b]0;owned\\x07\\x1b[2J\\u202eevil "
        "(its sync error)"
    )
