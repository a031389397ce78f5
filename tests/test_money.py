"""Dollar amounts: which config numbers are amounts at all, and how they are printed."""

from __future__ import annotations

import math

import pytest

from agentsync.config.money import MAX_AMOUNT, dollars, fits, money


@pytest.mark.parametrize(
    ("amount", "printed"),
    [
        (0, "$0"),
        (5, "$5"),
        (1_000_000, "$1,000,000"),
        (0.5, "$0.50"),
        (1234.25, "$1,234.25"),
        (0.005, "$0.005"),
        (MAX_AMOUNT, "$1,000,000,000,000,000"),
        (1440 * 0.35, "$504"),  # float noise: 503.99999999999994
        (24 * 0.1, "$2.40"),
        (99.9999999, "$100"),
        (-0.5, "-$0.50"),
        (1e-7, "$0"),
    ],
)
def test_money_is_printed_as_money(amount: float, printed: str) -> None:
    assert money(amount) == printed


@pytest.mark.parametrize(
    "value", [math.nan, math.inf, -math.inf, 10**309, 10**16, MAX_AMOUNT + 1, -(10**20)]
)
def test_numbers_no_field_can_hold_do_not_fit(value: float) -> None:
    assert not fits(value)
    assert dollars(value) is None


@pytest.mark.parametrize("value", [True, "5", None, [5], {"run": 5}])
def test_only_numbers_are_amounts(value: object) -> None:
    assert dollars(value) is None


def test_an_amount_is_a_float() -> None:
    assert dollars(5) == 5.0
    assert isinstance(dollars(5), float)
    assert dollars(MAX_AMOUNT) == float(MAX_AMOUNT)
