"""Reading the JSON a server sends, refusing what agentsync could not write again as valid
JSON or text: a number that is not finite (``NaN``, ``Infinity``, or ``1e400``, which reads
as infinite), an integer with more digits than Python turns into text
(``sys.get_int_max_str_digits``), and values nested deeper than :data:`MAX_DEPTH` (the JSON
writers stop near 255 levels). A refusal is an :class:`Unfit` naming the field and why."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator
from typing import Any

from agentsync.printable import is_utf8

MAX_DEPTH = 100  # levels of objects and arrays; no API agentsync reads nests near this


class Unfit(ValueError):
    """JSON that agentsync could not carry: the message names the field and why; ``where`` is
    the field's path (``input.a[2]``), empty for the whole document."""

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(message)
        self.where = where


class _Refused:
    """What a number read as: a value no JSON output can hold, said in words."""

    def __init__(self, why: str) -> None:
        self.why = why


def _float(text: str) -> float | _Refused:
    value = float(text)
    if math.isfinite(value):
        return value
    return _Refused(f"{text[:40]}, a number JSON cannot hold (it is not finite)")


def _constant(text: str) -> _Refused:  # NaN, Infinity, -Infinity: not JSON at all
    return _Refused(f"{text}, a number JSON cannot hold (it is not finite)")


def _int(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    limit = sys.get_int_max_str_digits()
    if limit and digits > limit:
        return _Refused(f"an integer of {digits:,} digits (at most {limit:,})")
    return int(text)


def loads(text: str | bytes, whole: str = "the answer") -> Any:
    """``text`` decoded: a ``ValueError`` when it is no JSON, an :class:`Unfit` when it is
    JSON that agentsync could not carry (``whole`` names the document in its message).

    Read first as plain JSON, then scanned for a number that is not finite or nesting too
    deep; only an answer that fails the scan is read again to name the field. Reading every
    answer with the naming hooks took 32 ms for a page of 500 runs; plain JSON and the scan
    take 6 to 10 ms."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError:  # an integer past Python's digit limit: read again to name it
        return _strict(text, whole)
    except RecursionError:
        raise Unfit(f"{whole} is nested more than {MAX_DEPTH} levels deep") from None
    return _strict(text, whole) if _suspect(value) else value


def _strict(text: str | bytes, whole: str) -> Any:
    """``text`` read with hooks that mark each number JSON cannot hold, then checked."""
    try:
        value = json.loads(text, parse_float=_float, parse_int=_int, parse_constant=_constant)
    except RecursionError:
        raise Unfit(f"{whole} is nested more than {MAX_DEPTH} levels deep") from None
    _check(value, whole)
    return value


def _suspect(value: Any) -> bool:
    """Whether ``value`` holds a number that is not finite or nests deeper than MAX_DEPTH
    (only objects and arrays go on the stack: 5 ms for the page of 500 runs)."""
    if not isinstance(value, dict | list):
        return isinstance(value, float) and not math.isfinite(value)
    stack: list[tuple[dict[str, Any] | list[Any], int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return True
        for child in item.values() if isinstance(item, dict) else item:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
            elif isinstance(child, float) and not math.isfinite(child):
                return True
    return False


def _check(value: Any, whole: str) -> None:
    """An :class:`Unfit` for the first refused number in ``value``, or a value nested too deep."""
    for item, where, depth in _walk(value):
        if isinstance(item, _Refused):
            raise Unfit(f"{where or whole} is {item.why}", where)
        if depth > MAX_DEPTH:
            raise Unfit(f"{where:.80}... is nested more than {MAX_DEPTH} levels deep", where)


def not_utf8(value: Any) -> str | None:
    """Where ``value`` (a request's JSON or query, about to be sent) holds text that UTF-8
    cannot carry: a lone surrogate, which is how Python reads an argument's or a file's bytes
    that are not UTF-8 (``"-"`` for ``value`` itself); None when all of it can be sent."""
    for item, where, _ in _walk(value):
        texts = item.keys() if isinstance(item, dict) else (item,)
        if any(isinstance(text, str) and not is_utf8(text) for text in texts):
            return where or "-"
    return None


def _walk(value: Any) -> Iterator[tuple[Any, str, int]]:
    """Each value in ``value`` with its place (``input.x[0]``) and depth, in document order."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    while stack:
        item, where, depth = stack.pop()
        yield item, where, depth
        if isinstance(item, dict):
            named = [(f"{where}.{key}" if where else str(key), v) for key, v in item.items()]
            stack.extend((v, name[:200], depth + 1) for name, v in reversed(named))
        elif isinstance(item, list | tuple):
            indexed = [(v, f"{where}[{i}]"[:200], depth + 1) for i, v in enumerate(item)]
            stack.extend(reversed(indexed))
