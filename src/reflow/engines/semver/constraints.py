"""Version ranges (`>=1.2 <2`, `~1.3`, `^0.2`, `1.x`, `1 - 2 || 3`) with Masterminds/semver v3 semantics.

A range is a list of OR groups, each a list of comparators that must all hold. A prerelease version only
satisfies a group when the caller asks for prereleases or one of the group's comparators names a
prerelease (`>=1.0.0-0`), which is how Flux users opt in to release candidates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reflow.engines.semver.version import Version, compare_prerelease, parse_version

_SPACE = r"[\t\n\f\r ]"
_OPERATORS = r"=||!=|>|<|>=|=>|<=|=<|~|~>|\^"
_VERSION = (
    r"v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?"
    r"(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
    r"(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?"
)
_ONE = re.compile(rf"{_SPACE}*({_OPERATORS}){_SPACE}*({_VERSION}){_SPACE}*")
_HYPHEN_RANGE = re.compile(rf"{_SPACE}*({_VERSION}){_SPACE}+-{_SPACE}+({_VERSION}){_SPACE}*")
_FIND = re.compile(rf"({_OPERATORS}){_SPACE}*({_VERSION})")
_GROUP = re.compile(
    rf"({_SPACE}*({_OPERATORS}){_SPACE}*({_VERSION}){_SPACE}*)"
    rf"((?:{_SPACE}+|,{_SPACE}*)({_OPERATORS}){_SPACE}*({_VERSION}){_SPACE}*)*"
)
_WILDCARDS = frozenset({"x", "X", "*"})


class InvalidConstraint(ValueError):
    """The range text does not parse; the message names the offending part as the upstream library does."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparator:
    """One `<op><version>` term; `*_wildcard` record which parts were `x`, `*` or left out."""

    operator: str
    text: str  # the version as written, e.g. `1.x`
    version: Version  # wildcards read as zero
    wildcard: bool = False
    minor_wildcard: bool = False
    patch_wildcard: bool = False

    def __str__(self) -> str:
        return self.operator + self.text

    def failure(self, candidate: Version, include_prerelease: bool) -> str | None:
        """Why `candidate` does not satisfy this term, or None when it does."""
        if candidate.prerelease and not include_prerelease:
            return f"{candidate} is a prerelease version and the constraint is only looking for release versions"
        return _CHECKS[self.operator](candidate, self)


def _not_equal(v: Version, c: Comparator) -> str | None:
    con, equal = c.version, f"{v} is equal to {c.text}"
    if c.wildcard:
        if con.major != v.major:
            return None
        if con.minor != v.minor and not c.minor_wildcard:
            return None
        if c.minor_wildcard:
            return equal
        if con.patch != v.patch and not c.patch_wildcard:
            return None
        if c.patch_wildcard:
            if (v.prerelease or con.prerelease) and compare_prerelease(v.prerelease, con.prerelease) != 0:
                return None
            return equal
    return equal if v == con else None


def _greater(v: Version, c: Comparator) -> str | None:
    con, failed = c.version, f"{v} is less than or equal to {c.text}"
    if c.wildcard:
        if v.major != con.major:
            return None if v.major > con.major else failed
        if c.minor_wildcard:
            return failed
        if c.patch_wildcard:
            return None if v.minor > con.minor else failed
    return None if v.compare(con) == 1 else failed


def _less(v: Version, c: Comparator) -> str | None:
    return None if v.compare(c.version) < 0 else f"{v} is greater than or equal to {c.text}"


def _greater_or_equal(v: Version, c: Comparator) -> str | None:
    return None if v.compare(c.version) >= 0 else f"{v} is less than {c.text}"


def _less_or_equal(v: Version, c: Comparator) -> str | None:
    con, failed = c.version, f"{v} is greater than {c.text}"
    if not c.wildcard:
        return None if v.compare(con) <= 0 else failed
    if v.major > con.major:
        return failed
    if v.major == con.major and v.minor > con.minor and not c.minor_wildcard:
        return failed
    return None


def _tilde(v: Version, c: Comparator) -> str | None:
    con = c.version
    if v < con:
        return f"{v} is less than {c.text}"
    if (con.major, con.minor, con.patch) == (0, 0, 0) and not c.minor_wildcard and not c.patch_wildcard:
        return None
    if v.major != con.major:
        return f"{v} does not have same major version as {c.text}"
    if v.minor != con.minor and not c.minor_wildcard:
        return f"{v} does not have same major and minor version as {c.text}"
    return None


def _tilde_or_equal(v: Version, c: Comparator) -> str | None:
    if c.wildcard:
        return _tilde(v, c)
    return None if v == c.version else f"{v} is not equal to {c.text}"


def _caret(v: Version, c: Comparator) -> str | None:
    con = c.version
    if v < con:
        return f"{v} is less than {c.text}"
    if con.major > 0 or c.minor_wildcard:
        return None if v.major == con.major else f"{v} does not have same major version as {c.text}"
    if v.major > 0:
        return f"{v} does not have same major version as {c.text}"
    if con.minor > 0 or c.patch_wildcard:
        if v.minor == con.minor:
            return None
        return (
            f"{v} does not have same minor version as {c.text}. "
            "Expected minor versions to match when constraint major version is 0"
        )
    if v.minor > 0:
        return f"{v} does not have same minor version as {c.text}"
    if con.patch == v.patch:
        return None
    return f"{v} does not equal {c.text}. Expect version and constraint to equal when major and minor versions are 0"


_CHECKS: dict[str, Callable[[Version, Comparator], str | None]] = {
    "": _tilde_or_equal,
    "=": _tilde_or_equal,
    "!=": _not_equal,
    ">": _greater,
    "<": _less,
    ">=": _greater_or_equal,
    "=>": _greater_or_equal,
    "<=": _less_or_equal,
    "=<": _less_or_equal,
    "~": _tilde,
    "~>": _tilde,
    "^": _caret,
}


def parse_comparator(text: str) -> Comparator:
    """Parse one term such as `>= 1.2` or `~1.x`; the empty string means any release."""
    if not text:
        return Comparator(operator="", text="", version=Version(0, 0, 0), wildcard=True)
    match = _ONE.fullmatch(text)
    if match is None:
        raise InvalidConstraint(f"improper constraint: {text}")
    operator, written, major, minor, patch, prerelease = match.group(1, 2, 3, 4, 5, 6)
    minor, patch, prerelease = minor or "", patch or "", prerelease or ""
    wildcard = minor_wildcard = patch_wildcard = False
    if major in _WILDCARDS:
        wildcard, normalised = True, f"0.0.0{prerelease}"
    elif not minor or minor[1:] in _WILDCARDS:
        wildcard = minor_wildcard = True
        normalised = f"{major}.0.0{prerelease}"
    elif not patch or patch[1:] in _WILDCARDS:
        wildcard = patch_wildcard = True
        normalised = f"{major}{minor}.0{prerelease}"
    else:
        normalised = written
    try:
        version = parse_version(normalised)
    except ValueError as err:
        raise InvalidConstraint("constraint parser error") from err
    return Comparator(
        operator=operator,
        text=written,
        version=version,
        wildcard=wildcard,
        minor_wildcard=minor_wildcard,
        patch_wildcard=patch_wildcard,
    )


def rewrite_hyphen_ranges(text: str) -> str:
    """Turn each `A - B` into `>= A, <= B ` (the spaces around the hyphen are what make it a range)."""
    rewritten = text
    for match in _HYPHEN_RANGE.finditer(text):
        rewritten = rewritten.replace(match.group(0), f">= {match.group(1)}, <= {match.group(11)} ", 1)
    return rewritten


@dataclass(frozen=True, slots=True)
class Constraints:
    """A parsed range: OR groups of AND-ed comparators, plus whether each group names a prerelease."""

    groups: tuple[tuple[Comparator, ...], ...]
    include_prerelease: bool = False

    def __str__(self) -> str:
        return " || ".join(" ".join(str(term) for term in group) for group in self.groups)

    def _prereleases_in(self, group: tuple[Comparator, ...]) -> bool:
        return self.include_prerelease or any(term.version.prerelease for term in group)

    def check(self, version: Version) -> bool:
        """Whether `version` satisfies every comparator of at least one group."""
        return any(
            all(term.failure(version, self._prereleases_in(group)) is None for term in group) for group in self.groups
        )

    def validate(self, version: Version) -> list[str]:
        """The reasons `version` fails, in group order; empty when it satisfies the range."""
        reasons: list[str] = []
        prerelease_reported = False
        for group in self.groups:
            include = self._prereleases_in(group)
            satisfied = True
            for term in group:
                if version.prerelease and not include:
                    if not prerelease_reported:
                        reasons.append(
                            f"{version} is a prerelease version and the constraint is only looking for release versions"
                        )
                        prerelease_reported = True
                    satisfied = False
                elif (reason := term.failure(version, include)) is not None:
                    reasons.append(reason)
                    satisfied = False
            if satisfied:
                return []
        return reasons


def parse_constraints(text: str, *, include_prerelease: bool = False) -> Constraints:
    """Parse a range: `||` separates alternatives, spaces or commas separate the terms of one."""
    groups = []
    for alternative in rewrite_hyphen_ranges(text).split("||"):
        if _GROUP.fullmatch(alternative) is None:
            raise InvalidConstraint(f"improper constraint: {alternative}")
        terms = [match.group(0) for match in _FIND.finditer(alternative)] or [alternative]
        groups.append(tuple(parse_comparator(term) for term in terms))
    return Constraints(tuple(groups), include_prerelease)
