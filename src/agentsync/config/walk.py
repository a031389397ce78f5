"""Walking loaded config data: every scalar, at any depth, with its config path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def scalars(
    data: Any, path: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """``(config path, value)`` of every scalar in ``data`` but null, in document order (open
    mappings such as ``mcp_servers`` and ``json_schema`` included)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from scalars(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from scalars(value, (*path, index))
    elif data is not None:
        yield path, data
