"""Lint and sync agree on every file, whatever its encoding or syntax: valid, invalid or
ignored alike. A config saved in another encoding, or broken in any style, is invalid: an
orphan error when new, its last good config kept when it had one, never skipped in silence.

Real git repositories (the files committed as bytes), agent-lint's own file walk, the real
local control plane on loopback.
"""

from __future__ import annotations

from pathlib import Path

from agentsync.client.api import Client
from agentsync.lint.runner import collect_targets, lint_targets
from agentsync.lint.settings import Settings
from agentsync.sync.desired import desired_files
from agentsync.sync.sources.git import LocalGitSource
from tests.sync.support import Git, SyncedRepo, valid_text

REPO = "acme/app"
CONFIG = "ellipsis:\n  version: v1\nclaude:\n  system: Review the diff.\n"
OTHER = "snippets:\n  tone: brief\n"

# path: (content, what lint and sync must both say)
FILES: dict[str, tuple[bytes, str]] = {
    "agents/utf8.yaml": (CONFIG.encode(), "valid"),
    "agents/utf8-byte-order-mark.yaml": (CONFIG.encode("utf-8-sig"), "valid"),
    "agents/utf16.yaml": (CONFIG.encode("utf-16"), "invalid"),
    "agents/utf16-big-endian-no-mark.yaml": (CONFIG.encode("utf-16-be"), "invalid"),
    "agents/utf32.yaml": (CONFIG.encode("utf-32"), "invalid"),
    "agents/utf16-not-an-agent.yaml": (OTHER.encode("utf-16"), "ignored"),
    "agents/latin1.yaml": (CONFIG.replace("diff", "café").encode("latin-1"), "invalid"),
    "agents/bell.yaml": (CONFIG.replace("diff", "diff\x07").encode(), "invalid"),
    "agents/line-separator.yaml": (CONFIG.replace("Review", '"Re\u2028view').encode(), "invalid"),
    "agents/line-separator-quoted.yaml": (
        CONFIG.replace("Review the diff.", '"Review\u2028the diff."').encode(),
        "valid",
    ),
    "agents/json-broken.yaml": (
        b'{"ellipsis": {"version": "v1"}, "claude": {"system": "x" "y"}}\n',
        "invalid",
    ),
    "agents/json-broken-key-last.yaml": (
        b'{\n  "claude": {"system": "x" "y"},\n  "ellipsis": {}\n}\n',
        "invalid",
    ),
    "agents/json-broken-not-an-agent.yaml": (b'{"snippets": {"tone": "x" "y"}}\n', "ignored"),
    "agents/colon-in-value.yaml": (CONFIG.replace("Review", "Note: review").encode(), "invalid"),
    # Names that are not UTF-8 (byte 0xE9, Latin-1's e-acute; git and the disk give them as
    # bytes, surrogates here): the control plane names a config by its path, as text.
    "agents/caf\udce9.yaml": (CONFIG.encode(), "invalid"),
    "agents/caf\udce9/a.yaml": (CONFIG.encode(), "invalid"),
    "agents/caf\udce9-not-an-agent.yaml": (OTHER.encode(), "ignored"),
}


def test_lint_and_sync_agree_on_every_file(tmp_path: Path) -> None:
    git = Git(tmp_path / "repo")
    git.commit({path: content for path, (content, _) in FILES.items()})
    snapshot = LocalGitSource(git.root, repository=REPO).snapshot()
    assert {path: snapshot.files[path] for path in FILES} == {p: c for p, (c, _) in FILES.items()}
    synced = {path: file.status for path, file in desired_files(snapshot).items()}
    targets = collect_targets([], git.root, git.root)
    linted = {file.path: file.status for file in lint_targets(targets, Settings(), jobs=1).files}
    expected = {path: status for path, (_, status) in FILES.items()}
    assert synced == expected
    assert linted == expected


def test_a_config_saved_in_another_encoding_keeps_its_last_good_version(
    tmp_path: Path, client: Client
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    repo.commit_and_sync({"agents/a.yaml": valid_text(1), "agents/b.yaml": valid_text(2)})
    run = repo.commit_and_sync(
        {
            "agents/a.yaml": valid_text(3).encode("utf-16"),
            "agents/b.yaml": valid_text(4).replace("Carry", "Note: carry").encode(),
            "agents/c.yaml": FILES["agents/json-broken.yaml"][0],
            "agents/d.yaml": valid_text(5).encode("utf-32"),
        },
    )
    assert run.result is not None
    assert run.result.ok
    assert {a.path: a.kind for a in run.plan.actions} == {
        "agents/a.yaml": "keep-last-good",
        "agents/b.yaml": "keep-last-good",
        "agents/c.yaml": "orphan-error",
        "agents/d.yaml": "orphan-error",
    }
    kept = {c.path: c for c in client.iter_sync_configs(repository=REPO)}
    assert kept["agents/a.yaml"].agent_config["ellipsis"]["name"] == "Agent 1"
    error = kept["agents/a.yaml"].sync_error
    assert error is not None
    (diagnostic,) = error.diagnostics
    assert (diagnostic["rule"], diagnostic["line"], diagnostic["column"]) == ("syntax", 1, 1)
    assert diagnostic["message"] == "the file is UTF-16 (little-endian), not UTF-8: " + (
        "agent configs must be UTF-8"
    )
    orphans = repo.state.orphans(REPO)
    assert [d["message"] for d in orphans["agents/c.yaml"]["diagnostics"]] == [
        "a ',' is missing before this entry"
    ]


def test_a_config_whose_name_is_not_utf8_is_invalid_and_the_others_are_applied(
    tmp_path: Path, client: Client
) -> None:
    repo = SyncedRepo(tmp_path, client, REPO)
    run = repo.commit_and_sync({"agents/a.yaml": valid_text(1), "agents/\udcff.yaml": CONFIG})
    assert run.result is not None
    assert run.result.ok
    assert {a.path: a.kind for a in run.plan.actions} == {
        "agents/a.yaml": "create",
        "agents/\udcff.yaml": "orphan-error",
    }
    assert [c.path for c in client.iter_sync_configs(repository=REPO)] == ["agents/a.yaml"]
    (diagnostic,) = repo.state.orphans(REPO)["agents/\udcff.yaml"]["diagnostics"]
    assert (diagnostic["rule"], diagnostic["message"]) == (
        "unreadable",
        "cannot read this file's name: it is not UTF-8",
    )
