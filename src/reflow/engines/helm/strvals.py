"""Helm's `--set` syntax (`a.b[0].c=v,d=w`), as `valuesFrom[].targetPath` uses it to place one value."""

from __future__ import annotations

import re
from typing import Any

MAX_INDEX = 65536
"""Helm's bound on a list index in a `--set` path."""
_INTEGER = re.compile(r"[-+]?[0-9]+")


class StrvalsError(ValueError):
    """A `--set` expression Helm would refuse, in its words."""


def typed(value: str) -> Any:
    """A `--set` value as Helm types it: booleans, null and integers (no leading zero); anything else a string."""
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered == "null":
        return None
    if value == "0":
        return 0
    if _INTEGER.fullmatch(value) and not value.lstrip("-+").startswith("0"):
        return int(value)
    return value


class _Reader:
    """A cursor over the expression that honours backslash escapes."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def done(self) -> bool:
        return self.pos >= len(self.text)

    def until(self, stops: str) -> tuple[str, str | None]:
        """The unescaped text up to the first stop character, and that character (None at the end)."""
        out: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\" and self.pos < len(self.text):
                out.append(self.text[self.pos])
                self.pos += 1
            elif char in stops:
                return "".join(out), char
            else:
                out.append(char)
        return "".join(out), None


def parse_into(expression: str, values: dict[str, Any], *, mode: str = "typed") -> None:
    """Set the assignments of `expression` in `values`, in place.

    `mode` is `typed` (`--set`), `string` (`--set-string`) or `literal` (`--set-literal`: one assignment,
    the rest of the text as it stands).
    """
    reader = _Reader(expression)
    while not reader.done():
        _assign(reader, values, mode)


def _value(reader: _Reader, mode: str) -> tuple[Any, str | None]:
    if mode == "literal":
        rest = reader.text[reader.pos :]
        reader.pos = len(reader.text)
        return rest, None
    if reader.text.startswith("{", reader.pos):
        reader.pos += 1
        items: list[Any] = []
        while True:
            item, stop = reader.until(",}")
            items.append(item if mode == "string" else typed(item))
            if stop == "}":
                break
            if stop is None:
                raise StrvalsError(f"list value in {reader.text!r} has no closing brace")
        if not reader.done():
            _, after = reader.until(",")
            return items, after
        return items, None
    raw, stop = reader.until(",")
    return (raw if mode == "string" else typed(raw)), stop


def _assign(reader: _Reader, into: dict[str, Any], mode: str) -> None:
    key, stop = reader.until("=[.," if mode != "literal" else "=[.")
    if stop is None:
        raise StrvalsError(f"key {key!r} has no value")
    if stop == ",":
        raise StrvalsError(f"key {key!r} has no value")
    if stop == "=":
        value, _ = _value(reader, mode)
        into[key] = value
        return
    if stop == ".":
        child = into.get(key)
        if not isinstance(child, dict):
            child = {}
        into[key] = child
        _assign(reader, child, mode)
        return
    index_text, close = reader.until("]")
    if close is None or not index_text.isdigit():
        raise StrvalsError(f"invalid list index in {reader.text!r}")
    index = int(index_text)
    if index >= MAX_INDEX:
        raise StrvalsError(f"index of {key!r} is larger than the maximum {MAX_INDEX}")
    current = into.get(key)
    items: list[Any] = list(current) if isinstance(current, list) else []
    into[key] = items
    _assign_index(reader, items, index, mode)


def _assign_index(reader: _Reader, items: list[Any], index: int, mode: str) -> None:
    while len(items) <= index:
        items.append(None)
    if reader.done():
        raise StrvalsError(f"list index {index} in {reader.text!r} has no value")
    char = reader.text[reader.pos]
    reader.pos += 1
    if char == "=":
        value, _ = _value(reader, mode)
        items[index] = value
    elif char == ".":
        child = items[index] if isinstance(items[index], dict) else {}
        items[index] = child
        _assign(reader, child, mode)
    elif char == "[":
        index_text, close = reader.until("]")
        if close is None or not index_text.isdigit():
            raise StrvalsError(f"invalid list index in {reader.text!r}")
        nested = items[index] if isinstance(items[index], list) else []
        items[index] = nested
        _assign_index(reader, nested, int(index_text), mode)
    else:
        raise StrvalsError(f"unexpected {char!r} after list index in {reader.text!r}")
