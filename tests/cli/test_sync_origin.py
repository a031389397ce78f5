"""A checkout whose origin changes: ``agent sync plan|apply|status`` refuse to sync it under the
new name while the old name still has agents, until ``--repository`` or ``--adopt`` says which
name is right. Through the real ``agent`` executable, on real git repositories and the real
local control plane."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.client.records import AgentConfigRecord
from agentsync.localserver.server import LocalServer
from tests.cli.test_sync_cli import GOOD, OTHER, agent, commit, git, repo, server
from tests.localserver.conftest import API_KEY

__all__ = ["repo", "server"]

CRON = (
    "ellipsis: {version: v1}\nclaude:\n  system: Audit the repository.\ntriggers:\n"
    "  - {type: cron, schedule: '0 3 * * *'}\n"
)
FILES = {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER, "agents/nightly.yaml": CRON}


def configs(server: LocalServer, repository: str) -> list[AgentConfigRecord]:
    with Client(server.url, API_KEY) as client:
        return list(client.iter_sync_configs(repository=repository, include_deleted=True))


def live(server: LocalServer, repository: str) -> dict[str, str]:
    """Path -> config id of the repository's configs that are not deleted."""
    return {c.path or "": c.id for c in configs(server, repository) if not c.deleted}


def changed_origin(old: str, new: str, count: int) -> str:
    return (
        f"the origin of this checkout changed: it synced as {old} ({count} agents), origin now "
        f"says {new}. Pass --repository {old} to keep the old name, or --adopt to move the "
        f"agents to {new}."
    )


def assert_refused(result: subprocess.CompletedProcess[str], old: str, new: str) -> None:
    """Refused (exit 1) for the origin's change from ``old`` to ``new`` (3 agents)."""
    assert result.returncode == 1, result.stderr
    assert changed_origin(old, new, 3) in result.stderr


def set_origin(checkout: Path, repository: str) -> None:
    git(checkout, "remote", "set-url", "origin", f"https://github.com/{repository}.git")


def synced(server: LocalServer, repo: Path, tmp_path: Path, *args: str) -> None:
    """Commit the three configs and apply them (``args``: a --repository, say)."""
    commit(repo, FILES)
    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", *args)
    assert applied.returncode == 0, applied.stderr


def test_an_origin_added_after_a_sync_is_refused_until_repository_names_it(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    git(repo, "remote", "remove", "origin")
    synced(server, repo, tmp_path, "--repository", "acme/app")
    git(repo, "remote", "add", "origin", "git@github.com:acme/platform.git")

    for command in (["plan"], ["apply", "--yes"]):
        refused = agent(server, tmp_path, "sync", *command, str(repo))
        assert refused.returncode == 1, refused.stderr
        assert refused.stderr == f"agent: {changed_origin('acme/app', 'acme/platform', 3)}\n"
        assert refused.stdout == ""
    assert configs(server, "acme/platform") == []  # nothing was created under the new name

    kept = agent(server, tmp_path, "sync", "plan", str(repo), "--repository", "acme/app")
    assert kept.returncode == 0, kept.stderr
    assert "= 3 unchanged" in kept.stdout


def test_a_changed_origin_url_is_refused_and_status_shows_the_agents_it_synced(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    synced(server, repo, tmp_path)
    set_origin(repo, "acme/tools")
    plan = agent(server, tmp_path, "sync", "plan", str(repo), "--json")
    assert_refused(plan, "acme/app", "acme/tools")

    status = agent(server, tmp_path, "sync", "status", str(repo), "--json")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["repository"] == "acme/app"
    assert sorted(row["path"] for row in shown["configs"]) == sorted(FILES)
    assert status.stderr == (
        "note: the origin of this checkout changed: it synced as acme/app (3 agents), origin "
        "now says acme/tools; showing acme/app\n"
    )


def test_adopt_previews_then_moves_the_agents_to_the_new_name(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    synced(server, repo, tmp_path)
    old = live(server, "acme/app")
    set_origin(repo, "acme/tools")

    preview = agent(server, tmp_path, "sync", "plan", str(repo), "--adopt", "--detailed-exitcode")
    assert preview.returncode == 2, preview.stderr
    assert "Plan for acme/tools at" in preview.stdout
    assert "+ agents/nightly.yaml: create" in preview.stdout
    assert (
        "Adopting 3 agents of acme/app: the control plane cannot change an agent's repository, "
        "so this plan creates them again under acme/tools (new ids, no run history) and "
        "soft-deletes the old ones:" in preview.stdout
    )
    assert (
        f"- acme/app agents/nightly.yaml: soft-delete (its cron schedule stops) "
        f"({old['agents/nightly.yaml']})" in preview.stdout
    )
    assert "Summary: 3 to create, 3 to delete." in preview.stdout
    as_json = json.loads(
        agent(server, tmp_path, "sync", "plan", str(repo), "--adopt", "--json").stdout
    )
    deletes = [a for a in as_json["actions"] if a["kind"] == "soft-delete"]
    assert {(a["repository"], a["path"], a["config_id"]) for a in deletes} == {
        ("acme/app", path, config_id) for path, config_id in old.items()
    }
    assert live(server, "acme/app") == old  # a plan changes nothing

    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--adopt", "--yes")
    assert applied.returncode == 0, applied.stderr
    assert "Applied 6 of 6 changes to acme/tools" in applied.stdout
    assert live(server, "acme/app") == {}
    assert sorted(live(server, "acme/tools")) == sorted(FILES)
    assert {c.id for c in configs(server, "acme/app")} == set(old.values())  # soft: kept

    after = agent(server, tmp_path, "sync", "plan", str(repo), "--detailed-exitcode")
    assert after.returncode == 0, after.stderr  # no refusal, nothing to change
    assert "= 3 unchanged" in after.stdout
    again = agent(server, tmp_path, "sync", "plan", str(repo), "--adopt", "--detailed-exitcode")
    assert again.returncode == 0, again.stderr  # nothing left to adopt
    assert "Adopting" not in again.stdout
    status = agent(server, tmp_path, "sync", "status", str(repo))
    assert status.stderr == ""
    assert "Sync status of acme/tools:" in status.stdout


def test_an_explicit_repository_syncs_as_that_name_and_is_recorded(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    synced(server, repo, tmp_path)
    explicit = agent(
        server, tmp_path, "sync", "apply", str(repo), "--yes", "--repository", "acme/copy"
    )
    assert explicit.returncode == 0, explicit.stderr  # no refusal: the name was said
    assert sorted(live(server, "acme/copy")) == sorted(FILES)
    assert sorted(live(server, "acme/app")) == sorted(FILES)  # left alone
    # The checkout is recorded as acme/copy now: the origin's acme/app is the changed name.
    back = agent(server, tmp_path, "sync", "plan", str(repo))
    assert_refused(back, "acme/copy", "acme/app")


def test_a_fresh_checkout_with_no_record_is_not_refused(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    synced(server, repo, tmp_path)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    set_origin(clone, "acme/tools")
    # Its own state directory: no record of this history, so nothing to refuse.
    fresh = agent(
        server, tmp_path, "sync", "plan", str(clone), XDG_STATE_HOME=str(tmp_path / "other")
    )
    assert fresh.returncode == 0, fresh.stderr
    assert "Summary: 3 to create." in fresh.stdout
    # The same state file knows the clone by its root commit, wherever the clone is.
    shared = agent(server, tmp_path, "sync", "plan", str(clone))
    assert_refused(shared, "acme/app", "acme/tools")


def test_a_changed_origin_whose_old_agents_are_all_deleted_is_not_refused(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    synced(server, repo, tmp_path)
    commit(repo, dict.fromkeys(FILES))
    emptied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes", "--allow-mass-delete")
    assert emptied.returncode == 0, emptied.stderr
    set_origin(repo, "acme/tools")
    commit(repo, {"agents/a.yaml": GOOD})
    plan = agent(server, tmp_path, "sync", "plan", str(repo))
    assert plan.returncode == 0, plan.stderr
    assert re.search(r"Plan for acme/tools at \w+ \(HEAD\):", plan.stdout)


@pytest.mark.parametrize("command", ["plan", "apply", "status"])
def test_a_repository_that_is_not_owner_slash_name_is_a_usage_error(
    server: LocalServer, repo: Path, tmp_path: Path, command: str
) -> None:
    commit(repo, FILES)
    for name, shown in [
        ("nosl", "'nosl'"),
        ("../..", "'../..'"),
        ("acme/app\n", "'acme/app\\n'"),
        ("acme\x1b]0;T\x07/app", "'acme\\x1b]0;T\\x07/app'"),
    ]:
        args = ("--repository", name, *(["--yes"] if command == "apply" else []))
        result = agent(server, tmp_path, "sync", command, str(repo), *args)
        assert result.returncode == 2, (name, result.stdout, result.stderr)
        assert result.stdout == ""
        assert result.stderr.splitlines()[-1] == (
            f"Error: Invalid value for '--repository': {shown} is not OWNER/NAME "
            "(two names of letters, digits, '_', '.' or '-')"
        )
        assert "\x1b" not in result.stderr
    assert configs(server, "acme/app") == []  # nothing was applied under any name
