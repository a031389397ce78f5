"""Sandbox variables on the local control plane: values are encrypted with the ``Vault``
before they reach the store, never shown by the API and never quoted in a message; a run's
environment resolves its config's named variables (inline values, else stored ones)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentsync.client.errors import ControlPlaneError, Invalid, NotFound, problem_json
from agentsync.client.records import VariableInfo
from agentsync.config.variables import name_problem
from agentsync.localserver.store import SQLiteStore
from agentsync.localserver.vault import Vault

MAX_VARIABLE_NAME = 256
MAX_VARIABLE_VALUE = 64 * 1024


class Variables:
    """The sandbox variables of a ``SQLiteStore``, their values sealed by ``vault`` (None: a
    server without a vault, which can store none)."""

    def __init__(self, store: SQLiteStore, vault: Vault | None) -> None:
        self._store = store
        self._vault = vault

    def infos(self) -> list[VariableInfo]:
        """Every variable, by name, without values."""
        return [VariableInfo(**v) for v in self._store.list_variables()]

    def put(self, variables: Iterable[tuple[str, str]]) -> list[VariableInfo]:
        """Set (create or replace) each ``(name, value)``; nothing is stored if one is invalid.

        Values are encrypted with the vault before they reach the store, and no message here
        ever holds one.
        """
        items = list(variables)
        problems: list[dict[str, Any]] = []
        seen: set[str] = set()
        for index, (name, value) in enumerate(items):
            problem = variable_problem(name, value, seen)
            if problem is not None:
                rule, message = problem
                problems.append(problem_json(message, rule=rule, path=f"variables.{index}"))
            seen.add(name)
        if problems:
            raise Invalid(problems)
        if self._vault is None:
            raise ControlPlaneError("this server has no vault for sandbox variables", status=503)
        for name, value in items:
            self._store.put_variable(name, self._vault.encrypt(value))
        return self.infos()

    def delete(self, name: str) -> None:
        if not self._store.delete_variable(name):
            raise NotFound(f"sandbox variable {name} not found")

    def environment(self, snapshot: dict[str, Any]) -> dict[str, str]:
        """The config's named variables: inline values, else the variables store (a
        ``LookupError`` naming the missing ones, a ``VaultError`` for a value it cannot open)."""
        environment: dict[str, str] = {}
        missing: list[str] = []
        for variable in (snapshot.get("sandbox") or {}).get("variables") or []:
            name, value = variable["name"], variable.get("value")
            if value is None:
                stored = self._store.get_variable(name)
                if stored is None or self._vault is None:
                    missing.append(name)
                    continue
                value = self._vault.decrypt(stored)
            environment[name] = value
        if missing:
            names = ", ".join(missing)
            raise LookupError(
                f"sandbox variable{'s' if len(missing) > 1 else ''} {names} not set: "
                "add inline values, or set them with `agent sandbox var set NAME`"
            )
        return environment


def variable_problem(name: str, value: str, seen: set[str]) -> tuple[str, str] | None:
    """What is wrong with one variable (never quoting its value), or None: a stored sandbox
    variable's and a deployment run's ``envs`` alike. With the rule it falls under: agent-lint's
    ``denied-variable`` for a name it refuses in a config too, else ``request``."""
    problem = name_problem(name)
    if problem is not None:
        return "denied-variable", f"name {problem}"
    message = _value_problem(name, value, seen)
    return None if message is None else ("request", message)


def _value_problem(name: str, value: str, seen: set[str]) -> str | None:
    if len(name) > MAX_VARIABLE_NAME:
        return f"name is longer than {MAX_VARIABLE_NAME} characters"
    if name in seen:
        return f"{name} is given twice"
    if "\0" in value:
        return f"the value of {name} holds a NUL character, which no environment can carry"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"the value of {name} is not valid Unicode (it holds a lone surrogate)"
    if len(value) > MAX_VARIABLE_VALUE:
        return f"the value of {name} is longer than {MAX_VARIABLE_VALUE} characters"
    return None
