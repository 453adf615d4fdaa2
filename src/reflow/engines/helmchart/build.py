"""Build a HelmChart's artifact: the chart as pulled, or re-packaged with merged values, a version with
build metadata, or (from a Git or Bucket source) its dependencies.

`Built.summary()` is the sentence Flux shows in Ready and in the event (`pulled 'web' chart with version
'1.0.0'`, `packaged … and merged values files [values.yaml values-prod.yaml]`).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.artifact import ArtifactError, ExtractLimits, extract_tarball
from reflow.engines.helmchart.dependencies import DependencyLimits, RepositoryFor, build_dependencies
from reflow.engines.helmchart.errors import ChartPackageError, ChartPullError, InvalidChartReference
from reflow.engines.helmchart.metadata import (
    CHART_FILE,
    ChartMetadata,
    InvalidChart,
    read_chart_archive,
    read_chart_dir,
)
from reflow.engines.helmchart.package import Packager
from reflow.engines.helmchart.tree import chart_parts, private_copy, read_inside
from reflow.engines.helmchart.values import VALUES_FILE, merge_values_files, render_values


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartLimits:
    """Size limits of the charts a HelmChart handles, bytes (Flux's `--helm-chart-*` flags)."""

    max_chart_size: int
    max_file_size: int

    def dependencies(self) -> DependencyLimits:
        return DependencyLimits(max_chart_size=self.max_chart_size, max_file_size=self.max_file_size)


@dataclass(frozen=True, slots=True, kw_only=True)
class Built:
    """A chart ready to store: its name, version, packaged bytes and how it was made."""

    name: str
    version: str
    data: bytes
    packaged: bool
    values_files: tuple[str, ...] = ()
    dependencies: int = 0

    def summary(self) -> str:
        action = "packaged" if self.packaged else "pulled"
        text = f"{action} '{self.name}' chart with version '{self.version}'"
        if self.values_files:
            text += f" and merged values files [{' '.join(self.values_files)}]"
        return text


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipe:
    """What the HelmChart asks for beyond the chart itself."""

    version: str
    """The version the built chart gets (with Flux's build metadata, if any)."""
    values_files: tuple[str, ...] = ()
    """The values files in effect (a lone `values.yaml` is none)."""
    ignore_missing: bool = False


async def build_pulled(data: bytes, name: str, recipe: Recipe, packager: Packager, limits: ChartLimits) -> Built:
    """A chart downloaded from a repository: as is, unless values or a new version make it re-packaged.

    Values files are paths inside the chart."""
    meta = read_chart_archive(data, max_file_size=limits.max_file_size)
    if not recipe.values_files and recipe.version == meta.version:
        return Built(name=name, version=recipe.version, data=data, packaged=False)
    with tempfile.TemporaryDirectory(prefix="reflow-chart-") as scratch:
        folder = await _unpack(data, Path(scratch), limits)
        return await _package(folder, folder, meta, recipe, packager, limits, name=name)


def plan_local(source: Path, path: str, limits: ChartLimits) -> ChartMetadata:
    """The metadata of the chart at `path` in an unpacked source (a folder or a packaged `.tgz`)."""
    parts = chart_parts(path)
    target = source.joinpath(*parts)
    try:
        if target.is_symlink():
            raise InvalidChartReference(f"chart path '{path}' is a link")
        if target.is_dir():
            return read_chart_dir(target, max_file_size=limits.max_file_size)
        if target.is_file() and target.stat().st_size <= limits.max_chart_size:
            return read_chart_archive(target.read_bytes(), max_file_size=limits.max_file_size)
    except InvalidChart as error:
        raise InvalidChartReference(f"no valid chart at '{path}': {error}") from error
    raise InvalidChartReference(f"no chart folder or packaged chart at '{path}' in the source")


async def build_local(
    source: Path,
    path: str,
    recipe: Recipe,
    packager: Packager,
    limits: ChartLimits,
    *,
    repository_for: RepositoryFor,
) -> Built:
    """A chart from a Git or Bucket artifact unpacked at `source`: packaged with its dependencies.

    Values files are paths inside the source. A packaged chart is stored as is when nothing changes it."""
    meta = plan_local(source, path, limits)
    parts = chart_parts(path)
    target = source.joinpath(*parts)
    with tempfile.TemporaryDirectory(prefix="reflow-chart-") as scratch:
        if target.is_file():
            data = await asyncio.to_thread(target.read_bytes)
            if not recipe.values_files and recipe.version == meta.version:
                return Built(name=meta.name, version=recipe.version, data=data, packaged=False)
            folder = await _unpack(data, Path(scratch), limits)
            return await _package(folder, source, meta, recipe, packager, limits)
        folder = Path(scratch) / meta.name
        await asyncio.to_thread(private_copy, source, parts, folder, max_file_size=limits.max_file_size)
        added = await build_dependencies(
            folder,
            meta.dependencies,
            source=source,
            chart_parts=parts,
            repository_for=repository_for,
            limits=limits.dependencies(),
        )
        return await _package(folder, source, meta, recipe, packager, limits, dependencies=added)


async def _unpack(data: bytes, scratch: Path, limits: ChartLimits) -> Path:
    """Unpack a packaged chart below `scratch`; its one top folder."""
    archive, folder = scratch / "chart.tgz", scratch / "unpacked"
    archive.write_bytes(data)
    try:
        await asyncio.to_thread(extract_tarball, archive, folder, ExtractLimits(max_size=10 * limits.max_chart_size))
    except ArtifactError as error:
        raise ChartPullError(f"the chart archive cannot be unpacked: {error}") from error
    tops = [entry for entry in folder.iterdir() if entry.is_dir() and (entry / CHART_FILE).is_file()]
    if len(tops) != 1:
        raise ChartPullError("the chart archive does not hold exactly one chart folder")
    return tops[0]


async def _package(
    folder: Path,
    values_root: Path,
    meta: ChartMetadata,
    recipe: Recipe,
    packager: Packager,
    limits: ChartLimits,
    *,
    name: str | None = None,
    dependencies: int = 0,
) -> Built:
    """Write the merged values into `folder` and package it at the recipe's version."""
    merged_files: Sequence[str] = ()
    if recipe.values_files:
        # Inside a pulled chart the chart's own values.yaml is read like any other file of the chart.
        merged = merge_values_files(
            recipe.values_files,
            lambda path: read_inside(values_root, path, max_file_size=limits.max_file_size),
            ignore_missing=recipe.ignore_missing,
        )
        (folder / VALUES_FILE).write_bytes(render_values(merged.values))
        merged_files = merged.files
    data = await packager.package(folder, recipe.version, max_size=limits.max_chart_size)
    try:
        read_chart_archive(data, max_file_size=limits.max_file_size)
    except InvalidChart as error:
        raise ChartPackageError(f"helm wrote an unreadable chart: {error}") from error
    return Built(
        name=name or meta.name,
        version=recipe.version,
        data=data,
        packaged=True,
        values_files=tuple(merged_files),
        dependencies=dependencies,
    )
