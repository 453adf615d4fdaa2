"""The string operators an expansion applies (`^^`, `:2:3`, `//a/b`, `##*/`, `:-x`, ...), as Flux has them.

Lengths and substring offsets count UTF-8 bytes as Go does; case changes use one-to-one character
mappings as Go's do. Trim patterns are shell globs (`reflow.engines.glob`) in which `*` also matches `/`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from reflow.engines.glob import BadPattern, matching_prefixes

Operation = Callable[[str, Sequence[str]], str]

_INT64 = range(-(2**63), 2**63)
_ATOI = re.compile(r"[+-]?[0-9]+")


def _each_char(text: str, convert: Callable[[str], str]) -> str:
    return "".join(mapped if len(mapped := convert(char)) == 1 else char for char in text)


def length(value: str, args: Sequence[str]) -> str:
    return str(len(value.encode()))


def lower(value: str, args: Sequence[str]) -> str:
    return _each_char(value, str.lower)


def upper(value: str, args: Sequence[str]) -> str:
    return _each_char(value, str.upper)


def lower_first(value: str, args: Sequence[str]) -> str:
    return _each_char(value[:1], str.lower) + value[1:]


def upper_first(value: str, args: Sequence[str]) -> str:
    return _each_char(value[:1], str.upper) + value[1:]


def default(value: str, args: Sequence[str]) -> str:
    """The value when it is non-empty, else the arguments joined (bash's `-`, `=`, `?`, `+` all act so)."""
    return value if value or not args else "".join(args)


def _integer(text: str) -> int | None:
    if not _ATOI.fullmatch(text) or int(text) not in _INT64:
        return None
    return int(text)


def substring(value: str, args: Sequence[str]) -> str:
    """`${var:offset}` and `${var:offset:length}`; negative numbers count from the end."""
    if not args:
        return value
    data = value.encode()
    position = _integer(args[0])
    if position is None:
        return value
    if position < 0:
        position = max(len(data) + position, 0)
    if len(args) == 1:
        return data[position:].decode(errors="replace")
    count = _integer(args[1])
    if count is None:
        return value
    if count < 0:
        end = len(data) + count
        return "" if end < position else data[position:end].decode(errors="replace")
    return data[position : position + count].decode(errors="replace")


def replace_all(value: str, args: Sequence[str]) -> str:
    if not args:
        return value
    return value.replace(args[0], args[1] if len(args) > 1 else "")


def replace_first(value: str, args: Sequence[str]) -> str:
    if not args:
        return value
    return value.replace(args[0], args[1] if len(args) > 1 else "", 1)


def replace_prefix(value: str, args: Sequence[str]) -> str:
    if len(args) != 2 or not value.startswith(args[0]):
        return value
    return args[1] + value[len(args[0]) :]


def replace_suffix(value: str, args: Sequence[str]) -> str:
    if len(args) != 2 or not value.endswith(args[0]):
        return value
    return value[: len(value) - len(args[0])] + args[1]


def _trim_prefix(value: str, pattern: str, *, longest: bool) -> str:
    """`value` without its longest or shortest non-empty prefix the glob matches (unchanged when none does)."""
    try:
        matched = matching_prefixes(pattern, value)
    except BadPattern:
        return value
    ends = [end for end in range(1, len(value) + 1) if matched[end]]
    if not ends:
        return value
    return value[max(ends) if longest else min(ends) :]


def trim_shortest_prefix(value: str, args: Sequence[str]) -> str:
    return _trim_prefix(value, args[0], longest=False) if args else value


def trim_longest_prefix(value: str, args: Sequence[str]) -> str:
    return _trim_prefix(value, args[0], longest=True) if args else value


def trim_shortest_suffix(value: str, args: Sequence[str]) -> str:
    return _trim_prefix(value[::-1], args[0][::-1], longest=False)[::-1] if args else value


def trim_longest_suffix(value: str, args: Sequence[str]) -> str:
    return _trim_prefix(value[::-1], args[0][::-1], longest=True)[::-1] if args else value


def operation(operator: str, arg_count: int) -> Operation:
    """The function an operator names; unknown operators (and the default family) fall back to `default`."""
    if operator == "#":
        return length if arg_count == 0 else trim_shortest_prefix
    return _OPERATIONS.get(operator, default)


_OPERATIONS: dict[str, Operation] = {
    ",": lower_first,
    ",,": lower,
    "^": upper_first,
    "^^": upper,
    "##": trim_longest_prefix,
    "%": trim_shortest_suffix,
    "%%": trim_longest_suffix,
    ":": substring,
    "/#": replace_prefix,
    "/%": replace_suffix,
    "/": replace_first,
    "//": replace_all,
}
