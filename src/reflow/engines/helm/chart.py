"""What a packaged chart says about itself: the name and version in its `Chart.yaml`."""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from pathlib import Path

import yaml

MAX_CHART_YAML = 1 << 20
"""Bytes of `Chart.yaml` read at most."""


class ChartError(ValueError):
    """A chart package without a readable `Chart.yaml`."""


@dataclass(frozen=True, slots=True)
class ChartMetadata:
    name: str
    version: str
    app_version: str | None = None


def chart_metadata(package: Path) -> ChartMetadata:
    """The metadata of the chart in a `.tgz` package: its top folder's `Chart.yaml`."""
    try:
        with tarfile.open(package, "r:*") as archive:
            for member in archive:
                parts = member.name.strip("/").split("/")
                if len(parts) == 2 and parts[1] == "Chart.yaml" and member.isfile():
                    if member.size > MAX_CHART_YAML:
                        raise ChartError("Chart.yaml is larger than 1 MiB")
                    handle = archive.extractfile(member)
                    if handle is None:
                        break
                    document = yaml.safe_load(handle.read())
                    break
            else:
                raise ChartError("the chart package has no Chart.yaml in its top folder")
    except (tarfile.TarError, OSError, yaml.YAMLError) as error:
        raise ChartError(f"unable to read the chart package: {error}") from error
    if not isinstance(document, dict) or not document.get("name") or not document.get("version"):
        raise ChartError("Chart.yaml has no name or version")
    app_version = document.get("appVersion")
    return ChartMetadata(str(document["name"]), str(document["version"]), str(app_version) if app_version else None)


def digest_version(version: str, revision: str, digest: str | None) -> str:
    """The chart version with the OCI artifact's digest as build metadata (`1.2.3+<12 hex>`), as Flux tracks
    chart content from an OCIRepository: a new digest under the same version is a new chart."""
    _, at, from_revision = revision.rpartition("@")
    hex_digest = ((from_revision if at else None) or digest or "").partition(":")[2]
    if not hex_digest:
        return version
    return f"{version.partition('+')[0]}+{hex_digest[:12]}"


def with_version(package: Path, version: str, target: Path) -> None:
    """Copy the chart package to `target` with `version` in its `Chart.yaml`."""
    try:
        with tarfile.open(package, "r:*") as source, tarfile.open(target, "w:gz") as out:
            for member in source:
                handle = source.extractfile(member) if member.isfile() else None
                parts = member.name.strip("/").split("/")
                if handle is not None and len(parts) == 2 and parts[1] == "Chart.yaml":
                    document = yaml.safe_load(handle.read())
                    if not isinstance(document, dict):
                        raise ChartError("Chart.yaml is not a map")
                    data = yaml.safe_dump({**document, "version": version}, sort_keys=False).encode()
                    copy = tarfile.TarInfo(member.name)
                    copy.size, copy.mode, copy.mtime = len(data), member.mode, member.mtime
                    out.addfile(copy, io.BytesIO(data))
                    continue
                out.addfile(member, handle)
    except (tarfile.TarError, OSError, yaml.YAMLError) as error:
        raise ChartError(f"unable to rewrite the chart package: {error}") from error
