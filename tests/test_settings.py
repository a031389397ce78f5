"""``agentsync.settings`` lists every environment variable the package reads, and
``docs/settings.md`` is generated from it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentsync import settings
from agentsync.localserver.environment import ControlPlaneSettings
from agentsync.state_dir import state_dir

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "agentsync"
LISTS = {PACKAGE / "settings.py"}  # the list itself names every variable
OURS = re.compile(r"(AGENTSYNC|ELLIPSIS)_[A-Z0-9_]+")


def _receiver(node: ast.expr) -> str:
    return node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")


def _reads_environ(node: ast.expr) -> bool:
    return _receiver(node).endswith("environ")


def _constants(tree: ast.Module) -> dict[str, set[str]]:
    """A module's top-level names bound to a string or a tuple of strings."""
    found: dict[str, set[str]] = {}
    for statement in tree.body:
        targets = [statement.target] if isinstance(statement, ast.AnnAssign) else []
        targets += statement.targets if isinstance(statement, ast.Assign) else []
        value = getattr(statement, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                strings = [n.value for n in ast.walk(value) if isinstance(n, ast.Constant)]
                found[target.id] = {s for s in strings if isinstance(s, str)}
    return found


def _names(node: ast.expr, constants: dict[str, set[str]]) -> set[str]:
    """The variable names ``node`` spells: a string, a constant, ``settings.X.name``, or the
    literal start of a concatenation (``PREFIX + name``; ends with ``*``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name):
        return constants.get(node.id, set())
    if isinstance(node, ast.Attribute) and node.attr == "name":
        entry = getattr(settings, _receiver(node.value), None)
        return {entry.name} if isinstance(entry, settings.Variable) else set()
    if isinstance(node, ast.BinOp):
        return {name + "*" for name in _names(node.left, constants)}
    if isinstance(node, ast.JoinedStr) and node.values:
        return {name + "*" for name in _names(node.values[0], constants)}
    return set()


def _read_nodes(tree: ast.Module) -> Iterator[ast.expr]:
    """What ``os.environ.get(X)``, ``environ[X]``, ``X in environ``, ``getenv(X)`` and click's
    ``envvar=X`` read."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            getter = isinstance(func, ast.Attribute) and func.attr in ("get", "pop")
            if node.args and (
                (getter and _reads_environ(func.value))  # type: ignore[attr-defined]
                or _receiver(func) == "getenv"
            ):
                yield node.args[0]
            yield from (k.value for k in node.keywords if k.arg == "envvar")
        elif isinstance(node, ast.Subscript) and _reads_environ(node.value):
            yield node.slice
        elif isinstance(node, ast.Compare) and any(_reads_environ(c) for c in node.comparators):
            yield node.left


def variables_read(source: str) -> set[str]:
    """The environment variables a module reads; with every ``AGENTSYNC_*`` / ``ELLIPSIS_*``
    string and every ``settings.X.name`` it holds (a name may reach the read through a
    parameter)."""
    tree = ast.parse(source)
    constants = _constants(tree)
    found = {name for node in _read_nodes(tree) for name in _names(node, constants)}
    strings = (n.value for n in ast.walk(tree) if isinstance(n, ast.Constant))
    entries = (
        _names(n, constants)
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and n.attr == "name"
    )
    named = {name for names in entries for name in names}
    return found | named | {s for s in strings if isinstance(s, str) and OURS.fullmatch(s)}


def _listed(name: str) -> bool:
    listed = [variable.name for variable in settings.VARIABLES]
    if name.endswith(("*", "_")):
        return any(entry.startswith(name.rstrip("*")) for entry in listed)
    return name in listed


def _model_variables(model: type[ControlPlaneSettings]) -> set[str]:
    """What a pydantic-settings model reads: its prefix and each field's name, upper-cased."""
    prefix = model.model_config.get("env_prefix", "")
    return {(prefix + field).upper() for field in model.model_fields}


def _read_in_src() -> dict[str, set[str]]:
    read = {
        str(path.relative_to(PACKAGE.parent)): variables_read(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in LISTS
    }
    read["agentsync/localserver/environment.py"] |= _model_variables(ControlPlaneSettings)
    return read


def test_the_scanner_finds_every_kind_of_read() -> None:
    source = (
        'import os\nKEY = "KEY_VAR"\nPREFIX = "P_"\n'
        'a = os.environ.get("GET_VAR")\nb = environ["INDEX_VAR"]\nc = "IN_VAR" in environ\n'
        "d = os.getenv(KEY)\ne = environ.get(PREFIX + name)\n"
        'f = click.option("--x", envvar="CLICK_VAR")\ng = settings.NO_COLOR.name in environ\n'
        'h = helper("AGENTSYNC_PASSED_ON")\ni = {"ignored": "NOT_READ"}\n'
    )
    assert variables_read(source) == {
        "KEY_VAR",
        "GET_VAR",
        "INDEX_VAR",
        "IN_VAR",
        "P_*",
        "CLICK_VAR",
        "NO_COLOR",
        "AGENTSYNC_PASSED_ON",
    }


def test_every_variable_read_in_src_is_listed() -> None:
    unlisted = {
        module: sorted(name for name in names if not _listed(name))
        for module, names in _read_in_src().items()
    }
    assert {module: names for module, names in unlisted.items() if names} == {}


# Names that mean something else where they stand: the sandbox variables a config may not set.
SPELT_FOR_ANOTHER_REASON = {("agentsync/config/variables.py", "XDG_CONFIG_HOME")}


def test_code_names_a_variable_through_its_entry_never_spelling_it_again() -> None:
    listed = {variable.name for variable in settings.VARIABLES}
    spelt = {
        (str(path.relative_to(PACKAGE.parent)), node.value)
        for path in sorted(PACKAGE.rglob("*.py"))
        if path not in LISTS
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and node.value in listed
    }
    assert spelt == SPELT_FOR_ANOTHER_REASON


def test_every_listed_variable_is_read_where_the_list_says() -> None:
    read = _read_in_src()
    for variable in settings.VARIABLES:
        modules = [m for m in variable.module.split(", ") if m.startswith("agentsync/")]
        for module in modules:
            if "<" not in variable.name:
                assert variable.name in read[module], (variable.name, module)


def test_the_settings_reference_is_up_to_date() -> None:
    committed = (ROOT / settings.DOCS_PATH).read_text(encoding="utf-8")
    assert committed == settings.reference(), "run `make docs` (scripts/make_settings_doc.py)"


def test_the_control_plane_settings_read_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(settings.CONTROL_PLANE_TOKENS.name, "a,b")
    monkeypatch.setenv(settings.CONTROL_PLANE_CLI_TOKENS.name, "c")
    read = ControlPlaneSettings()
    assert (read.tokens, read.cli_tokens) == ("a,b", "c")
    assert "a,b" not in repr(read)


def test_the_state_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(settings.XDG_STATE_HOME.name, str(tmp_path))
    assert state_dir() == tmp_path / "agentsync"
    monkeypatch.delenv(settings.XDG_STATE_HOME.name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert state_dir() == tmp_path / "home" / ".local" / "state" / "agentsync"
