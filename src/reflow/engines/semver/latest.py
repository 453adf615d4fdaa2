"""Pick the newest tag or chart version within a range, as Flux's sources and image policies do.

All callers parse candidates with `parse_tag` (exact SemVer, optional `v`), skip what does not parse or
does not satisfy the range, and take the highest. Versions that differ only in build metadata compare
equal; GitRepository and HelmChart then prefer the newer commit or chart, and where Flux leaves the order
to an unstable sort reflow takes the lexically greatest tag so the choice is repeatable.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from reflow.engines.semver.constraints import Constraints, parse_constraints
from reflow.engines.semver.version import InvalidVersion, Version, parse_tag


class NoMatchingVersion(LookupError):
    """No candidate satisfies the range; the message is the one Flux reports."""


@dataclass(frozen=True, slots=True)
class Match:
    """The chosen candidate: the tag as written and its parsed version."""

    tag: str
    version: Version


def _matching(tags: Iterable[str], constraints: Constraints) -> list[Match]:
    found = []
    for tag in tags:
        try:
            version = parse_tag(tag)
        except InvalidVersion:
            continue
        if constraints.check(version):
            found.append(Match(tag, version))
    return found


def _as_constraints(constraint: str | Constraints) -> Constraints:
    return parse_constraints(constraint) if isinstance(constraint, str) else constraint


def latest_tag(tags: Iterable[str], constraint: str | Constraints) -> Match:
    """The highest tag in range: OCIRepository `ref.semver` and ImagePolicy `policy.semver`."""
    found = _matching(tags, _as_constraints(constraint))
    if not found:
        raise NoMatchingVersion(f"no match found for semver: {constraint}")
    return max(found, key=lambda match: (match.version, match.tag))


def latest_git_tag(tags: Mapping[str, datetime], constraint: str | Constraints) -> Match:
    """GitRepository `ref.semver`: the highest tag in range; equal versions go to the newest commit.

    `tags` maps each tag name to the committer time of the commit it points to.
    """
    found = _matching(tags, _as_constraints(constraint))
    if not found:
        raise NoMatchingVersion(f"no match found for semver: {constraint}")
    return max(found, key=lambda match: (match.version, tags[match.tag], match.tag))


def filter_tags(tags: Iterable[str], pattern: str | None) -> list[str]:
    """OCIRepository `ref.semverFilter`: keep the tags the regular expression finds a match in."""
    if not pattern:
        return list(tags)
    compiled = re.compile(pattern)
    return [tag for tag in tags if compiled.search(tag)]


def chart_version(chart: str, versions: Mapping[str, datetime], requested: str) -> str:
    """HelmChart `version` against a Helm repository index: the chart version to fetch.

    `versions` maps each version string in the index to its `created` time. An exact string match wins
    outright; an empty range or `*` means the newest release; equal versions go to the newest chart.
    """
    if requested and requested in versions:
        return requested
    constraints = parse_constraints(requested if requested not in ("", "*") else "*")
    found = _matching(versions, constraints)
    if not found:
        raise NoMatchingVersion(f"no '{chart}' chart with version matching '{requested}' found")
    return max(found, key=lambda match: (match.version, versions[match.tag], match.tag)).tag
