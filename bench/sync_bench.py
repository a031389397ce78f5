"""Sync engine benchmark, on loopback, bounded: plan and apply of a repository of 1,000 configs
with 0, 10 and 1,000 changes, timed separately, with every HTTP call counted by kind.

Usage (from the repository root, after `make` has built .venv)::

    .venv/bin/python bench/sync_bench.py [--configs 1000] [--some 10]

It commits ``--configs`` distinct valid configs under ``agents/`` of a fresh git repository in a
temp dir, starts a ``LocalServer`` (SQLite file in the same temp dir, dry-run runner) and syncs
that repository with ``LocalGitSource``, the way ``agent sync plan`` / ``agent sync apply`` do:

- **plan**: ``plan_sync`` (git snapshot, validation, one paginated listing, the plan);
- **apply**: ``check_order`` then ``apply_plan`` on that plan (what ``agent sync apply`` runs
  after its own plan).

Scenarios, in order: the initial apply (every config a create), then 0 changes, then ``--some``
edited files in one commit, then every file edited in one commit. A transport wrapper passed to
``Client(transport=...)`` counts the calls by method and the server's route template. Targets:
no config write for 0 changes (the apply still records the applied commit with one
``PUT /v1/sync/repositories/{owner}/{name}``, counted apart), exactly N config writes for N
changes, and at most ``configs // page size + 1`` listing calls per plan (page size: the
default of ``read_actual``). Prints Markdown tables and PASS/FAIL lines; exits 1 on a FAIL.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import httpx
from fastapi.routing import APIRoute

from agentsync.client.api import Client
from agentsync.localserver.server import LocalServer, ServerOptions
from agentsync.sync.apply import apply_plan
from agentsync.sync.engine import check_order, plan_sync, read_actual
from agentsync.sync.sources.git import LocalGitSource
from agentsync.sync.state import SyncState

TOKEN = "bench-token"
REPOSITORY = "bench/sync"
PAGE_SIZE: int = inspect.signature(read_actual).parameters["page_size"].default
LIST = "GET /v1/sync/configs"
COMMIT_PUT = "PUT /v1/sync/repositories/{owner}/{name}"
# Calls that change a config: the sync API's writes (the repository commit is not one).
CONFIG_WRITES = frozenset(
    {
        "PUT /v1/sync/configs",
        "DELETE /v1/sync/configs/{config_id}",
        "POST /v1/sync/configs/{config_id}/move",
        "POST /v1/sync/configs/{config_id}/restore",
        "POST /v1/sync/configs/{config_id}/error",
    }
)
GIT_ENV = {
    **os.environ,
    "LC_ALL": "C",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


class CountingTransport(httpx.BaseTransport):
    """Forwards to ``inner`` and counts each request as ``METHOD /route/{template}``."""

    def __init__(
        self, inner: httpx.BaseTransport, routes: Iterable[tuple[str, re.Pattern[str], str]]
    ) -> None:
        self.inner = inner
        self.routes = list(routes)
        self.calls: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()

    def kind(self, method: str, path: str) -> str:
        for route_method, pattern, template in self.routes:
            if route_method == method and pattern.match(path):
                return f"{method} {template}"
        return f"{method} {path} (no route)"

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        kind = self.kind(request.method, request.url.path)
        self.calls[kind] += 1
        response = self.inner.handle_request(request)
        if response.status_code >= 400:
            self.errors[f"{kind} -> {response.status_code}"] += 1
        return response

    def take(self) -> Counter[str]:
        """The calls since the last ``take``."""
        calls, self.calls = self.calls, Counter()
        return calls

    def close(self) -> None:
        self.inner.close()


def route_templates(server: LocalServer) -> list[tuple[str, re.Pattern[str], str]]:
    """(method, path regex, path template) of every route the server declares."""
    return [
        (method, route.path_regex, route.path)
        for route in server.app.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods or ())
    ]


def config_text(index: int, revision: int) -> str:
    """A distinct valid config; a new ``revision`` changes its content identity."""
    return f"""\
ellipsis:
  version: v1
  name: Bench agent {index:04d}
  description: Benchmark agent {index}, revision {revision}.
triggers:
  - type: mention
    platforms: [github]
sandbox:
  repositories:
    - name: repo-{index % 10}
claude:
  system: |
    You are benchmark agent {index} (revision {revision}).
    Answer questions about repo-{index % 10}.
"""


def config_path(index: int) -> str:
    return f"agents/team-{index % 10:02d}/agent-{index:04d}.yaml"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], env=GIT_ENV, check=True, capture_output=True)


def write_and_commit(repo: Path, indexes: Iterable[int], revision: int, message: str) -> None:
    for index in indexes:
        path = repo / config_path(index)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(config_text(index, revision), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


class Measure(NamedTuple):
    scenario: str
    expected_writes: int
    existing: int  # configs on the control plane before the plan
    actions: Counter[str]
    plan_seconds: float
    apply_seconds: float
    plan_calls: Counter[str]
    apply_calls: Counter[str]
    applied: int
    failed: int

    @property
    def config_writes(self) -> int:
        calls = self.plan_calls + self.apply_calls
        return sum(count for kind, count in calls.items() if kind in CONFIG_WRITES)

    @property
    def list_calls(self) -> int:
        return self.plan_calls[LIST]

    @property
    def list_budget(self) -> int:
        return self.existing // PAGE_SIZE + 1


def sync_once(
    scenario: str,
    expected_writes: int,
    existing: int,
    source: LocalGitSource,
    client: Client,
    state: SyncState,
    counter: CountingTransport,
) -> Measure:
    counter.take()
    start = time.perf_counter()
    run = plan_sync(source, client)
    planned = time.perf_counter()
    plan_calls = counter.take()
    last = check_order(source, client, run.snapshot)
    result = apply_plan(run.plan, client, state, last_applied=last)
    applied = time.perf_counter()
    apply_calls = counter.take()
    return Measure(
        scenario,
        expected_writes,
        existing,
        Counter(action.kind for action in run.plan.actions),
        planned - start,
        applied - planned,
        plan_calls,
        apply_calls,
        len(result.done),
        len(result.failed),
    )


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(measures: list[Measure], counter: CountingTransport) -> bool:
    print("\n| scenario | plan actions | plan | apply | config writes | commit PUT | list calls |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for m in measures:
        actions = ", ".join(f"{kind} {count}" for kind, count in sorted(m.actions.items()))
        print(
            f"| {m.scenario} | {actions} | {m.plan_seconds:.2f} s | {m.apply_seconds:.2f} s "
            f"| {m.config_writes} | {m.apply_calls[COMMIT_PUT]} | {m.list_calls} |"
        )

    kinds = sorted({kind for m in measures for kind in m.plan_calls + m.apply_calls})
    print("\nHTTP calls by kind (method + route template):\n")
    print("| scenario | phase | " + " | ".join(f"`{kind}`" for kind in kinds) + " |")
    print("|---|---|" + "---:|" * len(kinds))
    for m in measures:
        for phase, calls in (("plan", m.plan_calls), ("apply", m.apply_calls)):
            print(f"| {m.scenario} | {phase} | " + " | ".join(str(calls[k]) for k in kinds) + " |")

    print()
    passed = True
    for m in measures:
        writes = f"{m.config_writes} config writes (target == {m.expected_writes})"
        listing = (
            f"{m.list_calls} list calls for {m.existing} configs "
            f"(target <= {m.existing} // {PAGE_SIZE} + 1 = {m.list_budget})"
        )
        done = (
            f"apply did {m.applied} write(s), {m.failed} failed "
            f"(target {m.expected_writes} done, 0 failed)"
        )
        checks = [
            (m.config_writes == m.expected_writes, f"{m.scenario}: {writes}"),
            (m.list_calls <= m.list_budget, f"{m.scenario}: {listing}"),
            (m.applied == m.expected_writes and not m.failed, f"{m.scenario}: {done}"),
        ]
        for ok, text in checks:
            passed &= ok
            print(f"{text} {verdict(ok)}")
    errors = sum(counter.errors.values())
    print(f"HTTP error responses: {errors} (target 0) {verdict(not errors)}")
    for kind, count in sorted(counter.errors.items()):
        print(f"  {kind}: {count}")
    return passed and not errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=1000, help="config files in the repo")
    parser.add_argument("--some", type=int, default=10, help="files edited in the middle run")
    args = parser.parse_args()
    if not 1 <= args.configs <= 10_000 or not 0 <= args.some <= args.configs:
        parser.error("need 1 <= --configs <= 10000 and 0 <= --some <= --configs")

    python = os.path.relpath(sys.executable) if sys.executable.startswith(os.getcwd()) else "python"
    print("$ " + shlex.join([python, *sys.argv]))
    git_version = subprocess.run(
        ["git", "--version"], capture_output=True, text=True, check=True
    ).stdout
    print(
        f"{args.configs} configs, page size {PAGE_SIZE} (read_actual's default), "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {git_version.strip()}"
    )

    every = range(args.configs)
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as scratch:
        repo = Path(scratch) / "repo"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        write_and_commit(repo, every, 0, f"{args.configs} configs")
        options = ServerOptions(
            db=str(Path(scratch) / "cp.db"),
            api_tokens=[TOKEN],
            key_file=Path(scratch) / "vault.key",
            cron_interval=None,  # the configs have no schedules: keep cron ticks off the clock
        )
        state = SyncState(Path(scratch) / "sync-state.json")
        source = LocalGitSource(repo, repository=REPOSITORY)
        with LocalServer(options) as server:
            counter = CountingTransport(httpx.HTTPTransport(), route_templates(server))
            with Client(server.url, TOKEN, transport=counter, environ={}) as client:

                def sync(scenario: str, writes: int, existing: int) -> Measure:
                    return sync_once(scenario, writes, existing, source, client, state, counter)

                measures = [sync("initial", args.configs, 0), sync("0 changes", 0, args.configs)]
                write_and_commit(repo, range(args.some), 1, f"edit {args.some} configs")
                measures.append(sync(f"{args.some} changes", args.some, args.configs))
                write_and_commit(repo, every, 2, f"edit {args.configs} configs")
                measures.append(sync(f"{args.configs} changes", args.configs, args.configs))
    return 0 if report(measures, counter) else 1


if __name__ == "__main__":
    raise SystemExit(main())
