"""``sandbox-compute``: ``sandbox.compute`` within the platform's bounds: cpu 0.125-16,
memory 512MB-64GB, timeout above 0 and up to 24h. Out-of-range values are rejected, not clamped.

memory takes a size (``512MB``, ``4GB``, ``2Gi``) or a number of megabytes; timeout takes a
duration (``90s``, ``30m``, ``2h``, ``1h30m``) or a number of seconds.

Bad::

    sandbox:
      compute:
        cpu: 32
        memory: 256MB
        timeout: 2d

Fixed::

    sandbox:
      compute:
        cpu: 16
        memory: 512MB
        timeout: 24h
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import NamedTuple, TypeGuard

from agentsync.config.money import fits
from agentsync.config.reference import (
    CPU_MAX,
    CPU_MIN,
    MEMORY_MAX_MB,
    MEMORY_MIN_MB,
    TIMEOUT_MAX_SECONDS,
    memory_mb,
    timeout_seconds,
)
from agentsync.config.secrets import shortened
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding
from agentsync.lint.rule import RuleMeta

META = RuleMeta("sandbox-compute", "error", "sandbox.compute must be within the platform's bounds")

_NOT_CLAMPED = "the platform rejects it rather than clamping it"


def _is_number(value: object) -> TypeGuard[int | float]:
    """A number this rule can judge; NaN, infinity and huge ones are invalid-value's."""
    return isinstance(value, int | float) and not isinstance(value, bool) and fits(value)


class _Quantity(NamedTuple):
    """A compute key given as a quantity with units: how to read it and its allowed range."""

    key: str
    read: Callable[[str | int | float], float | None]
    kind: str  # "size" or "duration", for messages
    low: float
    low_inclusive: bool
    high: float
    range_text: str
    example: str


_QUANTITIES = (
    _Quantity(
        "memory", memory_mb, "size", MEMORY_MIN_MB, True, MEMORY_MAX_MB, "512MB-64GB",
        "a size such as 512MB, 4GB or 2Gi, or a number of megabytes",
    ),
    _Quantity(
        "timeout", timeout_seconds, "duration", 0, False, TIMEOUT_MAX_SECONDS, "(0 to 24h]",
        "a duration such as 90s, 30m, 2h or 1h30m, or a number of seconds",
    ),
)  # fmt: skip


def _in_range(value: float, spec: _Quantity) -> bool:
    above_low = value >= spec.low if spec.low_inclusive else value > spec.low
    return above_low and value <= spec.high


def check(ctx: LintContext) -> Iterator[Finding]:
    base = ("sandbox", "compute")
    compute = ctx.mapping(base)
    cpu = compute.get("cpu")
    if _is_number(cpu) and not CPU_MIN <= cpu <= CPU_MAX:
        yield ctx.finding(
            (*base, "cpu"),
            f"sandbox.compute.cpu {cpu:g} is out of range {CPU_MIN:g}-{CPU_MAX:g}; {_NOT_CLAMPED}",
        )
    for spec in _QUANTITIES:
        value = compute.get(spec.key)
        if not isinstance(value, str) and not _is_number(value):
            continue  # absent, or the type or invalid-value rule reports it
        amount = spec.read(value)
        where = f"sandbox.compute.{spec.key}"
        if amount is None:
            text = str(value)
            shown = shortened(text) if isinstance(value, str) or len(text) > 40 else value
            yield ctx.finding(
                (*base, spec.key),
                f"{where} {shown!r} is not a {spec.kind}",
                f"write {spec.example}",
            )
        elif not _in_range(amount, spec):
            yield ctx.finding(
                (*base, spec.key),
                f"{where} {value} is out of range {spec.range_text}; {_NOT_CLAMPED}",
            )
