"""ImagePolicy `filterTags`: keep the tags an RE2 pattern matches, and rewrite them with Go's `$name` syntax.

Flux compiles `pattern` with Go's `regexp` (RE2) and builds the compared value with `Regexp.ExpandString`.
RE2 here compiles exactly the patterns Go accepts and refuses what Go refuses (backreferences,
lookaround), and `expand` follows Go's rules: `$1`, `$name`, `${name}`, `$$` for a dollar; a name is the
longest run of letters, digits and `_`; a group that does not exist or did not take part expands to
nothing; a `$` that starts no valid name stays as text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would write every refused pattern to stderr
_MAX_GROUP = 100_000_000  # Go stops reading a group number here and treats the name as a word


class InvalidPattern(ValueError):
    """`filterTags.pattern` does not compile as an RE2 regular expression."""


@dataclass(frozen=True, slots=True)
class Filtered:
    """The tags a filter kept: each compared value (after `extract`) mapped to the tag it came from."""

    originals: Mapping[str, str]

    def compared(self) -> list[str]:
        """The values the policy compares, in the order their tags were listed."""
        return list(self.originals)


def compile_pattern(pattern: str) -> re2._Regexp[str]:
    """Compile `pattern` as Go's `regexp.Compile` would accept it, or say why it cannot."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as err:
        reason = err.args[0] if err.args else ""
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise InvalidPattern(f"invalid regular expression pattern '{pattern}': {text}") from err


def filter_tags(tags: Iterable[str], pattern: str, extract: str = "") -> Filtered:
    """Keep the tags `pattern` finds a match in; with `extract`, compare the expanded text instead.

    Two tags that extract to the same value collapse into one entry; the later tag wins, as it does in
    Flux's map of extracted value to original tag.
    """
    compiled = compile_pattern(pattern)
    names = dict(compiled.groupindex)
    kept: dict[str, str] = {}
    for tag in tags:
        match = compiled.search(tag)
        if match is None:
            continue
        value = expand(extract, _groups(match, compiled.groups), names) if extract else tag
        kept.pop(value, None)
        kept[value] = tag
    return Filtered(kept)


def _groups(match: re2._Match[str], count: int) -> list[str | None]:
    return [match.group(index) for index in range(count + 1)]


def expand(template: str, groups: list[str | None], names: Mapping[str, int]) -> str:
    """Go's `Regexp.Expand`: `template` with `$n`, `$name` and `${name}` replaced by the match's groups."""
    out: list[str] = []
    rest = template
    while rest:
        dollar = rest.find("$")
        if dollar < 0:
            out.append(rest)
            break
        out.append(rest[:dollar])
        rest = rest[dollar + 1 :]
        if rest.startswith("$"):
            out.append("$")
            rest = rest[1:]
            continue
        parsed = _reference(rest)
        if parsed is None:
            out.append("$")
            continue
        name, rest = parsed
        index = _group_number(name)
        if index is None:
            index = names.get(name)
        if index is not None and index < len(groups):
            out.append(groups[index] or "")
    return "".join(out)


def extract_problem(template: str, names: Mapping[str, int]) -> str | None:
    """Why `template` cannot work with a pattern having these named groups (as `flux create image policy`
    checks `--filter-extract`), or None. Group numbers are not checked: a pattern may not say how many."""
    rest = template
    while (dollar := rest.find("$")) >= 0:
        rest = rest[dollar + 1 :]
        if rest.startswith("$"):
            rest = rest[1:]
            continue
        parsed = _reference(rest)
        if parsed is None:
            return "--filter-extract is malformed"
        name, rest = parsed
        if _group_number(name) is None and name not in names:
            return f"capture group ${name} used in --filter-extract not found in --filter-regex"
    return None


def _reference(text: str) -> tuple[str, str] | None:
    """The group name at the start of `text` (after a `$`) and what follows it, or None when malformed."""
    brace = text.startswith("{")
    body = text[1:] if brace else text
    end = 0
    while end < len(body) and (body[end].isalpha() or body[end].isdecimal() or body[end] == "_"):
        end += 1
    if end == 0:
        return None
    name = body[:end]
    if brace:
        if end >= len(body) or body[end] != "}":
            return None
        end += 1
    return name, body[end:]


def _group_number(name: str) -> int | None:
    if not name.isascii() or not name.isdigit() or (name.startswith("0") and len(name) > 1):
        return None
    number = 0
    for digit in name:
        if number >= _MAX_GROUP:
            return None
        number = number * 10 + int(digit)
    return number
