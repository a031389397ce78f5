"""Dollar amounts in configs: reading a limit as a number that arithmetic can trust, printing
an amount as money (``$1,000,000``, ``$0.50``), and the millicents runs are counted in."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from agentsync.config.walk import scalars

MILLICENTS_PER_USD = 100_000  # runs count their cost in millicents: 1 USD = 100,000

# Past 10^15 a float no longer counts cents exactly; no limit or budget is that large. The
# schema check refuses larger numbers anywhere in a config (rule ``invalid-value``).
MAX_AMOUNT = 10**15


def fits(value: float) -> bool:
    """Whether a config number is finite and at most :data:`MAX_AMOUNT` in size."""
    if isinstance(value, float):
        return math.isfinite(value) and abs(value) <= MAX_AMOUNT
    return abs(value) <= MAX_AMOUNT


def dollars(value: object) -> float | None:
    """A config value as dollars; None for anything but a number that :func:`fits`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not fits(value):
        return None
    return float(value)


def unfit_numbers(data: Any) -> Iterator[tuple[tuple[Any, ...], float]]:
    """The config path and value of every number in ``data`` that does not :func:`fit`, at
    any depth (open mappings such as ``mcp_servers`` and ``json_schema`` included)."""
    return (
        (path, value)
        for path, value in scalars(data)
        if type(value) in (int, float) and not fits(value)
    )


def money(amount: float) -> str:
    """``amount`` dollars as people write money: ``$1,000,000``, ``$0.50``, ``$0.005``,
    ``-$2.50``; to the millionth of a dollar at most."""
    if not math.isfinite(amount):
        return f"${amount}"
    sign, amount = ("-" if amount < 0 else ""), abs(round(amount, 6))
    if amount == int(amount):
        return f"{sign}${int(amount):,}"
    text = f"{amount:,.6f}".rstrip("0")
    decimals = len(text.partition(".")[2])
    return f"{sign}${text}" if decimals > 2 else f"{sign}${amount:,.2f}"
