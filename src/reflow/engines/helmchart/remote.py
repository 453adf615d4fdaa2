"""Charts in an HTTP(S) Helm repository: pick the version a HelmChart asks for from the index, and download it.

The index is the HelmRepository's (already fetched, checked and cached), so a HelmChart costs no index
request; only the chart's `.tgz` is downloaded, with the repository's credentials and TLS settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from reflow.engines.helmchart.errors import ChartPullError, InvalidChartReference
from reflow.engines.helmchart.metadata import MAX_FILE_SIZE, InvalidChart, read_chart_archive
from reflow.engines.helmrepo import ClientOptions, HelmRepoError, Index, Limit, fetch_file
from reflow.engines.semver import InvalidConstraint, NoMatchingVersion, chart_version

MAX_CHART_SIZE = 10 << 20
"""Largest chart downloaded, bytes (Flux's `--helm-chart-max-size` default, 10 MiB)."""


@dataclass(frozen=True, slots=True)
class ChartVersion:
    """One version of a chart in an index: its name, version and download URLs as written."""

    name: str
    version: str
    urls: tuple[str, ...]


def _created(entry: Mapping[str, Any]) -> datetime:
    created = entry.get("created")
    if isinstance(created, datetime):
        return created if created.tzinfo else created.replace(tzinfo=UTC)
    try:
        return datetime.fromisoformat(str(created).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def select_version(index: Index, name: str, requested: str) -> ChartVersion:
    """The newest version of chart `name` within `requested` (a SemVer range, an exact version or `*`)."""
    entries = index.entries.get(name)
    if not entries:
        raise InvalidChartReference(f"no chart named '{name}' in the repository index")
    versions = {str(entry["version"]): _created(entry) for entry in entries}
    try:
        chosen = chart_version(name, versions, requested)
    except InvalidConstraint as error:
        raise InvalidChartReference(f"invalid version range '{requested}': {error}") from error
    except NoMatchingVersion as error:
        raise InvalidChartReference(str(error)) from error
    entry = next(entry for entry in entries if str(entry["version"]) == chosen)
    urls = entry.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(url, str) for url in urls):
        raise ChartPullError(f"chart '{name}' version '{chosen}' has no download URL in the index")
    return ChartVersion(name=name, version=chosen, urls=tuple(urls))


def chart_url(repository_url: str, url: str) -> str:
    """Where to download a chart: an absolute URL as is, a relative one below the repository URL (its query kept)."""
    if urlsplit(url).scheme:
        return url
    base = urlsplit(repository_url)
    resolved = urlsplit(urljoin(urlunsplit(base._replace(path=base.path.rstrip("/") + "/", query="")), url))
    return urlunsplit(resolved._replace(query=resolved.query or base.query))


async def download_chart(
    repository_url: str,
    chart: ChartVersion,
    options: ClientOptions,
    *,
    max_size: int = MAX_CHART_SIZE,
    max_file_size: int = MAX_FILE_SIZE,
    name: str = "",
) -> bytes:
    """The packaged chart, checked to be a chart; ChartPullError says why it could not be had."""
    address = chart_url(repository_url, chart.urls[0])
    limit = Limit(max_size, "the chart", "--helm-chart-max-size")
    try:
        data = await fetch_file(address, repository_url, options, limit=limit, name=name)
    except HelmRepoError as error:
        raise ChartPullError(f"failed to download chart for remote reference: {error}") from error
    try:
        read_chart_archive(data, max_file_size=max_file_size)
    except InvalidChart as error:
        raise ChartPullError(f"'{address}' is not a Helm chart: {error}") from error
    return data
