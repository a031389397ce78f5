"""The docs site builds with ``mkdocs build --strict`` (no broken link, no page outside the
nav), and every example agent config in the docs and the README does what the page says:
a ```yaml block with a top-level ``ellipsis:`` key lints clean, unless the line right above
it is ``<!-- bad example -->``, in which case agent-lint finds an error in it.

The rules reference (docs/rules.md) is left to tests/lint/test_rule_docs.py: its examples
show only the keys that matter, and that test completes and lints them.

Every repository path a page names in backticks (``tests/...``, ``fixtures/...``) exists, so
the reliability page's "tested by" column cannot point at a test that was moved or removed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from agentsync.config.loader import load_text
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BAD_EXAMPLE = "<!-- bad example -->"
PAGES = sorted({*ROOT.glob("docs/*.md"), ROOT / "README.md"} - {ROOT / "docs/rules.md"})
_FENCE = re.compile(
    r"^(?P<indent> *)```yaml\n(?P<body>.*?)^(?P=indent)```$", re.MULTILINE | re.DOTALL
)


class Example(NamedTuple):
    page: str
    line: int
    text: str
    bad: bool


def _examples(page: Path) -> list[Example]:
    """The page's YAML blocks that are agent configs (a top-level ``ellipsis:`` key)."""
    markdown = page.read_text(encoding="utf-8")
    found = []
    for fence in _FENCE.finditer(markdown):
        indent = len(fence["indent"])
        text = "".join(line[indent:] for line in fence["body"].splitlines(keepends=True))
        if not re.search(r"^ellipsis:", text, re.MULTILINE):
            continue
        above = markdown[: fence.start()].rstrip("\n").rsplit("\n", 1)[-1].strip()
        line = markdown.count("\n", 0, fence.start()) + 1
        found.append(Example(page.relative_to(ROOT).as_posix(), line, text, above == BAD_EXAMPLE))
    return found


EXAMPLES = [example for page in PAGES for example in _examples(page)]


def test_the_docs_show_good_and_bad_examples() -> None:
    assert any(not example.bad for example in EXAMPLES)
    assert any(example.bad for example in EXAMPLES)


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{example.page}:{example.line}" for example in EXAMPLES]
)
def test_example_config_lints_as_the_page_says(example: Example) -> None:
    result = lint_document(load_text(example.text, "agents/example.yaml"), Settings())
    errors = [d for d in result.diagnostics if d.severity == "error"]
    if example.bad:
        assert errors, f"{example.page}:{example.line} is marked bad but lints clean"
    else:
        assert not result.diagnostics, f"{example.page}:{example.line}: {result.diagnostics}"


def test_site_builds_strict(tmp_path: Path) -> None:
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    config = ["--config-file", str(ROOT / "mkdocs.yml"), "--site-dir", str(tmp_path / "site")]
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", *config],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "site/index.html").is_file()
    assert (tmp_path / "site/rules/index.html").is_file()


def _braces(path: str) -> list[str]:
    """``a/{b,c}`` -> ``a/b``, ``a/c``, as a shell expands it (one pair of braces)."""
    match = re.search(r"\{([^}]*)\}", path)
    if match is None:
        return [path]
    return [path[: match.start()] + part + path[match.end() :] for part in match[1].split(",")]


_REPOSITORY_PATH = re.compile(r"`((?:tests|fixtures|bench|scripts)/[^`\s]+)`")


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_repository_path_a_page_names_exists(page: Path) -> None:
    named = _REPOSITORY_PATH.findall(page.read_text(encoding="utf-8"))
    missing = [path for path in named if not all(any(ROOT.glob(p)) for p in _braces(path))]
    assert not missing, f"{page.name} names paths that do not exist: {missing}"
