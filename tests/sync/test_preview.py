# ruff: noqa: RUF001 - the budget lines multiply with the multiplication sign
"""The sync preview: a real repository synced to the real local control plane, then a commit
previewed against it (schedules in words, budget exposure, agents switched off or deleted), in
text, JSON and Markdown."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentsync.client.api import Client
from agentsync.sync import report
from agentsync.sync.engine import plan_snapshot, plan_sync, read_actual
from agentsync.sync.plan import with_adopted
from agentsync.sync.preview import (
    Preview,
    build_preview,
    preview_json,
    preview_markdown,
    preview_text,
)
from agentsync.sync.preview.model import FilePreview
from agentsync.sync.preview.phrases import AGAINST_EMPTY
from agentsync.sync.sources.git import LocalGitSource
from tests.sync.support import SyncedRepo

REPO = "acme/app"
NOW = datetime(2026, 12, 4, 7, 3, tzinfo=UTC)  # a Friday


def agent(
    system: str,
    *,
    schedule: str | None = None,
    limits: str = "",
    enabled: bool = True,
    react: bool = False,
) -> str:
    triggers = []
    if schedule is not None:
        triggers.append(f"  - type: cron\n    schedule: {schedule!r}\n")
    if react:
        triggers.append("  - type: react\n    events:\n      - event: push\n")
    text = "ellipsis: {version: v1}\n"
    text += f"enabled: {'true' if enabled else 'false'}\n"
    text += "triggers:\n" + "".join(triggers) if triggers else ""
    text += f"claude:\n  system: {system}\n"
    return text + (f"limits: {{{limits}}}\n" if limits else "")


@pytest.fixture
def synced(tmp_path: Path, client: Client) -> SyncedRepo:
    repo = SyncedRepo(tmp_path, client, REPO)
    run = repo.commit_and_sync(
        {
            "agents/nightly.yaml": agent("Tidy.", schedule="0 9 * * *", limits="run: 2, day: 20"),
            "agents/hourly.yaml": agent("Check.", schedule="@hourly", limits="run: 1, day: 5"),
            "agents/pusher.yaml": agent("React.", react=True, limits="run: 3, day: 30"),
            "agents/old.yaml": agent("Old job.", schedule="*/30 * * * *", limits="run: 1"),
            "agents/same.yaml": agent("Stay."),
        }
    )
    assert run.result is not None
    assert run.result.ok
    return repo


def preview_of(repo: SyncedRepo, files: dict[str, str | None]) -> Preview:
    repo.git.commit(files)
    source = LocalGitSource(repo.git.root, repository=REPO)
    run = plan_sync(source, repo.client)
    return build_preview(run, NOW)


def by_path(preview: Preview) -> dict[str, FilePreview]:
    return {file.action.path: file for file in preview.files}


def test_preview_of_a_merge(synced: SyncedRepo) -> None:
    preview = preview_of(
        synced,
        {
            "agents/new.yaml": agent("New.", schedule="*/30 * * * *", limits="run: 2, day: 20"),
            "agents/nightly.yaml": agent(
                "Tidy.", schedule="0 9,17 * * 1", limits="run: 2, day: 20"
            ),
            "agents/hourly.yaml": agent("Check.", schedule="@hourly", enabled=False),
            "agents/pusher.yaml": agent("React.", react=True, limits="run: 3"),
            "agents/old.yaml": None,
        },
    )
    text = preview_text(preview)
    assert text.startswith("Plan for acme/app at ")
    assert (
        "      schedule '*/30 * * * *': every 30 minutes; next 2026-12-04 07:30 UTC, "
        "2026-12-04 08:00 UTC, 2026-12-04 08:30 UTC\n"
        "      budget: up to 48 runs a day × $2 = $96, capped by limits.day at $20 "
        "(new exposure)\n"
    ) in text
    assert (
        "      schedule '0 9,17 * * 1' (was '0 9 * * *'): at 09:00 and 17:00 UTC on Monday; "
        "next 2026-12-07 09:00 UTC, 2026-12-07 17:00 UTC, 2026-12-14 09:00 UTC\n"
        "      budget: up to 2 runs a day × $2 = $4, within limits.day of $20 "
        "(rises from $2 a day)\n"
    ) in text
    assert "      budget: disabled: it does not run\n      now disabled: it stops running\n" in text
    assert "      limits.day removed: the account default applies\n" in text
    assert (
        "a run on each event or mention, each up to $3, no limits.day of its own "
        "(the account default applies) (rises: was at most $30 a day)"
    ) in text
    assert text.endswith(
        "Would stop running:\n"
        "  agents/hourly.yaml (disabled)\n"
        "  agents/old.yaml (deleted: its cron schedule stops)\n"
    )
    full = preview_markdown(preview)
    short = preview_markdown(preview, max_chars=len(full) - 1)
    assert re.search(r"\n- update `agents/hourly\.yaml` \(`agent_\w+`\): now disabled: it stops "
                     r"running; limits.run, limits.day removed: the account defaults apply\n",
                     short)  # fmt: skip
    assert re.search(r"\n- delete `agents/old\.yaml` \(`agent_\w+`\): deleted: its cron", short)
    files = by_path(preview)
    assert [path for path, file in files.items() if file.exposure and file.exposure.rises] == [
        "agents/new.yaml",
        "agents/nightly.yaml",
        "agents/pusher.yaml",
    ]


def test_deleting_a_disabled_agent_stops_nothing(synced: SyncedRepo) -> None:
    disabled = agent("Check.", schedule="@hourly", limits="run: 1, day: 5", enabled=False)
    assert synced.commit_and_sync({"agents/hourly.yaml": disabled}).plan.count("update") == 1
    preview = preview_of(synced, {"agents/hourly.yaml": None, "agents/old.yaml": None})
    assert [file.action.path for file in preview.stopping] == ["agents/old.yaml"]
    assert by_path(preview)["agents/hourly.yaml"].action.kind == "soft-delete"


def test_the_json_keeps_every_key_of_the_plan_and_adds_the_preview(synced: SyncedRepo) -> None:
    preview = preview_of(
        synced, {"agents/hourly.yaml": agent("Check.", schedule="rate(5 minutes)", limits="run: 1")}
    )
    data = preview_json(preview)
    plain = report.plan_json(preview.plan, preview.ref)
    assert set(plain) < set(data)
    for entry, plan_entry in zip(data["actions"], plain["actions"], strict=True):
        assert {key: entry[key] for key in plan_entry} == plan_entry
    (hourly,) = [a for a in data["actions"] if a["path"] == "agents/hourly.yaml"]
    assert hourly["schedules"] == [
        {
            "expression": "rate(5 minutes)",
            "before": "@hourly",
            "words": "every 5 minutes",
            "next_fires": [
                "2026-12-04T07:05:00+00:00",
                "2026-12-04T07:10:00+00:00",
                "2026-12-04T07:15:00+00:00",
            ],
            "next_fires_text": [
                "2026-12-04 07:05 UTC",
                "2026-12-04 07:10 UTC",
                "2026-12-04 07:15 UTC",
            ],
        }
    ]
    exposure = hourly["exposure"]
    assert (exposure["fires_per_day"], exposure["daily"], exposure["before"]) == (288, 288.0, 5.0)
    assert exposure["rises"] is True
    assert hourly["limits_removed"] == ["day"]
    assert data["against_empty"] is False
    assert data["stopping"] == []


def test_markdown_preview(synced: SyncedRepo) -> None:
    preview = preview_of(
        synced,
        {
            "agents/new.yaml": agent("New.", schedule="0 3 * * 1-5", limits="run: 2"),
            "agents/broken.yaml": "ellipsis: {version: v2}\nclaude:\n  system: x\n",
            "agents/old.yaml": None,
        },
    )
    markdown = preview_markdown(preview)
    commit = preview.plan.commit[:12]
    assert markdown.startswith(f"### Sync preview: `acme/app` at `{commit}` (`HEAD`)\n\n")
    assert "**1 to create, 1 to delete, 1 invalid** · 4 unchanged" in markdown
    assert "#### Create (1)\n\n- `agents/new.yaml`\n" in markdown
    assert "schedule `0 3 * * 1-5`: **at 03:00 UTC on weekdays**; next 2026-12-07 03:00 UTC" in (
        markdown
    )
    assert "budget: up to 1 run a day × $2 = $2 (new exposure)" in markdown
    assert "#### Invalid new file: no agent is created (1)" in markdown
    assert re.search(r"- agents/broken\.yaml:1:\d+: .*\\\[version\\\]", markdown)
    assert "#### Would stop running\n\n- `agents/old.yaml` (`" in markdown


def test_markdown_fits_in_max_chars(synced: SyncedRepo) -> None:
    files: dict[str, str | None] = {
        f"agents/many/{n:03d}.yaml": agent(f"Task {n}.", schedule=f"{n % 60} * * * *")
        for n in range(120)
    }
    preview = preview_of(synced, files)
    full = preview_markdown(preview)
    assert preview_markdown(preview, max_chars=len(full)) == full
    short = preview_markdown(preview, max_chars=4000)
    assert len(short) <= 4000
    assert short.startswith(full.split("\n\n")[0])  # the same heading
    assert "- create `agents/many/000.yaml`: every hour; budget: new exposure\n" in short
    minute_one = "- create `agents/many/001.yaml`: every hour at minute 1; budget: new exposure\n"
    assert minute_one in short
    listed = short.count("\n- create ")
    assert short.endswith(f"… {120 - listed} more files not shown\n")


def test_a_preview_against_an_empty_state_creates_every_valid_file(synced: SyncedRepo) -> None:
    snapshot = LocalGitSource(synced.git.root, repository=REPO).snapshot()
    run = plan_snapshot(snapshot, [])
    preview = build_preview(run, NOW, against_empty=True)
    assert preview.plan.count("create") == len(snapshot.files)
    assert preview_text(preview).startswith(AGAINST_EMPTY + "\nPlan for acme/app")
    assert f"> {AGAINST_EMPTY}" in preview_markdown(preview)
    assert preview_json(preview)["against_empty"] is True


def test_an_adopting_plan_previews_each_create_as_new_beside_the_old_names_delete(
    synced: SyncedRepo, client: Client
) -> None:
    old = read_actual(client, REPO)
    snapshot = LocalGitSource(synced.git.root, repository="acme/renamed").snapshot()
    run = plan_snapshot(snapshot, [])
    run = run._replace(plan=with_adopted(run.plan, REPO, old), actual=tuple(old))

    preview = build_preview(run, NOW)

    nightly = [f for f in preview.files if f.action.path == "agents/nightly.yaml"]
    kinds = {f.action.kind: f for f in nightly}
    assert set(kinds) == {"create", "soft-delete"}
    exposure = kinds["create"].exposure
    assert exposure is not None
    assert exposure.before == 0  # new under this name: it had nothing before
    assert kinds["soft-delete"].stops == "deleted"
    assert kinds["soft-delete"].action.repository == REPO
    markdown = preview_markdown(preview)
    assert f"`{REPO}` `agents/nightly.yaml`" in markdown  # the delete names the old repository


def test_a_changed_value_cannot_fake_or_hide_output(synced: SyncedRepo) -> None:
    """A value's characters that are not printable (a bidi override, a line separator, C1
    controls such as the one-byte CSI, DEL) are escaped in the plan's text and Markdown, as
    names are: JSON alone leaves them raw."""
    system = '"Tidy\\u202e.\\u2028x\\x85\\x9b2J\\x7f"'
    preview = preview_of(
        synced, {"agents/nightly.yaml": agent(system, schedule="0 9 * * *", limits="run: 2")}
    )
    (change,) = [c for c in preview.plan.actions[0].diff if c.field == "claude.system"]
    assert "\u202e" in change.after  # the plan holds the value itself
    shown = r'"Tidy\u202e.\u2028x\x85\x9b2J\x7f"'
    text = report.plan_text(preview.plan)
    assert f'      claude.system: "Tidy." -> {shown}\n' in text + "\n"
    assert f'- `claude.system`: `"Tidy." -> {shown}`\n' in preview_markdown(preview)
    for output in (text, preview_markdown(preview)):
        assert all(line.isprintable() for line in output.split("\n"))


def test_a_message_naming_cron_macros_mentions_nobody(synced: SyncedRepo) -> None:
    """GitHub reads @hourly in a comment as a mention of the user "hourly"."""
    broken = agent("Tidy.", schedule="@hourli")
    markdown = preview_markdown(preview_of(synced, {"agents/nightly.yaml": broken}))
    (line,) = [line for line in markdown.splitlines() if "[cron-schedule" in line]
    assert "unknown macro @\u200bhourli; use one of @\u200byearly" in line
    assert re.search(r"(?<!\w)[@#](?!\u200b)", line) is None


def test_what_the_control_plane_sends_cannot_fake_or_hide_output(
    synced: SyncedRepo, tmp_path: Path
) -> None:
    """An id and a key of a stored config come from the control plane: their characters that
    are not printable are escaped in the plan's text and Markdown, as a file's name is."""
    hostile = "agent_x\n# Heading\x1b[2J\u202e"
    with sqlite3.connect(tmp_path / "control-plane.db") as db:
        db.execute(
            "UPDATE configs SET id = ?, agent_config = json_set(agent_config, ?, 1) "
            "WHERE path = 'agents/nightly.yaml'",
            (hostile, '$."key\n# Heading\x1b[2J"'),
        )
    db.close()
    preview = preview_of(synced, {"agents/nightly.yaml": agent("Tidy up.", schedule="0 9 * * *")})
    (action,) = [a for a in preview.plan.actions if a.path == "agents/nightly.yaml"]
    assert action.config_id == hostile
    text, markdown = report.plan_text(preview.plan), preview_markdown(preview)
    assert r"update (agent_x\n# Heading\x1b[2J\u202e)" in text
    assert r"      key\n# Heading\x1b[2J: 1 -> null" in text
    assert r"- `agents/nightly.yaml` (`agent_x\n# Heading\x1b[2J\u202e`)" in markdown
    assert r"  - `key\n# Heading\x1b[2J`: `1 -> null`" in markdown
    for output in (text, markdown):
        assert all(line.isprintable() for line in output.split("\n"))
        assert "\n# Heading" not in output
