"""Text cut to a limit: never longer than asked, whole lines kept, and what was left out said
when it fits whole."""

from __future__ import annotations

import pytest

from agentsync.shorten import fit_lines, truncate


def more(count: int) -> str:
    return f"{count} more not shown"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [("abc", 3, "abc"), ("abcd", 3, "ab…"), ("abcd", 1, "…"), ("abcd", 0, ""), ("", 0, "")],
)
def test_truncate_ends_with_an_ellipsis_within_the_limit(
    text: str, limit: int, expected: str
) -> None:
    assert truncate(text, limit) == expected


def test_every_row_that_fits_is_shown_the_last_needing_no_room_for_the_note() -> None:
    assert fit_lines(["H"], ["row1"], 6, more) == "H\nrow1"
    assert fit_lines(["H"], ["row1", "row2"], 11, more) == "H\nrow1\nrow2"


def test_the_rows_left_out_are_counted_after_a_blank_line() -> None:
    text = fit_lines(["H"], ["row1", "row2", "row3"], 14, lambda count: f"+{count}")
    assert text == "H\nrow1\n\n+2"


def test_a_note_that_cannot_fit_whole_is_left_out_not_cut() -> None:
    assert fit_lines(["Heading"], ["row1", "row2"], 12, more) == "Heading"
    assert fit_lines(["A long heading"], ["row"], 5, more) == "A lo…"


def test_no_head_starts_with_the_first_row() -> None:
    assert fit_lines([], ["row1", "row2"], 100, more) == "row1\nrow2"


@pytest.mark.parametrize("limit", range(60))
def test_never_longer_than_the_limit(limit: int) -> None:
    rows = [f"row {n}" for n in range(12)]
    assert len(fit_lines(["# Heading", ""], rows, limit, more)) <= limit
