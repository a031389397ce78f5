"""What a push costs in GitHub API calls: ``agent serve``'s sync job on a repository of 500
configs where one file changes per push.

Usage (from the repository root, after `make` has built .venv)::

    .venv/bin/python bench/github_calls_bench.py [--configs 500] [--pushes 5]

Everything runs here, bounded: a fake GitHub over a real git repository
(``tests/service/fake_github``), the local control plane, and the service's job runner with its
SQLite database, as a GitHub App installation. The first push reads everything (the cold row,
which is also what every push cost before tokens and blobs were kept); each later push changes
one config. GitHub grants an installation 5,000 requests an hour, so the per-push figure decides
how busy a repository can be. Target: at most 5 calls for a one-file push (commit order, the
repository, the commit, the tree, one blob; the installation token reused). Prints a Markdown
table and a PASS/FAIL line; exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer, ServerOptions
from agentsync.service.github.credentials import AppCredentials
from agentsync.service.jobs import JobRunner
from agentsync.service.store_sqlite import SQLiteServiceStore
from tests.service.fake_github import FakeGitHub
from tests.service.support import private_pem

API_KEY = "bench-api-key-0123456789"
REPO = "octo-org/busy-agents"
APP_ID, INSTALLATION = 321, 42
TARGET = 5


def config(n: int, revision: int = 0) -> str:
    return (
        f"ellipsis:\n  version: v1\n  name: Agent {n}\n"
        f"claude:\n  system: Carry out task {n}, revision {revision}.\n"
    )


def kind(method: str, path: str) -> str:
    """A request's endpoint, without the ids in its path."""
    if path.startswith("/app/installations/"):
        return "POST access_tokens"
    segments = path.removeprefix(f"/repos/{REPO}").split("?")[0].strip("/").split("/")
    if segments == [""]:
        return f"{method} repository"
    return f"{method} /{'/'.join(segments[:2] if segments[0] == 'git' else segments[:1])}"


def credentials() -> tuple[AppCredentials, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return AppCredentials(APP_ID, private_pem(key)), key


def run(configs: int, pushes: int, root: Path) -> list[Counter[str]]:
    """The calls of each push, by endpoint."""
    app, key = credentials()
    server_options = ServerOptions(
        db=str(root / "control-plane.db"), api_tokens=[API_KEY], cron_interval=None
    )
    per_push: list[Counter[str]] = []
    with (
        FakeGitHub(root / "github") as github,
        LocalServer(server_options) as control_plane,
        Client(control_plane.url, API_KEY) as client,
    ):
        github.install_app(APP_ID, key.public_key(), INSTALLATION)
        repo = github.create_repo(REPO, {f"agents/a{n:03}.yaml": config(n) for n in range(configs)})
        store = SQLiteServiceStore(root / "service.db")
        runner = JobRunner(store, app, client, github.url, seconds_between_writes=0)
        for push in range(pushes):
            if push:
                repo.commit({f"agents/a{push:03}.yaml": config(push, revision=push)})
            github.requests.clear()
            outcome = runner.sync(REPO, INSTALLATION, lambda: None)
            assert outcome == "applied", outcome
            assert client.get_repository_commit(REPO) == repo.head()
            per_push.append(Counter(kind(r.method, r.path) for r in github.requests))
        store.close()
    return per_push


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n\n")[0])
    parser.add_argument("--configs", type=int, default=500)
    parser.add_argument("--pushes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        per_push = run(args.configs, max(args.pushes, 2), Path(temporary))
    kinds = sorted(set().union(*per_push))
    print(f"GitHub calls per push, {args.configs} configs, one file changed per push\n")
    print("| push | " + " | ".join(kinds) + " | total |")
    print("|---" * (len(kinds) + 2) + "|")
    for number, calls in enumerate(per_push, 1):
        label = "1 (cold)" if number == 1 else str(number)
        row = " | ".join(str(calls[k]) for k in kinds)
        print(f"| {label} | {row} | {sum(calls.values())} |")
    worst = max(sum(calls.values()) for calls in per_push[1:])
    verdict = "PASS" if worst <= TARGET else "FAIL"
    print(f"\n{verdict}: at most {worst} calls for a one-file push (target: {TARGET})")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    raise SystemExit(main())
