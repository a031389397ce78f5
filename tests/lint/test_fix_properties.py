"""Properties of ``--fix`` over configs generated from the model (``tests.lint.test_never_raises``),
on real files: a valid config keeps its content identity and, with nothing to fix, is never
written; a YAML 1.1 boolean put into one is fixed back to the config it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsync.config.identity import content_identity, parse_config
from agentsync.config.loader import load_text
from agentsync.lint.fixes import fix_target
from agentsync.lint.runner import Target, lint_document
from tests.lint.test_never_raises import SETTINGS, Yaml12Dumper, configs


def _dump(config: dict[str, Any]) -> str:
    return yaml.dump(config, Dumper=Yaml12Dumper, allow_unicode=True, sort_keys=False)


def _identity(text: str) -> str:
    return content_identity(parse_config(load_text(text).data))


def _fixed(text: str) -> tuple[str, bool]:
    """The file's text after ``--fix``, and whether it was written at all."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "agent.yaml"
        path.write_text(text, encoding="utf-8")
        before = os.stat(path)
        fix_target(
            Target(str(path), "agent.yaml"), SETTINGS, Path(directory), unsafe=False, write=True
        )
        after = os.stat(path)
        written = (before.st_ino, before.st_mtime_ns) != (after.st_ino, after.st_mtime_ns)
        return path.read_text(encoding="utf-8"), written


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_a_valid_config_keeps_its_identity(config: dict[str, Any]) -> None:
    text = _dump(config)
    document = load_text(text, "agent.yaml")
    fixable = any(d.fix for d in lint_document(document, SETTINGS, fixing=True).diagnostics)
    fixed, written = _fixed(text)
    assert _identity(fixed) == _identity(text)
    if not fixable:
        assert not written
        assert fixed == text


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(
    configs,
    st.booleans(),
    st.sampled_from(["yes", "Yes", "ON", "y"]),
    st.sampled_from(["no", "Off", "N"]),
)
def test_a_yaml11_boolean_is_fixed_back(
    config: dict[str, Any], enabled: bool, true: str, false: str
) -> None:
    rest = _dump({key: value for key, value in config.items() if key != "enabled"})
    text = f"enabled: {str(enabled).lower()}  # YAML 1.2\n{rest}"
    broken = f"enabled: {true if enabled else false}  # YAML 1.2\n{rest}"
    fixed, written = _fixed(broken)
    assert written
    assert fixed == text
    assert _identity(fixed) == _identity(text)
