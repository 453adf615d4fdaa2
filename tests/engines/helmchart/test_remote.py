"""Choosing a chart version from an index and resolving its download URL."""

from __future__ import annotations

import re

import pytest

from reflow.engines.helmchart import ChartPullError, InvalidChartReference, select_version
from reflow.engines.helmchart.remote import chart_url
from reflow.engines.helmrepo import load_index

INDEX = load_index(b"""
apiVersion: v1
entries:
  web:
  - {name: web, version: 1.0.0, urls: [web-1.0.0.tgz], created: "2026-01-01T00:00:00Z"}
  - {name: web, version: 1.1.0, urls: [web-1.1.0.tgz], created: "2026-01-02T00:00:00Z"}
  - {name: web, version: 2.0.0-rc.1, urls: [web-2.0.0-rc.1.tgz], created: "2026-01-03T00:00:00Z"}
  - {name: web, version: 3.0.0, urls: [], created: "2026-01-04T00:00:00Z"}
""")


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        pytest.param("1.x", "1.1.0", id="range-takes-newest"),
        pytest.param("1.0.0", "1.0.0", id="exact"),
        pytest.param("<3.0.0", "1.1.0", id="prerelease-skipped-by-range"),
        pytest.param("2.0.0-rc.1", "2.0.0-rc.1", id="exact-prerelease"),
    ],
)
def test_select_version(requested: str, expected: str) -> None:
    assert select_version(INDEX, "web", requested).version == expected


def test_unknown_chart_no_match_and_bad_range_are_invalid_references() -> None:
    with pytest.raises(InvalidChartReference, match="no chart named 'api'"):
        select_version(INDEX, "api", "*")
    with pytest.raises(InvalidChartReference, match=re.escape("no 'web' chart with version matching '9.x' found")):
        select_version(INDEX, "web", "9.x")
    with pytest.raises(InvalidChartReference, match="invalid version range"):
        select_version(INDEX, "web", "not a range")


def test_a_version_without_urls_cannot_be_pulled() -> None:
    with pytest.raises(ChartPullError, match="no download URL"):
        select_version(INDEX, "web", "3.0.0")


@pytest.mark.parametrize(
    ("repository", "url", "expected"),
    [
        pytest.param("https://h/charts", "web-1.tgz", "https://h/charts/web-1.tgz", id="relative"),
        pytest.param("https://h/charts/", "web-1.tgz", "https://h/charts/web-1.tgz", id="trailing-slash"),
        pytest.param("https://h/charts", "https://cdn/web-1.tgz", "https://cdn/web-1.tgz", id="absolute"),
        pytest.param("https://h/charts?sig=1", "web-1.tgz", "https://h/charts/web-1.tgz?sig=1", id="query-kept"),
    ],
)
def test_chart_url(repository: str, url: str, expected: str) -> None:
    assert chart_url(repository, url) == expected
