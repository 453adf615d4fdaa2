"""A chart's name and version, read from its `Chart.yaml` in a directory or in a packaged `.tgz`, and checked.

A packaged chart holds one top folder with `Chart.yaml` in it. Reading stops at the first `Chart.yaml`
found there and never reads more than `max_file_size` bytes of it, so a hostile archive cannot make
this expensive.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reflow.engines.semver import InvalidVersion, parse_version

CHART_FILE = "Chart.yaml"
MAX_FILE_SIZE = 5 << 20
"""Largest file read from a chart, bytes (Flux's `--helm-chart-file-max-size` default, 5 MiB)."""


class InvalidChart(ValueError):
    """The data is not a chart: no readable `Chart.yaml`, or one without a valid name and version."""


@dataclass(frozen=True, slots=True)
class ChartMetadata:
    """What the engine needs from `Chart.yaml`: the name, the version and the declared dependencies."""

    name: str
    version: str
    dependencies: tuple[dict[str, Any], ...] = field(default=())


def parse_chart_file(data: bytes) -> ChartMetadata:
    """`Chart.yaml` checked as Helm checks it: an apiVersion, a name, and a SemVer version."""
    try:
        document = yaml.load(data, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as error:
        raise InvalidChart(f"{CHART_FILE} is not valid YAML") from error
    if not isinstance(document, dict):
        raise InvalidChart(f"{CHART_FILE} is not a YAML mapping")
    if not document.get("apiVersion"):
        raise InvalidChart("chart.metadata.apiVersion is required")
    name, version = document.get("name"), document.get("version")
    if not isinstance(name, str) or not name:
        raise InvalidChart("chart.metadata.name is required")
    if "/" in name or name in (".", ".."):
        raise InvalidChart(f"chart.metadata.name {name!r} is not a valid chart name")
    if version is None or version == "":
        raise InvalidChart("chart.metadata.version is required")
    try:
        parse_version(str(version))
    except InvalidVersion as error:
        raise InvalidChart(f"chart.metadata.version {str(version)!r} is invalid") from error
    dependencies = document.get("dependencies") or []
    if not isinstance(dependencies, list) or not all(isinstance(dep, dict) for dep in dependencies):
        raise InvalidChart("chart.metadata.dependencies is not a list of mappings")
    return ChartMetadata(name=name, version=str(version), dependencies=tuple(dependencies))


def read_chart_dir(directory: Path, *, max_file_size: int = MAX_FILE_SIZE) -> ChartMetadata:
    """The metadata of an unpacked chart; a missing, linked or oversized `Chart.yaml` is refused."""
    path = directory / CHART_FILE
    if path.is_symlink() or not path.is_file():
        raise InvalidChart(f"no {CHART_FILE} in the chart folder")
    if path.stat().st_size > max_file_size:
        raise InvalidChart(f"{CHART_FILE} is larger than {max_file_size} bytes")
    return parse_chart_file(path.read_bytes())


def read_chart_archive(data: bytes, *, max_file_size: int = MAX_FILE_SIZE) -> ChartMetadata:
    """The metadata of a packaged chart (`<name>/Chart.yaml` in a gzip'd tarball)."""
    try:
        # Through gzip, not tarfile's "r|gz": helm writes a gzip extra field that tarfile's stream reader garbles.
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped, tarfile.open(fileobj=unzipped, mode="r|") as archive:
            for member in archive:
                parts = member.name.lstrip("./").split("/")
                if len(parts) != 2 or parts[1] != CHART_FILE or not member.isfile():
                    continue
                if member.size > max_file_size:
                    raise InvalidChart(f"{CHART_FILE} is larger than {max_file_size} bytes")
                reader = archive.extractfile(member)
                if reader is None:
                    break
                return parse_chart_file(reader.read(max_file_size + 1))
    except (tarfile.TarError, EOFError, OSError, zlib.error, gzip.BadGzipFile) as error:
        raise InvalidChart(f"not a gzip'd tarball: {error}") from error
    raise InvalidChart(f"no {CHART_FILE} in the chart archive")
