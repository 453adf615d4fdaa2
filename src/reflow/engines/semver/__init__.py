"""Semantic versions and ranges with Masterminds/semver v3 semantics, and Flux's newest-in-range selection."""

from __future__ import annotations

from reflow.engines.semver.constraints import (
    Comparator,
    Constraints,
    InvalidConstraint,
    parse_comparator,
    parse_constraints,
    rewrite_hyphen_ranges,
)
from reflow.engines.semver.latest import (
    Match,
    NoMatchingVersion,
    chart_version,
    filter_tags,
    latest_git_tag,
    latest_tag,
)
from reflow.engines.semver.version import (
    EmptyVersion,
    InvalidCharacters,
    InvalidMetadata,
    InvalidPrerelease,
    InvalidVersion,
    SegmentStartsZero,
    Version,
    compare_prerelease,
    parse_strict,
    parse_tag,
    parse_version,
)

__all__ = [
    "Comparator",
    "Constraints",
    "EmptyVersion",
    "InvalidCharacters",
    "InvalidConstraint",
    "InvalidMetadata",
    "InvalidPrerelease",
    "InvalidVersion",
    "Match",
    "NoMatchingVersion",
    "SegmentStartsZero",
    "Version",
    "chart_version",
    "compare_prerelease",
    "filter_tags",
    "latest_git_tag",
    "latest_tag",
    "parse_comparator",
    "parse_constraints",
    "parse_strict",
    "parse_tag",
    "parse_version",
    "rewrite_hyphen_ranges",
]
