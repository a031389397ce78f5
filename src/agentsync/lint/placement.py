"""Where a key belongs when it stands where the schema does not define it but another mapping
does (a top-level ``model:`` belongs under ``claude:``): such a key is misplaced, not misspelt,
unless it is one edit from a key allowed where it stands (``event`` in a trigger is ``events``
misspelt). The platform ignores a misplaced key; ``misplaced-key`` warns about it,
``unknown-key`` reports the rest, and the control plane's validation drops it before reading
the config. The schema's homes are read once, and only when a key is unknown.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from agentsync.config.problems import ConfigPath
from agentsync.lint.shape import ShapeError


def misplaced(errors: Iterable[ShapeError]) -> Iterator[tuple[ShapeError, list[str]]]:
    """The ``unknown-key`` shape errors of misplaced keys, each with the mappings the key
    belongs in (``claude``, ``triggers[]``; ``""`` is the top level), the nearest first."""
    for error in errors:
        if error.kind != "unknown-key":
            continue
        key = str(error.value)
        homes = [h for h in _homes().get(key, ()) if h != _container(error.path[:-1])]
        if homes and not _typo(key, [str(k) for k in error.expected]):
            yield error, homes


def without_misplaced(data: Any, errors: Iterable[ShapeError]) -> Any:
    """``data`` without its misplaced keys (a copy when it has any), as the platform reads it."""
    paths = [error.path for error, _ in misplaced(errors)]
    if not paths:
        return data
    kept = copy.deepcopy(data)
    for path in paths:
        parent = kept
        for part in path[:-1]:
            parent = parent[part]
        del parent[path[-1]]
    return kept


def described(homes: list[str]) -> str:
    """``under `claude:```, ``in `triggers[]` entries``, ``at the top level``; several joined
    with "or"."""
    places = [_place(home) for home in homes]
    return places[0] if len(places) == 1 else f"{', '.join(places[:-1])} or {places[-1]}"


def _place(where: str) -> str:
    if where == "":
        return "at the top level"
    if where.endswith("[]"):
        return f"in `{where}` entries"
    return f"under `{where}:`"


def _typo(key: str, known: list[str]) -> bool:
    """Whether ``key`` is one edit from a key allowed where it stands."""
    from agentsync.config.typos import typo_distance

    return any(typo_distance(key, entry, 1) <= 1 for entry in known)


@functools.cache
def _homes() -> dict[str, list[str]]:
    """Where the schema documents each key (read once, and only when a key is unknown)."""
    from agentsync.config.schema import key_homes, load

    return key_homes(load())


def _container(path: ConfigPath) -> str:
    """``("triggers", 0)`` -> ``triggers[]``, ``("sandbox",)`` -> ``sandbox``."""
    where = ""
    for part in path:
        where = f"{where}[]" if isinstance(part, int) else f"{where}.{part}" if where else part
    return where
