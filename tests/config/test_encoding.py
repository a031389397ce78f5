"""A config file is UTF-8 (a byte order mark is fine); one in any other encoding is reported,
never read as something else nor skipped in silence."""

from __future__ import annotations

import pytest

from agentsync.config.loader import load_bytes, load_text

CONFIG = "ellipsis:\n  version: v1\nclaude:\n  system: Review the diff.\n"
OTHER_ENCODINGS = [
    ("utf-16", "UTF-16 (little-endian)"),  # Python writes a byte order mark, little-endian here
    ("utf-16-le", "UTF-16 (little-endian)"),
    ("utf-16-be", "UTF-16 (big-endian)"),
    ("utf-32", "UTF-32 (little-endian)"),
    ("utf-32-le", "UTF-32 (little-endian)"),
    ("utf-32-be", "UTF-32 (big-endian)"),
]


@pytest.mark.parametrize("with_mark", [True, False], ids=["byte order mark", "none"])
@pytest.mark.parametrize(("codec", "name"), OTHER_ENCODINGS)
def test_a_config_in_another_encoding_is_invalid(codec: str, name: str, with_mark: bool) -> None:
    text = ("\ufeff" if with_mark and "-" in codec[4:] else "") + CONFIG
    document = load_bytes(text.encode(codec), "agents/a.yaml")
    assert (document.kind, document.loaded) == ("config", False)
    (problem,) = document.problems
    assert (problem.rule, problem.line, problem.column) == ("syntax", 1, 1)
    assert problem.message == f"the file is {name}, not UTF-8: agent configs must be UTF-8"
    assert problem.hint == "save the file as UTF-8"
    assert document.source.line(1) == "ellipsis:"  # shown decoded


@pytest.mark.parametrize(("codec", "name"), OTHER_ENCODINGS)
def test_a_file_in_another_encoding_without_an_ellipsis_key_is_ignored(
    codec: str, name: str
) -> None:
    assert load_bytes("snippets:\n  tone: brief\n".encode(codec)).kind == "ignored"


@pytest.mark.parametrize("codec", ["utf-16", "utf-32"])
def test_a_flow_style_config_in_another_encoding_is_invalid(codec: str) -> None:
    document = load_bytes('{"ellipsis": {"version": "v1"}}\n'.encode(codec))
    assert (document.kind, document.loaded) == ("config", False)


def test_a_utf8_byte_order_mark_is_accepted_and_moves_no_column() -> None:
    text = "ellipsis: {version: v2}\nclaude:\n  system: x\n"
    plain = load_bytes(text.encode())
    marked = load_bytes(text.encode("utf-8-sig"))
    assert marked.data == plain.data
    assert marked.spans == plain.spans
    assert marked.text == plain.text
    assert load_text("\ufeff" + text).spans == plain.spans  # text with the mark, as an API sends


def test_invalid_utf8_is_reported_at_its_column_in_characters() -> None:
    document = load_bytes("ellipsis:\n  name: Révision — caf".encode() + b"\xe9\n")
    (problem,) = document.problems
    assert (problem.line, problem.column, problem.message) == (2, 23, "invalid UTF-8 (byte 0xe9)")
    assert problem.hint == "save the file as UTF-8"
