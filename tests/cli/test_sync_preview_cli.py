"""``agent sync plan`` as a merge preview: ``--format text|json|markdown``, ``--against-empty``,
and planning a commit off the default branch writes nothing, through the real ``agent``
executable against the real local control plane."""

from __future__ import annotations

import json
import re
from pathlib import Path

from agentsync.localserver.server import LocalServer
from tests.cli.test_sync_cli import GOOD, OTHER, agent, commit, git, repo, server
from tests.sync.support import FaultProxy

__all__ = ["repo", "server"]

CRON = (
    "ellipsis: {version: v1}\nclaude:\n  system: Tidy up.\ntriggers:\n"
    "  - {type: cron, schedule: '*/30 * * * *'}\nlimits: {run: 2, day: 20}\n"
)


def test_plan_formats(server: LocalServer, repo: Path, tmp_path: Path) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER})
    assert agent(server, tmp_path, "sync", "apply", str(repo), "--yes").returncode == 0
    commit(repo, {"agents/cron.yaml": CRON, "agents/a.yaml": None})

    text = agent(server, tmp_path, "sync", "plan", str(repo))
    assert text.returncode == 0, text.stderr
    created = "  + agents/cron.yaml: create\n      schedule '*/30 * * * *': every 30 minutes; next"
    assert created in text.stdout
    assert "      budget: up to 48 runs a day × $2 = $96, capped by limits.day at $20" in (  # noqa: RUF001
        text.stdout
    )
    assert text.stdout.endswith("Would stop running:\n  agents/a.yaml (deleted)\n")

    as_json = agent(server, tmp_path, "sync", "plan", str(repo), "--json")
    formatted = agent(server, tmp_path, "sync", "plan", str(repo), "--format", "json")
    data = json.loads(as_json.stdout)
    assert {key: value for key, value in data.items() if key != "now"} == {
        key: value for key, value in json.loads(formatted.stdout).items() if key != "now"
    }
    (cron,) = [a for a in data["actions"] if a["path"] == "agents/cron.yaml"]
    assert cron["schedules"][0]["words"] == "every 30 minutes"
    assert len(cron["schedules"][0]["next_fires"]) == 3
    assert (cron["exposure"]["daily"], cron["exposure"]["rises"]) == (20.0, True)
    assert data["stopping"] == [{"path": "agents/a.yaml", "why": "deleted", "text": "deleted"}]

    markdown = agent(server, tmp_path, "sync", "plan", str(repo), "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.startswith("### Sync preview: `acme/app` at `")
    assert "**1 to create, 1 to delete** · 1 unchanged" in markdown.stdout
    assert "#### Would stop running" in markdown.stdout

    both = agent(server, tmp_path, "sync", "plan", str(repo), "--json", "--format", "markdown")
    assert both.returncode == 2
    assert "--json means --format json" in both.stderr


def test_against_empty_needs_no_control_plane(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/cron.yaml": CRON, "agents/bad.yaml": "x: ["})
    nowhere = {"ELLIPSIS_API_BASE_URL": "http://127.0.0.1:9", "ELLIPSIS_API_TOKEN": ""}
    plan = agent(server, tmp_path, "sync", "plan", str(repo), "--against-empty", **nowhere)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.startswith(
        "Previewed against an empty state: no control plane was given.\nPlan for acme/app at "
    )
    assert "Summary: 2 to create." in plan.stdout
    markdown = agent(
        server, tmp_path, "sync", "plan", str(repo), "--against-empty", "--format", "markdown",
        **nowhere,
    )  # fmt: skip
    assert "> Previewed against an empty state: no control plane was given.\n" in markdown.stdout
    without = agent(server, tmp_path, "sync", "plan", str(repo), **nowhere)
    assert without.returncode == 2  # without the flag, a plan needs the control plane's token
    assert "ELLIPSIS_API_TOKEN" in without.stderr


def test_planning_another_branch_writes_nothing(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/a.yaml": GOOD, "agents/b.yaml": OTHER})
    assert agent(server, tmp_path, "sync", "apply", str(repo), "--yes").returncode == 0
    git(repo, "checkout", "-q", "-b", "feature")
    commit(repo, {"agents/a.yaml": CRON, "agents/b.yaml": None, "agents/bad.yaml": "x: ["})
    git(repo, "checkout", "-q", "main")
    with FaultProxy(server.url) as proxy:
        plan = agent(
            server, tmp_path, "sync", "plan", str(repo), "--ref", "feature",
            ELLIPSIS_API_BASE_URL=proxy.url,
        )  # fmt: skip
        assert plan.returncode == 0, plan.stderr
        assert "Summary: 1 to update, 1 to delete" in plan.stdout
        assert proxy.forwarded  # it read the control plane...
        assert proxy.writes() == []  # ...and wrote nothing


def test_apply_shows_the_same_preview_as_plan(
    server: LocalServer, repo: Path, tmp_path: Path
) -> None:
    commit(repo, {"agents/cron.yaml": CRON})

    planned = agent(server, tmp_path, "sync", "plan", str(repo))
    applied = agent(server, tmp_path, "sync", "apply", str(repo), "--yes")

    assert applied.returncode == 0, applied.stderr
    assert "every 30 minutes; next" in applied.stdout

    def timeless(text: str) -> str:  # the next firings move on at each half hour
        return re.sub(r"next [^\n]*", "next ...", text)

    assert timeless(applied.stdout).startswith(timeless(planned.stdout))
