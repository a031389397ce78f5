"""``agentsync.http.json_body.loads``: plain JSON comes back as ``json.loads`` reads it; JSON
no output could carry again is an ``Unfit`` naming the field, however deep it stands (the
fast scan and the naming read agree)."""

from __future__ import annotations

import json

import pytest

from agentsync.http.json_body import MAX_DEPTH, Unfit, loads


def nested(levels: int, inner: str = "[]") -> str:
    return "[" * (levels - 1) + inner + "]" * (levels - 1)


@pytest.mark.parametrize(
    "text",
    [
        '{"runs": [{"id": "r1", "cost": 0.5, "tokens": 12, "ok": true, "x": null}]}',
        '"NaN"',  # a string, not the number
        '{"note": "1e400 Infinity"}',
        nested(MAX_DEPTH),
        nested(MAX_DEPTH + 1),  # the innermost array is empty: nothing stands at 101 levels
        "1" * 4300,
    ],
)
def test_what_json_loads_reads_comes_back_the_same(text: str) -> None:
    assert loads(text) == json.loads(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": [1, {"b": 1e400}]}', "a[1].b is 1e400, a number JSON cannot hold"),
        ('{"a": NaN}', "a is NaN, a number JSON cannot hold"),
        ("[-Infinity]", "[0] is -Infinity, a number JSON cannot hold"),
        ('{"n": ' + "9" * 5000 + "}", "n is an integer of 5,000 digits (at most 4,300)"),
        (nested(MAX_DEPTH + 1, "[1]"), f"is nested more than {MAX_DEPTH} levels deep"),
        ("[" * 100_000 + "]" * 100_000, f"nested more than {MAX_DEPTH} levels deep"),
    ],
)
def test_what_no_output_could_carry_is_refused_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(Unfit) as refused:
        loads(text)
    assert message in str(refused.value)


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}"])
def test_what_is_no_json_is_a_decode_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError):
        loads(text)
