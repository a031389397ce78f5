"""The one list of variable names that may not reach a process, and how names are matched."""

from __future__ import annotations

import re

import pytest

from agentsync.config.variables import DENIED, NAME, denied, name_problem
from agentsync.lint.rules import denied_variable


@pytest.mark.parametrize(
    "name",
    [
        "BASH_ENV", "ENV", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES",
        "PATH", "HOME", "PYTHONPATH", "PYTHONSTARTUP", "NODE_OPTIONS", "PERL5LIB", "PERL5OPT",
        "RUBYOPT", "IFS", "PS4", "SHELLOPTS", "BASHOPTS", "GCONV_PATH", "GIT_SSH_COMMAND",
        "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
        "LESSOPEN", "PROMPT_COMMAND", "npm_config_script_shell",
    ],
)  # fmt: skip
def test_names_that_change_how_a_process_starts_are_denied(name: str) -> None:
    assert denied(name) is not None
    problem = name_problem(name)
    assert problem is not None
    assert problem.startswith(f"{name} is refused")


@pytest.mark.parametrize(
    ("name", "like"),
    [("path", "PATH"), ("bash_env", "BASH_ENV"), ("Ld_Preload", "LD_PRELOAD"), ("home", "HOME")],
)
def test_case_does_not_matter(name: str, like: str) -> None:
    problem = name_problem(name)
    assert problem is not None
    assert problem.startswith(f"{name} is refused like {like}: it changes how a process starts")


@pytest.mark.parametrize(
    "name",
    [
        "LOG_LEVEL", "NODE_ENV", "GIT_AUTHOR_NAME", "GIT_COMMITTER_EMAIL", "PATHNAME",
        "MY_PATH", "HOMEPAGE_URL", "ENVIRONMENT", "RUBY_VERSION", "_PRIVATE", "x1",
    ],
)  # fmt: skip
def test_ordinary_names_pass(name: str) -> None:
    assert name_problem(name) is None


@pytest.mark.parametrize("name", ["A=B", "1TOKEN", "MY-TOKEN", "", "LOG_LEVEL\n", "É", "A B"])
def test_names_that_are_not_environment_variable_names(name: str) -> None:
    assert name_problem(name) == (
        f"{name!r} is not an environment variable name: "
        "letters, digits and _, not starting with a digit"
    )


def test_every_denied_name_is_a_name_and_listed_once() -> None:
    names = [name.rstrip("*") for entry in DENIED for name in entry.names]
    assert all(NAME.fullmatch(name) and name == name.upper() for name in names)
    assert len(names) == len(set(names))


def test_the_rule_documents_exactly_the_list() -> None:
    documented = set(re.findall(r"``([A-Z0-9_]+\*?)``", denied_variable.__doc__ or ""))
    listed = {name for entry in DENIED for name in entry.names}
    ranges = {f"PS{n}" for n in range(5)}  # documented as ``PS0``-``PS4``
    others = {"_", "GIT_*", "GIT_AUTHOR_NAME", "GIT_COMMITTER_EMAIL", "DENIED"}  # in the prose
    assert documented | ranges == listed | others
