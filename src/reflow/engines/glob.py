"""Shell glob matching with Go's `path.Match` grammar: `*`, `?`, `[a-z]`, `[^...]` and `\\` escapes.

Unlike `path.Match`, `/` is an ordinary character here: envsubst's trim operators need `*` to span it,
and the ignore matcher only ever matches single path segments, where it cannot occur.
"""

from __future__ import annotations

from functools import cache


class BadPattern(ValueError):
    """The pattern is malformed (an unclosed class, a bad range, a trailing backslash)."""


_Piece = tuple[str, str, tuple[tuple[str, str], ...]]  # (kind, literal, ranges); kind: * ? [ ^ or =


@cache
def _compile(pattern: str) -> tuple[_Piece, ...]:
    pieces: list[_Piece] = []
    index = 0

    def escaped() -> str:
        nonlocal index
        if index >= len(pattern) or pattern[index] in "-]":
            raise BadPattern(pattern)
        if pattern[index] == "\\":
            index += 1
            if index >= len(pattern):
                raise BadPattern(pattern)
        char = pattern[index]
        index += 1
        return char

    while index < len(pattern):
        char = pattern[index]
        index += 1
        if char in "*?":
            pieces.append((char, "", ()))
        elif char == "\\":
            if index >= len(pattern):
                raise BadPattern(pattern)
            pieces.append(("=", pattern[index], ()))
            index += 1
        elif char == "[":
            negated = index < len(pattern) and pattern[index] == "^"
            index += negated
            ranges: list[tuple[str, str]] = []
            while not (index < len(pattern) and pattern[index] == "]" and ranges):
                low = high = escaped()
                if index < len(pattern) and pattern[index] == "-":
                    index += 1
                    high = escaped()
                ranges.append((low, high))
            index += 1
            pieces.append(("^" if negated else "[", "", tuple(ranges)))
        else:
            pieces.append(("=", char, ()))
    return tuple(pieces)


def _one(piece: _Piece, char: str) -> bool:
    kind, literal, ranges = piece
    if kind == "?":
        return True
    if kind == "=":
        return char == literal
    inside = any(low <= char <= high for low, high in ranges)
    return inside != (kind == "^")


def glob_match(pattern: str, text: str) -> bool:
    """Whether the whole of `text` matches the glob; raises ValueError for a malformed pattern."""
    return matching_prefixes(pattern, text)[len(text)]


def matching_prefixes(pattern: str, text: str) -> list[bool]:
    """For each length j from 0 to len(text), whether the glob matches `text[:j]`: one pass, O(pattern × text)."""
    pieces = _compile(pattern)
    # reachable[j]: the pieces so far can consume exactly text[:j]
    reachable = [True] + [False] * len(text)
    for piece in pieces:
        if piece[0] == "*":
            for j in range(1, len(text) + 1):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            reachable = [False] + [reachable[j] and _one(piece, text[j]) for j in range(len(text))]
    return reachable
