"""The benchmarks run from a clone: ``make bench`` generates its corpus with the project's own
generator, and agent-lint's verdicts must match the corpus manifest (a fast wrong answer fails)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_corpus_generator_is_deterministic_and_labels_its_defects(tmp_path: Path) -> None:
    for name in ("one", "two"):
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "gen_corpus.py"), str(tmp_path / name), "40"],
            check=True,
            capture_output=True,
        )
    first = (tmp_path / "one" / "corpus-manifest.json").read_text()
    assert first == (tmp_path / "two" / "corpus-manifest.json").read_text()
    files = json.loads(first)["files"]
    assert len(files) == 40
    assert any(defect for defect in files.values())
    assert all((tmp_path / "one" / path).is_file() for path in files)


def test_the_lint_benchmark_runs_from_a_clone_and_checks_the_verdicts() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "lint_bench.py"), "--files", "40", "--repeat", "1",
         "--cold-runs", "1"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "verdicts match the manifest" in done.stdout
    assert "| agent-lint (full lint) |" in done.stdout
