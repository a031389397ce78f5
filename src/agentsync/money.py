"""Dollar amounts in configs: reading a limit as a number that arithmetic can trust, and
printing an amount as money (``$1,000,000``, ``$0.50``)."""

from __future__ import annotations

import math

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


def money(amount: float) -> str:
    """``amount`` dollars as people write money: ``$1,000,000``, ``$0.50``, ``$0.005``."""
    if amount == int(amount):
        return f"${int(amount):,}"
    if round(amount, 2) == amount:
        return f"${amount:,.2f}"
    return f"${amount:,.6f}".rstrip("0")
