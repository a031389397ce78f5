"""What agent-lint and the sync engine say of every path of a repository, from one process.

``python -m tests.sync.verdicts`` reads requests, one JSON line each: ``{"root": DIR,
"synced": [PATH, ...]}``, and answers each with one JSON line: agent-lint's outputs (text and
JSON, as ``agent-lint`` with no path prints them in ``DIR``) and, for the working tree and for
the commit, the sync engine's verdict on each path and its plan as printed (text and JSON),
planned against a control plane holding a config at each of ``synced``. The test starts it
bound by file permissions (``tests.permissions``), so that an unreadable file is unreadable to
both; one process for many repositories keeps the property test fast.
"""

from __future__ import annotations

import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from agentsync.cli.lint import LintArgs, execute
from agentsync.client.records import AgentConfigRecord
from agentsync.sync import report
from agentsync.sync.desired import desired_files
from agentsync.sync.plan import make_plan
from agentsync.sync.sources.git import LocalGitSource

REPOSITORY = "acme/app"
TIMESTAMP = "2024-01-01T00:00:00Z"


def _lint(output_format: str) -> tuple[int, str]:
    args = LintArgs([], output_format, [], 1, None, None, False)
    stdout = io.StringIO()
    return execute(args, stdout, {}), stdout.getvalue()


def _synced(paths: list[str]) -> list[AgentConfigRecord]:
    """A config at each path, as an earlier sync of other content left it."""
    return [
        AgentConfigRecord(
            id=f"cfg-{index}",
            customer_id="local",
            created_at=TIMESTAMP,
            updated_at=TIMESTAMP,
            agent_config={"ellipsis": {"version": "v1"}},
            repository=REPOSITORY,
            path=path,
            sha=f"sha256:{index:064x}",
        )
        for index, path in enumerate(paths)
    ]


def _sync(root: Path, working_tree: bool, synced: list[str]) -> dict[str, Any]:
    source = LocalGitSource(root, repository=REPOSITORY, working_tree=working_tree)
    snapshot = source.snapshot()
    desired = desired_files(snapshot)
    plan = make_plan(REPOSITORY, snapshot.commit, desired, _synced(synced))
    return {
        "files": {
            path: {"status": file.status, "rules": sorted({d["rule"] for d in file.diagnostics})}
            for path, file in desired.items()
        },
        "actions": {
            path: sorted(a.kind for a in plan.actions if a.path == path)
            for path in {action.path for action in plan.actions}
        },
        "outputs": [report.plan_text(plan), json.dumps(report.plan_json(plan))],
    }


def verdicts(root: Path, synced: list[str]) -> dict[str, Any]:
    os.chdir(root)
    code, as_json = _lint("json")
    _, as_text = _lint("text")
    lint = {"exit": code, "files": json.loads(as_json)["files"], "outputs": [as_json, as_text]}
    return {
        "lint": lint,
        "working_tree": _sync(root, True, synced),
        "committed": _sync(root, False, synced),
    }


def main() -> None:
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = verdicts(Path(request["root"]), request["synced"])
        except Exception:  # noqa: BLE001 - the test shows it
            answer = {"error": traceback.format_exc()}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
