"""Properties of ``--fix`` over configs generated from the model (``tests.lint.test_never_raises``),
on real files: a valid config keeps its content identity and, with nothing to fix, is never
written; a YAML 1.1 boolean, or a closed-set value (version, trigger type, platform, event,
structured output type) put in another letter case or between blanks, is fixed back to the
config it was, and a second ``--fix`` writes nothing."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agentsync.config.identity import content_identity, parse_config
from agentsync.config.loader import load_text
from agentsync.config.problems import ConfigPath
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


def _closed_values(config: dict[str, Any]) -> list[ConfigPath]:
    """The path of every value of a closed set in ``config``: the fixes that recase apply."""
    paths: list[ConfigPath] = [("ellipsis", "version")] if "version" in config["ellipsis"] else []
    if "structured_output" in config:
        paths.append(("structured_output", "type"))
    for index, trigger in enumerate(config.get("triggers", [])):
        paths.append(("triggers", index, "type"))
        for key, inner in (("platforms", None), ("events", "event")):
            for item, _ in enumerate(trigger.get(key, [])):
                paths.append(("triggers", index, key, item, *([inner] if inner else [])))
    return paths


def _at(data: Any, path: ConfigPath) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(configs, st.data())
def test_a_recased_closed_value_is_fixed_back(config: dict[str, Any], data: st.DataObject) -> None:
    if "structured_output" in config:
        config["structured_output"] = {"type": "json_schema", **config["structured_output"]}
    paths = _closed_values(config)
    assume(paths)
    path = data.draw(st.sampled_from(paths))
    value = _at(config, path)[path[-1]]
    upper = data.draw(st.lists(st.booleans(), min_size=len(value), max_size=len(value)))
    blanks = st.sampled_from(["", " ", "  ", "\t"])
    recased = "".join(c.upper() if up else c for c, up in zip(value, upper, strict=True))
    broken_value = data.draw(blanks) + recased + data.draw(blanks)
    assume(broken_value != value)
    broken = copy.deepcopy(config)
    _at(broken, path)[path[-1]] = broken_value
    fixed, written = _fixed(_dump(broken))
    assert written
    assert _at(load_text(fixed).data, path)[path[-1]] == value
    assert _identity(fixed) == _identity(_dump(config))
    assert _fixed(fixed) == (fixed, False)
