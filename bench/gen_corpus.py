#!/usr/bin/env python3
"""Deterministic generator of a synthetic agent-config corpus for benchmarks.

Usage: python gen_corpus.py DIR N [--seed S]

Writes N agent config YAML files (about 40-80 lines each) under DIR/agents/
(about 80%) and DIR/.ellipsis/agents/sub/ (about 20%), plus
DIR/corpus-manifest.json which records, for every file, the injected defect
(or null for a valid file).  File i depends only on (seed, i), so the corpus
for N=1000 is a prefix of the corpus for N=10000.

About 5% of files carry exactly one defect:
  empty_system        claude.system is empty / whitespace / null
  bad_cron            cron schedule out of range or wrong field count
  branches_non_push   `branches:` filter on a react event other than push
  no_ellipsis_block   no top-level `ellipsis:` key (not an agent config:
                      a linter should IGNORE it, a schema validator flags it)

The shape follows the platform's config reference:
ellipsis / enabled / triggers / sandbox / claude / limits / structured_output
at the top level; valid files are valid under every rule of that reference.
  bad_version         version other than v1 (v2, v0, or the integer 1)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys

DEFECTS = ["empty_system", "bad_cron", "branches_non_push", "no_ellipsis_block", "bad_version"]
DEFECT_RATE = 0.05

WORDS = [
    "dependency",
    "audit",
    "triage",
    "review",
    "release",
    "docs",
    "flaky",
    "test",
    "security",
    "license",
    "changelog",
    "migration",
    "oncall",
    "backlog",
    "label",
    "stale",
    "cleanup",
    "coverage",
    "perf",
    "schema",
    "api",
    "infra",
    "billing",
    "search",
    "mobile",
    "web",
]
TEAMS = [
    "platform",
    "infra",
    "payments",
    "growth",
    "devex",
    "security",
    "data",
    "mobile",
    "web",
    "sre",
]
OWNERS = [
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
    "heidi",
    "ivan",
    "judy",
    "mallory",
    "oscar",
    "peggy",
    "trent",
]
ORGS = ["acme", "globex", "initech", "umbrella", "hooli"]
REPOS = [
    "api",
    "web",
    "mobile",
    "infra",
    "docs",
    "billing",
    "search",
    "auth",
    "gateway",
    "worker",
    "sdk-python",
    "sdk-js",
    "monorepo",
]
MODELS = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"]
GOOD_CRONS = [
    "rate(30 minutes)",
    "cron(0 9 ? * MON-FRI *)",
    "0 9 * * 1-5",
    "*/15 * * * *",
    "30 2 * * *",
    "0 */6 * * *",
    "15 14 1 * *",
    "0 0 * * 0",
    "0 8-18/2 * * 1-5",
    "45 23 * * 5",
    "0 12 1,15 * *",
    "5 4 * * sun",
]
BAD_CRONS = [
    "0 25 * * 1-5",
    "61 * * * *",
    "0 9 * *",
    "0 9 * * 8",
    "every weekday at 9",
    "0 9 31 2 *",
    "*/0 * * * *",
]
TIMEZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo"]
BRANCH_GLOBS = [
    '"main"',
    '"release/**"',
    '"feature/*"',
    '"hotfix/v[0-9]*"',
    '"develop"',
    '"v*.*.*"',
]
NON_PUSH_EVENTS = [
    "pull_request_open",
    "pull_request_merge",
    "pull_request_push",
    "pull_request_comment",
    "issue_open",
    "issue_close",
]
PR_ACTIONS = ["opened", "synchronize", "reopened", "ready_for_review", "labeled"]
ISSUE_ACTIONS = ["opened", "labeled", "edited", "reopened", "closed"]
VARS = [
    ("LOG_LEVEL", ["info", "debug", "warn"]),
    ("REGION", ["us-east-1", "eu-west-1", "ap-northeast-1"]),
    ("MAX_FILES", ['"50"', '"200"', '"1000"']),
    ("DRY_RUN", ['"true"', '"false"']),
    ("DEFAULT_BRANCH", ["main", "trunk"]),
    ("TICKET_PREFIX", ["OPS", "ENG", "SEC"]),
]
PROMPT_SENTENCES = [
    "You are a careful senior engineer working on the {repo} repository.",
    "Read the diff and the surrounding code before you comment on anything.",
    "Only report problems you can point to with a file path and line number.",
    "Prefer small, reviewable suggestions over large rewrites.",
    "Never push to protected branches; open a pull request instead.",
    "If the change touches {topic}, check the related tests and docs too.",
    "Summarise your findings for the {team} team in plain language.",
    "When you are unsure, say so and list what you would need to decide.",
    "Respect the repository's existing style, naming and layout.",
    "Group related findings; do not repeat the same remark per line.",
    "Link every finding to the commit or issue that introduced it.",
    "Keep the total response under 400 words unless asked otherwise.",
    "Do not include secrets, tokens or personal data in your output.",
    "Escalate to @{owner} if you find a security-sensitive problem.",
    "Use the structured output schema exactly; do not add extra fields.",
]
OUTPUT_FIELDS = [
    ("summary", "string"),
    ("risk", "enum"),
    ("confidence", "number"),
    ("labels", "string[]"),
    ("follow_up", "boolean"),
    ("ticket", "string"),
]


def q(s: str) -> str:
    return '"' + s + '"'


def gen_file(seed: int, i: int) -> tuple[str, str, str | None]:
    """Return (relative_path, text, defect) for file number i."""
    rng = random.Random(seed * 1_000_003 + i)
    defect = rng.choice(DEFECTS) if rng.random() < DEFECT_RATE else None
    if i == 0:
        defect = None  # N=1 always benchmarks a valid file
    w1, w2 = rng.sample(WORDS, 2)
    name = f"{w1}-{w2}-{i:05d}"
    sub = rng.random() < 0.2
    rel = f".ellipsis/agents/sub/{name}.yaml" if sub else f"agents/{name}.yaml"
    team, owner = rng.choice(TEAMS), rng.choice(OWNERS)
    org = rng.choice(ORGS)
    repo = rng.choice(REPOS)
    topic = rng.choice(WORDS)

    if defect == "no_ellipsis_block":
        lines = [f"# Shared prompt snippets for the {team} team (not an agent)", "prompts:"]
        for k in range(rng.randint(4, 8)):
            lines.append(f"  snippet_{k}: |")
            for s in rng.sample(PROMPT_SENTENCES, rng.randint(2, 4)):
                lines.append("    " + s.format(repo=repo, topic=topic, team=team, owner=owner))
        lines += ["owners:", f"  - {owner}", f"  - {rng.choice(OWNERS)}"]
        return rel, "\n".join(lines) + "\n", defect

    L: list[str] = []
    L.append(f"# {name}: {w1} {w2} agent for {org}/{repo}")
    L.append("ellipsis:")
    if defect == "bad_version":
        L.append("  version: " + rng.choice(["v2", "v0", "1"]))
    else:
        L.append("  version: v1")
    L.append(f"  name: {name}")
    L.append("  description: >-")
    L.append(f"    Runs the {w1} {w2} workflow for {org}/{repo} and reports")
    L.append(f"    results to the {team} team.")
    L.append("  metadata:")
    L.append(f"    labels: [team-{team}, owner-{owner}, tier-{rng.randint(1, 3)}]")
    L.append(f"enabled: {'true' if rng.random() < 0.9 else 'false'}")

    # ---- triggers
    L.append("triggers:")
    kinds = ["cron", "react", "mention"]
    chosen = [k for k in kinds if rng.random() < 0.6] or ["cron"]
    if defect == "bad_cron" and "cron" not in chosen:
        chosen.insert(0, "cron")
    if defect == "branches_non_push" and "react" not in chosen:
        chosen.append("react")
    for kind in chosen:
        if kind == "cron":
            sched = rng.choice(BAD_CRONS) if defect == "bad_cron" else rng.choice(GOOD_CRONS)
            L.append("  - type: cron")
            L.append(f"    schedule: {q(sched)}")
        elif kind == "react":
            L.append("  - type: react")
            L.append("    events:")
            evs = (["push"] if rng.random() < 0.7 else []) + rng.sample(
                NON_PUSH_EVENTS, rng.randint(0, 2)
            )
            evs = evs or ["push"]
            if defect == "branches_non_push":
                evs = [e for e in evs if e != "push"] or ["pull_request_open"]
            for ev in evs:
                L.append(f"      - event: {ev}")
                L.append(f"        repository: {repo}")
                if ev == "push" or defect == "branches_non_push":
                    globs = rng.sample(BRANCH_GLOBS, rng.randint(1, 3))
                    L.append(f"        branches: [{', '.join(globs)}]")
        else:
            L.append("  - type: mention")
            platforms = rng.sample(["github", "slack", "linear"], rng.randint(1, 2))
            L.append(f"    platforms: [{', '.join(platforms)}]")

    # ---- sandbox
    L.append("sandbox:")
    L.append("  repositories:")
    for r in [repo, *rng.sample([x for x in REPOS if x != repo], rng.randint(0, 3))]:
        L.append(f"    - name: {r}")
        if rng.random() < 0.3:
            L.append(f"      owner: {org}")
        if rng.random() < 0.2:
            L.append("      ref: main")
    L.append("  variables:")
    L.append("    - name: LINEAR_API_KEY")
    for key, vals in rng.sample(VARS, rng.randint(1, 5)):
        L.append(f"    - name: {key}")
        L.append(f"      value: {rng.choice(vals)}")

    # ---- claude
    L.append("claude:")
    L.append(f"  model: {rng.choice(MODELS)}")
    if defect == "empty_system":
        style = rng.randint(0, 2)
        L.append(['  system: ""', '  system: "   "', "  system:"][style])
    else:
        L.append("  system: |")
        sents = rng.sample(PROMPT_SENTENCES, rng.randint(8, 14))
        for k, s in enumerate(sents):
            L.append("    " + s.format(repo=f"{org}/{repo}", topic=topic, team=team, owner=owner))
            if k == 3:
                L.append("")
                L.append("    Rules:")
            elif k > 3:
                L[-1] = "    - " + L[-1].strip()

    # ---- limits (USD)
    run = rng.choice([0.5, 1, 2.5, 5])
    L.append("limits:")
    L.append(f"  run: {run}")
    L.append(f"  day: {run * rng.choice([100, 200])}")
    L.append(f"  week: {run * rng.choice([700, 1400])}")
    L.append(f"  month: {run * rng.choice([3100, 6200])}")

    # ---- structured output
    L.append("structured_output:")
    L.append("  type: json_schema")
    L.append("  json_schema:")
    L.append("    type: object")
    fields = rng.sample(OUTPUT_FIELDS, rng.randint(2, 5))
    L.append("    required: [" + ", ".join(f for f, _ in fields[:2]) + "]")
    L.append("    additionalProperties: false")
    L.append("    properties:")
    for f, t in fields:
        L.append(f"      {f}:")
        if t == "enum":
            L.append("        type: string")
            L.append("        enum: [low, medium, high]")
        elif t == "string[]":
            L.append("        type: array")
            L.append("        items: {type: string}")
        else:
            L.append(f"        type: {t}")
    return rel, "\n".join(L) + "\n", defect


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=20240501)
    a = ap.parse_args(argv)
    manifest = {}
    for i in range(a.n):
        rel, text, defect = gen_file(a.seed, i)
        path = os.path.join(a.dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        manifest[rel] = defect
    with open(os.path.join(a.dir, "corpus-manifest.json"), "w") as fh:
        json.dump({"seed": a.seed, "n": a.n, "files": manifest}, fh, indent=1, sort_keys=True)
    bad = sum(1 for d in manifest.values() if d)
    print(f"wrote {a.n} files ({bad} with a defect) under {a.dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
