"""Bounded answers: a page of a list and a window of a long text, each saying how to ask for the rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

TEXT_LIMIT = 16_000
"""Characters of text one answer carries at most."""
PAGE_LIMIT = 50
"""Objects one page of a list carries unless the call asks for another number."""
PAGE_MAX = 500


def window(text: str, offset: int = 0, size: int = TEXT_LIMIT) -> str:
    """`size` characters of the text from `offset`; when more follows, a last line says which offset reads on."""
    part = text[offset : offset + size]
    end = offset + len(part)
    if end < len(text):
        shown = f"characters {offset}-{end} of {len(text)} shown"
        part += f"\n[truncated: {shown}; call again with offset={end} for the rest]\n"
    elif offset and not part:
        part = f"[nothing after offset {offset}: the text has {len(text)} characters]\n"
    return part


def page(items: Sequence[T], offset: int, limit: int) -> tuple[Sequence[T], str]:
    """The items from `offset`, at most `limit` of them, and a note naming the next offset when more follow."""
    chosen = items[offset : offset + limit]
    end = offset + len(chosen)
    if end < len(items):
        return chosen, f"[{offset + 1}-{end} of {len(items)} shown; call again with offset={end} for the next page]\n"
    return chosen, ""
