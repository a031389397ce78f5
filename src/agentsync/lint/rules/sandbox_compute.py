"""``sandbox-compute``: ``sandbox.compute`` within the platform's bounds: cpu 0.125-16,
memory 512MB-64GB, timeout up to 24h. Out-of-range values are rejected, not clamped.

memory takes a size (``512MB``, ``4GB``, ``2Gi``) or a number of megabytes; timeout takes a
duration (``90s``, ``30m``, ``2h``, ``1h30m``) or a number of seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TypeGuard

from agentsync.config.platform import (
    CPU_MAX,
    CPU_MIN,
    MEMORY_MAX_MB,
    MEMORY_MIN_MB,
    TIMEOUT_MAX_SECONDS,
)
from agentsync.lint.context import LintContext
from agentsync.lint.diagnostic import Finding, Severity

ID = "sandbox-compute"
SEVERITY: Severity = "error"
SUMMARY = "sandbox.compute must be within the platform's bounds"
FROM_SCHEMA = False

_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(mb|mib|mi|m|gb|gib|gi|g)?", re.IGNORECASE)
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", re.IGNORECASE)
_NOT_CLAMPED = "the platform rejects it rather than clamping it"


def memory_mb(value: str | float) -> float | None:
    """Megabytes of a memory value, or None when it is not a size."""
    if isinstance(value, int | float):
        return float(value)
    match = _SIZE.fullmatch(value.strip())
    if match is None:
        return None
    unit = (match.group(2) or "mb").lower()
    return float(match.group(1)) * (1024 if unit.startswith("g") else 1)


def timeout_seconds(value: str | float) -> float | None:
    """Seconds of a timeout value, or None when it is not a duration."""
    if isinstance(value, int | float):
        return float(value)
    match = _DURATION.fullmatch(value.strip())
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check(ctx: LintContext) -> Iterator[Finding]:
    base = ("sandbox", "compute")
    compute = ctx.mapping(base)
    cpu = compute.get("cpu")
    if _is_number(cpu) and not CPU_MIN <= cpu <= CPU_MAX:
        yield ctx.finding(
            (*base, "cpu"),
            f"sandbox.compute.cpu {cpu:g} is out of range {CPU_MIN:g}-{CPU_MAX:g}; {_NOT_CLAMPED}",
        )
    memory = compute.get("memory")
    if isinstance(memory, str) or _is_number(memory):
        megabytes = memory_mb(memory)
        if megabytes is None:
            yield ctx.finding(
                (*base, "memory"),
                f"sandbox.compute.memory {memory!r} is not a size",
                "write a size such as 512MB, 4GB or 2Gi, or a number of megabytes",
            )
        elif not MEMORY_MIN_MB <= megabytes <= MEMORY_MAX_MB:
            yield ctx.finding(
                (*base, "memory"),
                f"sandbox.compute.memory {memory} is out of range 512MB-64GB; {_NOT_CLAMPED}",
            )
    timeout = compute.get("timeout")
    if isinstance(timeout, str) or _is_number(timeout):
        seconds = timeout_seconds(timeout)
        if seconds is None:
            yield ctx.finding(
                (*base, "timeout"),
                f"sandbox.compute.timeout {timeout!r} is not a duration",
                "write a duration such as 90s, 30m, 2h or 1h30m, or a number of seconds",
            )
        elif not 0 < seconds <= TIMEOUT_MAX_SECONDS:
            yield ctx.finding(
                (*base, "timeout"),
                f"sandbox.compute.timeout {timeout} is out of range (0 to 24h]; {_NOT_CLAMPED}",
            )
