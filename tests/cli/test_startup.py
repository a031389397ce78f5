"""agent-lint's cold path imports neither pydantic, the schema checker, nor the server stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BROKEN = FIXTURES / "lint" / "invalid" / "syntax-colon-in-value.yaml"
HEAVY = ("pydantic", "jsonschema", "croniter", "click", "fastapi", "uvicorn", "httpx", "starlette")

PROBE = """
import contextlib, io, json, sys
from agentsync.cli.lint import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(json.dumps([code, sorted({m.split(".")[0] for m in sys.modules})]))
"""


def _imported(*paths: Path) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, paths)], capture_output=True, text=True, check=True
    )
    code, modules = json.loads(done.stdout)
    return code, set(modules)


def test_linting_a_repository_imports_nothing_heavy() -> None:
    code, modules = _imported(FIXTURES / "example-repo")
    assert code == 0
    assert modules.isdisjoint(HEAVY), modules & set(HEAVY)


def test_an_unusual_output_schema_loads_jsonschema_lazily() -> None:
    code, modules = _imported(FIXTURES / "lint" / "invalid" / "bad-json-schema.yaml")
    assert code == 1
    assert "jsonschema" in modules
    assert modules.isdisjoint(set(HEAVY) - {"jsonschema"})


def test_only_a_broken_file_loads_the_modules_that_explain_it() -> None:
    probe = PROBE.replace('m.split(".")[0] for m in sys.modules', "m for m in sys.modules")
    explain = {"agentsync.config.yaml_errors", "agentsync.config.unparsed"}
    for path, loaded in ((FIXTURES / "example-repo", False), (BROKEN, True)):
        done = subprocess.run(
            [sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True
        )
        modules = set(json.loads(done.stdout)[1])
        assert explain & modules == (explain if loaded else set()), path
