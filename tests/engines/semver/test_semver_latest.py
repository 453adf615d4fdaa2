"""Newest-in-range selection for GitRepository, OCIRepository, ImagePolicy and HelmChart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reflow.engines.semver import NoMatchingVersion, chart_version, filter_tags, latest_git_tag, latest_tag


def _at(day: int) -> datetime:
    return datetime(2026, 1, day, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tags", "constraint", "expected"),
    [
        pytest.param(["v1.0.0", "v1.1.0", "v2.0.0"], "<2.0.0", "v1.1.0", id="highest-below-bound"),
        pytest.param(["6.3.5", "6.4.0", "latest", "main"], ">=6.3.5", "6.4.0", id="non-semver-tags-skipped"),
        pytest.param(["1.0.0", "1.1.0-rc.1"], ">=1.0.0", "1.0.0", id="prerelease-needs-opt-in"),
        pytest.param(["1.0.0", "1.1.0-rc.1"], ">=1.0.0-0", "1.1.0-rc.1", id="dash-zero-opts-in-to-prereleases"),
        pytest.param(["1.0", "1.0.1"], "*", "1.0.1", id="short-versions-are-not-tags"),
        pytest.param(["01.2.3", "1.2.2"], "*", "1.2.2", id="leading-zero-tags-skipped"),
        pytest.param(["1.0.0+a", "1.0.0+b"], "1.0.0", "1.0.0+b", id="metadata-tie-taken-repeatably"),
    ],
)
def test_latest_tag_is_highest_in_range(tags: list[str], constraint: str, expected: str) -> None:
    assert latest_tag(tags, constraint).tag == expected


def test_no_tag_in_range_is_an_error_naming_the_range() -> None:
    with pytest.raises(NoMatchingVersion, match="no match found for semver: >=3"):
        latest_tag(["1.0.0"], ">=3")


def test_git_tags_with_equal_versions_prefer_the_newest_commit() -> None:
    tags = {"v1.0.0+build.2": _at(1), "v1.0.0+build.1": _at(2), "v0.9.0": _at(3)}
    assert latest_git_tag(tags, "1.x").tag == "v1.0.0+build.1"


def test_semver_filter_keeps_tags_the_pattern_finds() -> None:
    assert filter_tags(["1.0.0", "1.1.0-rc.1", "1.1.0-dev.1"], r".*-rc.*") == ["1.1.0-rc.1"]
    assert filter_tags(["a", "b"], None) == ["a", "b"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        pytest.param("", "6.1.0", id="empty-means-newest-release"),
        pytest.param("*", "6.1.0", id="star-means-newest-release"),
        pytest.param("6.0.x", "6.0.3", id="range"),
        pytest.param("6.2.0-rc.1", "6.2.0-rc.1", id="exact-string-wins-even-for-prerelease"),
        pytest.param(">=6.0.0-0", "6.2.0-rc.1", id="prerelease-range"),
    ],
)
def test_chart_version_from_index(requested: str, expected: str) -> None:
    index = {"6.0.2": _at(1), "6.0.3": _at(2), "6.1.0": _at(3), "6.2.0-rc.1": _at(4)}
    assert chart_version("podinfo", index, requested) == expected


def test_chart_versions_equal_but_for_metadata_prefer_the_newest_chart() -> None:
    assert chart_version("app", {"1.0.0+old": _at(2), "1.0.0+new": _at(1)}, "1.0.0") == "1.0.0+old"


def test_missing_chart_version_error_names_chart_and_range() -> None:
    with pytest.raises(NoMatchingVersion, match="no 'podinfo' chart with version matching '>=9' found"):
        chart_version("podinfo", {"6.0.0": _at(1)}, ">=9")
