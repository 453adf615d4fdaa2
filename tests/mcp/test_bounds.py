"""Bounded answers: a long text is cut with the offset to read on, a list is paged with the next offset."""

from __future__ import annotations

from reflow.mcp.bounds import page, window


def test_a_long_text_is_cut_with_the_offset_to_read_on() -> None:
    text = "x" * 25
    first = window(text, 0, size=10)
    assert first.startswith("x" * 10 + "\n[truncated: characters 0-10 of 25 shown; call again with offset=10")
    assert window(text, 20, size=10) == "x" * 5
    assert window(text, 30, size=10) == "[nothing after offset 30: the text has 25 characters]\n"
    assert window("short") == "short"


def test_a_page_names_the_next_offset_until_the_last() -> None:
    assert page(list(range(5)), 0, 2) == ([0, 1], "[1-2 of 5 shown; call again with offset=2 for the next page]\n")
    assert page(list(range(5)), 4, 2) == ([4], "")
