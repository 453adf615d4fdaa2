"""Semantic versions as Masterminds/semver v3 reads, orders and prints them (the library Flux uses)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import total_ordering

_UINT64_MAX = 2**64 - 1
_DIGITS = frozenset("0123456789")
_IDENTIFIER_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789")

# The lenient shape: one to three numbers (leading zeros allowed), then optional prerelease and metadata.
_LOOSE = re.compile(
    r"v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
# The exact shape (no leading zeros anywhere), still allowing a `v` prefix and missing minor/patch.
_EXACT = re.compile(
    r"v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*))?(?:\.(0|[1-9][0-9]*))?"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?"
)


class InvalidVersion(ValueError):
    """The text is not a version this parser accepts; the message is the upstream library's."""

    message = "invalid semantic version"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)


class EmptyVersion(InvalidVersion):
    """An empty string was given as a version."""

    message = "version string empty"


class InvalidCharacters(InvalidVersion):
    """A major, minor or patch segment holds something other than digits."""

    message = "invalid characters in version"


class SegmentStartsZero(InvalidVersion):
    """A numeric segment has a leading zero, which SemVer forbids."""

    message = "version segment starts with 0"


class InvalidPrerelease(InvalidVersion):
    """The prerelease part has an empty or non-alphanumeric identifier."""

    message = "invalid prerelease string"


class InvalidMetadata(InvalidVersion):
    """The build metadata part has an empty or non-alphanumeric identifier."""

    message = "invalid metadata string"


@total_ordering
@dataclass(frozen=True, slots=True, eq=False)
class Version:
    """One version; equality and order ignore build metadata and the text it was parsed from."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    metadata: str = ""
    original: str = field(default="")

    def __post_init__(self) -> None:
        if not self.original:
            object.__setattr__(self, "original", str(self))

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += f"-{self.prerelease}"
        if self.metadata:
            text += f"+{self.metadata}"
        return text

    def compare(self, other: Version) -> int:
        """-1, 0 or 1 as this version sorts before, with, or after `other`."""
        for mine, theirs in ((self.major, other.major), (self.minor, other.minor), (self.patch, other.patch)):
            if mine != theirs:
                return -1 if mine < theirs else 1
        if self.prerelease == other.prerelease == "":
            return 0
        if not self.prerelease:
            return 1
        if not other.prerelease:
            return -1
        return compare_prerelease(self.prerelease, other.prerelease)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self.compare(other) == 0

    def __lt__(self, other: Version) -> bool:
        return self.compare(other) < 0

    def __hash__(self) -> int:
        return hash((self.major, self.minor, self.patch, self.prerelease))

    @property
    def v_prefix(self) -> str:
        """`v` when the parsed text started with a lowercase v, else empty."""
        return "v" if self.original.startswith("v") else ""

    def _renamed(self, **changes: int | str) -> Version:
        bumped = replace(self, original="", **changes)  # type: ignore[arg-type]
        return replace(bumped, original=self.v_prefix + str(bumped))

    def next_patch(self) -> Version:
        """The next patch release; a prerelease becomes its own release instead."""
        if self.prerelease:
            return self._renamed(prerelease="", metadata="")
        return self._renamed(patch=self.patch + 1, prerelease="", metadata="")

    def next_minor(self) -> Version:
        """The next minor release, patch reset, prerelease and metadata dropped."""
        return self._renamed(minor=self.minor + 1, patch=0, prerelease="", metadata="")

    def next_major(self) -> Version:
        """The next major release, minor and patch reset, prerelease and metadata dropped."""
        return self._renamed(major=self.major + 1, minor=0, patch=0, prerelease="", metadata="")

    def with_prerelease(self, prerelease: str) -> Version:
        """This version with another prerelease (no leading hyphen); raises when it is invalid."""
        if prerelease:
            check_prerelease(prerelease)
        return self._renamed(prerelease=prerelease)

    def with_metadata(self, metadata: str) -> Version:
        """This version with other build metadata (no leading plus); raises when it is invalid."""
        if metadata:
            check_metadata(metadata)
        return self._renamed(metadata=metadata)


def compare_prerelease(left: str, right: str) -> int:
    """Order two prerelease strings identifier by identifier; numbers sort before words."""
    left_parts, right_parts = left.split("."), right.split(".")
    for index in range(max(len(left_parts), len(right_parts))):
        mine = left_parts[index] if index < len(left_parts) else ""
        theirs = right_parts[index] if index < len(right_parts) else ""
        if outcome := _compare_identifier(mine, theirs):
            return outcome
    return 0


def _as_uint(text: str) -> int | None:
    if not text or not _DIGITS.issuperset(text):
        return None
    number = int(text)
    return number if number <= _UINT64_MAX else None


def _compare_identifier(mine: str, theirs: str) -> int:
    if mine == theirs:
        return 0
    if not mine:
        return -1
    if not theirs:
        return 1
    my_number, their_number = _as_uint(mine), _as_uint(theirs)
    if my_number is None and their_number is None:
        return 1 if mine > theirs else -1
    if their_number is None:
        return -1
    if my_number is None:
        return 1
    return 1 if my_number > their_number else -1


def check_prerelease(prerelease: str) -> None:
    """Raise unless every dot-separated identifier is non-empty, alphanumeric, and not a zero-led number."""
    for part in prerelease.split("."):
        if not part:
            raise InvalidPrerelease()
        if _DIGITS.issuperset(part):
            if len(part) > 1 and part[0] == "0":
                raise SegmentStartsZero()
        elif not _IDENTIFIER_CHARS.issuperset(part):
            raise InvalidPrerelease()


def check_metadata(metadata: str) -> None:
    """Raise unless every dot-separated identifier is non-empty and alphanumeric."""
    for part in metadata.split("."):
        if not part or not _IDENTIFIER_CHARS.issuperset(part):
            raise InvalidMetadata()


def _segment(text: str) -> int:
    number = int(text)
    if number > _UINT64_MAX:
        raise InvalidVersion(f'error parsing version segment: strconv.ParseUint: parsing "{text}": value out of range')
    return number


def parse_strict(text: str) -> Version:
    """Parse an exact SemVer 2.0 version: three numbers, no `v`, no leading zeros."""
    if not text:
        raise EmptyVersion()
    parts = text.split(".", 2)
    if len(parts) != 3:
        raise InvalidVersion()
    metadata = prerelease = ""
    if "+" in parts[2]:
        parts[2], metadata = parts[2].split("+", 1)
        check_metadata(metadata)
    if "-" in parts[2]:
        parts[2], prerelease = parts[2].split("-", 1)
        check_prerelease(prerelease)
    for part in parts:
        if not _DIGITS.issuperset(part):
            raise InvalidCharacters()
        if len(part) > 1 and part[0] == "0":
            raise SegmentStartsZero()
        if not part:
            raise InvalidVersion(f'strconv.ParseUint: parsing "{part}": invalid syntax')
    major, minor, patch = (_segment(part) for part in parts)
    return Version(major, minor, patch, prerelease, metadata, text)


def parse_version(text: str, *, coerce: bool = True, detailed_errors: bool = True) -> Version:
    """Parse a version the way Masterminds `NewVersion` does.

    With `coerce` (the library default, and what Flux gets) a `v` prefix, missing minor/patch and leading
    zeros are accepted: `v1.2` is 1.2.0. Without it leading zeros are refused, and `detailed_errors` picks
    a specific error class over the generic one.
    """
    if coerce:
        return _parse_coerced(text)
    match = _EXACT.fullmatch(text)
    if match is None:
        if detailed_errors and (loose := _LOOSE.fullmatch(text)) is not None:
            _explain(loose)
        raise InvalidVersion()
    major, minor, patch, prerelease, metadata = match.groups(default="")
    version = Version(_segment(major), _segment(minor or "0"), _segment(patch or "0"), prerelease, metadata, text)
    if prerelease:
        check_prerelease(prerelease)
    if metadata:
        check_metadata(metadata)
    return version


def _parse_coerced(text: str) -> Version:
    match = _LOOSE.fullmatch(text)
    if match is None:
        raise InvalidVersion()
    major, minor, patch = match.group(1), match.group(2) or ".0", match.group(3) or ".0"
    prerelease, metadata = match.group(5) or "", match.group(8) or ""
    version = Version(_segment(major), _segment(minor[1:]), _segment(patch[1:]), prerelease, metadata, text)
    if prerelease:
        check_prerelease(prerelease)
    if metadata:
        check_metadata(metadata)
    return version


def _explain(match: re.Match[str]) -> None:
    for segment in (match.group(1), (match.group(2) or "")[1:], (match.group(3) or "")[1:]):
        if len(segment) > 1 and segment[0] == "0":
            raise SegmentStartsZero()
        if segment:
            _segment(segment)
    if match.group(5):
        check_prerelease(match.group(5))
    if match.group(8):
        check_metadata(match.group(8))


def parse_tag(text: str) -> Version:
    """Parse a tag the way Flux's sources do: an exact SemVer version, optionally prefixed with `v`."""
    parse_strict(text.removeprefix("v"))
    return parse_version(text)
