"""Put a chart's missing dependencies into its `charts/` folder, as `helm dependency build` does.

A dependency declared in `Chart.yaml` and already in `charts/` (by chart name) is kept. A missing one is
- `file://<path>`: the chart folder at that path, relative to the chart and inside the source, copied
  without following links; its version must satisfy the declared range;
- `http(s)://<repository>`: the newest version within the declared range in that repository's index,
  downloaded as a `.tgz`. Which index and credentials is the caller's choice (`RepositoryFor`): a
  HelmRepository with that URL in the HelmChart's namespace, else the repository without credentials.
Repository aliases (`@name`, `alias:name`) name entries of a local helm config that a controller does
not have, and OCI dependencies are not supported; both are refused with a message that says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reflow.engines.artifact import include_parts
from reflow.engines.helmchart.errors import ChartError, DependencyBuildError
from reflow.engines.helmchart.metadata import InvalidChart, read_chart_archive, read_chart_dir
from reflow.engines.helmchart.remote import ChartVersion, download_chart, select_version
from reflow.engines.helmchart.tree import private_copy
from reflow.engines.helmrepo import ClientOptions, Index
from reflow.engines.semver import InvalidConstraint, InvalidVersion, parse_constraints, parse_version


@dataclass(frozen=True, slots=True)
class DependencyRepository:
    """A chart repository to take dependencies from: its URL, its index and how to reach it."""

    url: str
    index: Index
    options: ClientOptions


RepositoryFor = Callable[[str], Awaitable[DependencyRepository]]
"""The repository for a dependency's `repository` URL; raises DependencyBuildError when it cannot be had."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DependencyLimits:
    """Size limits for what a dependency brings in, bytes."""

    max_chart_size: int
    max_file_size: int


def present(charts: Path, limits: DependencyLimits) -> set[str]:
    """Names of the charts already in a `charts/` folder, packaged or not."""
    names: set[str] = set()
    if not charts.is_dir():
        return names
    for entry in charts.iterdir():
        try:
            if entry.is_dir() and not entry.is_symlink():
                names.add(read_chart_dir(entry, max_file_size=limits.max_file_size).name)
            elif (
                entry.suffix == ".tgz"
                and entry.is_file()
                and not entry.is_symlink()
                and entry.stat().st_size <= limits.max_chart_size
            ):
                names.add(read_chart_archive(entry.read_bytes(), max_file_size=limits.max_file_size).name)
        except InvalidChart:
            continue
    return names


def _dependency(raw: dict[str, Any]) -> tuple[str, str, str]:
    name, version, repository = raw.get("name"), raw.get("version"), raw.get("repository")
    if not isinstance(name, str) or not name:
        raise DependencyBuildError("a dependency in Chart.yaml has no name")
    return name, str(version or "*"), str(repository or "")


def _satisfies(name: str, version: str, requested: str) -> None:
    try:
        if parse_constraints(requested).check(parse_version(version)):
            return
    except (InvalidConstraint, InvalidVersion) as error:
        raise DependencyBuildError(f"dependency '{name}': {error}") from error
    raise DependencyBuildError(f"dependency '{name}': local chart version {version} does not satisfy '{requested}'")


async def build_dependencies(
    chart: Path,
    declared: Sequence[dict[str, Any]],
    *,
    source: Path,
    chart_parts: Sequence[str],
    repository_for: RepositoryFor,
    limits: DependencyLimits,
) -> int:
    """Fill `chart/charts/` with the declared dependencies it lacks; how many were added.

    `chart` is the private copy being packaged; `source` is the unpacked source and `chart_parts` the
    chart's path in it (for `file://` paths)."""
    charts = chart / "charts"
    have = await asyncio.to_thread(present, charts, limits)
    added = 0
    for raw in declared:
        name, requested, repository = _dependency(raw)
        if name in have:
            continue
        if repository.startswith("file://"):
            await asyncio.to_thread(_local, name, requested, repository, charts, source, chart_parts, limits)
        elif repository.startswith(("http://", "https://")):
            await _remote(name, requested, repository, charts, repository_for, limits)
        elif repository.startswith(("@", "alias:")):
            raise DependencyBuildError(
                f"dependency '{name}': repository alias '{repository}' cannot be resolved; use the repository URL"
            )
        elif repository.startswith("oci://"):
            raise DependencyBuildError(f"dependency '{name}': OCI dependencies ('{repository}') are not supported")
        elif not repository:
            raise DependencyBuildError(f"dependency '{name}' names no repository and is not in the chart's charts/")
        else:
            raise DependencyBuildError(f"dependency '{name}': unsupported repository '{repository}'")
        have.add(name)
        added += 1
    return added


def _local(
    name: str,
    requested: str,
    repository: str,
    charts: Path,
    source: Path,
    chart_parts: Sequence[str],
    limits: DependencyLimits,
) -> None:
    relative = repository.removeprefix("file://")
    try:
        parts = include_parts("/".join([*chart_parts, relative]))
    except ValueError as error:
        raise DependencyBuildError(f"dependency '{name}': '{repository}' points outside the source") from error
    folder = source.joinpath(*parts)
    if folder.is_symlink() or not folder.is_dir():
        raise DependencyBuildError(f"dependency '{name}': no chart folder at '{repository}'")
    target = charts / name
    if target.exists():
        raise DependencyBuildError(f"dependency '{name}': charts/{name} exists but holds another chart")
    charts.mkdir(exist_ok=True)
    try:
        private_copy(source, parts, target, max_file_size=limits.max_file_size)
        found = read_chart_dir(target, max_file_size=limits.max_file_size)
    except (ChartError, InvalidChart) as error:
        raise DependencyBuildError(f"dependency '{name}' at '{repository}': {error}") from error
    _satisfies(name, found.version, requested)


async def _remote(
    name: str, requested: str, repository: str, charts: Path, repository_for: RepositoryFor, limits: DependencyLimits
) -> None:
    source = await repository_for(repository)
    try:
        chosen: ChartVersion = select_version(source.index, name, requested)
        data = await download_chart(
            source.url, chosen, source.options, max_size=limits.max_chart_size, max_file_size=limits.max_file_size
        )
    except ChartError as error:
        raise DependencyBuildError(f"dependency '{name}' from '{repository}': {error}") from error
    await asyncio.to_thread(_write, charts / f"{name}-{chosen.version}.tgz", data)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
