"""Property tests: agent-lint never raises on any input, and accepts every valid config."""

from __future__ import annotations

import re
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agentsync.config.loader import load_bytes, load_text, resolve_plain
from agentsync.config.reference import MENTION_PLATFORMS, REACT_EVENTS
from agentsync.lint.runner import lint_document
from agentsync.lint.settings import Settings

SETTINGS = Settings()
PARSER_INTERNALS = re.compile(r"<unicode string>|position \d|while (scanning|parsing)|\n")

yaml_tokens = st.sampled_from(
    [
        "ellipsis:",
        "version:",
        " v1",
        "claude:",
        "system:",
        "triggers:",
        "- type: cron",
        "schedule:",
        "*/5 * * * *",
        "&a",
        "*a",
        "<<: *a",
        "{",
        "}",
        "[",
        "]",
        ",",
        ": ",
        "- ",
        "\n",
        "\n  ",
        "\n    ",
        "\t",
        "'",
        '"',
        "#",
        "!!str",
        "!!int",
        "!foo",
        "---",
        "...",
        "|",
        ">",
        "? ",
        "%YAML 1.2\n",
        "yes",
        "no",
        "~",
        "null",
        "1e9",
        "0x1F",
        "\x00",
        "\ufeff",
        "ü",
        "\r\n",
        "\r",
        "\x85",
        "\u2028",
        "\x07",
        "@",
        "`",
        "\\",
        "limits:",
        "run: -1",
        "json_schema:",
        "type: objekt",
        "sandbox:",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    result = lint_document(load_bytes(raw, "fuzz.yaml"), SETTINGS)
    assert result.status in ("valid", "invalid", "ignored")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(yaml_tokens, max_size=40).map("".join))
def test_yaml_like_text_never_raises(text: str) -> None:
    document = load_text(text, "fuzz.yaml")
    result = lint_document(document, SETTINGS)
    for diagnostic in result.diagnostics:
        assert 1 <= diagnostic.line <= text.count("\n") + 1  # lines as git counts them
        assert diagnostic.column >= 1
    for problem in document.problems:  # one line each, in the file's terms
        assert not PARSER_INTERNALS.search(problem.message), problem
        assert not PARSER_INTERNALS.search(problem.hint or ""), problem


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=20)
prompts = names.filter(lambda s: s.strip() != "")
repository_names = prompts  # a blank one names nothing to check out (repository-name)
schedules = st.sampled_from(
    [
        "0 9 * * 1-5",
        "*/15 * * * *",
        "rate(30 minutes)",
        "rate(1 day)",
        "cron(0 9 ? * MON-FRI *)",
        "at(2030-01-01T00:00:00)",
        "@daily",
        "5 4 * * sun",
        "0 0 29 2 *",
    ]
)
push_event = st.fixed_dictionaries(
    {"event": st.just("push")},
    optional={
        "repository": names,
        "branches": st.lists(st.sampled_from(["main", "release/*", "v*.*", "!old/**"])),
    },
)
other_event = st.fixed_dictionaries(
    {"event": st.sampled_from([e for e in REACT_EVENTS if e != "push"])},
    optional={"repository": names},
)
triggers = st.one_of(
    st.fixed_dictionaries({"type": st.just("cron"), "schedule": schedules}),
    st.fixed_dictionaries(
        {
            "type": st.just("react"),
            "events": st.lists(push_event | other_event, min_size=1, max_size=3),
        }
    ),
    st.fixed_dictionaries(
        {"type": st.just("mention")},
        optional={"platforms": st.lists(st.sampled_from(MENTION_PLATFORMS), unique=True)},
    ),
)
money = st.none() | st.integers(0, 50) | st.floats(0, 50, allow_nan=False)
configs = st.fixed_dictionaries(
    {
        "ellipsis": st.fixed_dictionaries(
            {}, optional={"version": st.just("v1"), "name": names, "description": names}
        ),
        "claude": st.fixed_dictionaries({"system": prompts}, optional={"model": names}),
    },
    optional={
        "enabled": st.booleans(),
        "triggers": st.lists(triggers, max_size=3),
        "sandbox": st.fixed_dictionaries(
            {},
            optional={
                "repositories": st.lists(
                    st.fixed_dictionaries(
                        {"name": repository_names}, optional={"owner": names, "ref": names}
                    ),
                    max_size=2,
                ),
                "variables": st.lists(
                    st.fixed_dictionaries(
                        {"name": st.sampled_from(["LOG_LEVEL", "REGION", "API_TOKEN"])}
                    ),
                    max_size=2,
                ),
                "compute": st.fixed_dictionaries(
                    {},
                    optional={
                        "cpu": st.sampled_from([0.125, 1, 16]),
                        "memory": st.sampled_from(["512MB", "4GB", "64GB", 2048]),
                        "timeout": st.sampled_from(["30m", "24h", 3600]),
                    },
                ),
            },
        ),
        "structured_output": st.fixed_dictionaries({"json_schema": st.just({"type": "object"})}),
        "mcp_servers": st.lists(st.fixed_dictionaries({"name": names}), max_size=2),
        "tools": st.lists(st.fixed_dictionaries({"type": names}), max_size=2),
        "limits": st.fixed_dictionaries({}, optional={"run": money}),
    },
)


class Yaml12Dumper(yaml.SafeDumper):
    """PyYAML writes YAML 1.1: it would leave e.g. ``0E0`` unquoted, a float in YAML 1.2."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if not isinstance(resolve_plain(value), str) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


Yaml12Dumper.add_representer(str, _represent_str)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(configs)
def test_configs_generated_from_the_model_have_no_errors(config: dict[str, Any]) -> None:
    text = yaml.dump(config, Dumper=Yaml12Dumper, allow_unicode=True, sort_keys=False)
    result = lint_document(load_text(text, "generated.yaml"), SETTINGS)
    errors = [d for d in result.diagnostics if d.severity == "error"]
    assert errors == [], text
