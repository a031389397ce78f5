"""Where a key belongs when it stands where the schema does not define it but another mapping
does (a top-level ``model:`` belongs under ``claude:``): such a key is misplaced, not misspelt,
unless it is one edit from a key allowed where it stands, or its singular or plural (``event``
in a trigger is ``events`` misspelt). The platform ignores a misplaced key; ``misplaced-key``
warns about it, ``unknown-key`` reports the rest, and the control plane's validation drops it
before reading the config. The schema's homes are read once, and only when a key is unknown.
"""

from __future__ import annotations

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
    """``data`` without its misplaced keys, as the platform reads it. ``data`` is not changed:
    the mappings and lists on the way to a misplaced key are copied, the rest is shared (an
    alias's other uses keep the key where it belongs)."""
    for error, _ in list(misplaced(errors)):
        data = _without(data, error.path)
    return data


def _without(node: Any, path: ConfigPath) -> Any:
    copied = dict(node) if isinstance(node, dict) else list(node)
    if len(path) == 1:
        del copied[path[0]]  # type: ignore[arg-type]
    else:
        copied[path[0]] = _without(node[path[0]], path[1:])  # type: ignore[index]
    return copied


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
    """Whether ``key`` is one edit from a key allowed where it stands, or its singular or
    plural (``sandbox.repository`` is ``repositories`` misspelt, though trigger events have a
    ``repository``)."""
    from agentsync.config.typos import typo_distance

    return any(
        typo_distance(key, entry, 1) <= 1 or _singular(key) == _singular(entry) for entry in known
    )


def _singular(word: str) -> str:
    """``repositories`` -> ``repository``, ``events`` -> ``event``; other words as they are."""
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word.removesuffix("s")


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
