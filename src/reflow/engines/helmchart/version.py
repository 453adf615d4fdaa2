"""The version a built chart gets: the chart's own, plus the build metadata Flux adds.

- `reconcileStrategy: Revision` (Git and Bucket sources): the first 12 hex characters of the source's
  revision digest, so every new commit or bucket state makes a new chart version;
- `valuesFiles` (beyond a lone `values.yaml`): the HelmChart's generation, so a changed list is a new
  version; with both, `<digest>.<generation>`.

The metadata replaces whatever build metadata the chart version had.
"""

from __future__ import annotations

from collections.abc import Sequence

from reflow.engines.helmchart.errors import MetadataPatchError
from reflow.engines.semver import InvalidVersion, parse_strict, parse_version

SHORT_DIGEST = 12
"""Hex characters of the source digest kept (a label value holds 63 characters)."""


def source_digest(kind: str, revision: str) -> str:
    """The hex digest in a Git (`main@sha1:<hex>`, legacy `main/<hex>`) or Bucket (`sha256:<hex>`) revision."""
    if kind == "GitRepository":
        hex_part = revision.rpartition("@")[2].rpartition(":")[2] if "@" in revision or ":" in revision else ""
        return hex_part or revision.rpartition("/")[2]
    algorithm, _, hex_part = revision.partition(":")
    return hex_part if hex_part and algorithm else revision


def version_metadata(
    *, kind: str, strategy: str, source_revision: str, values_files: Sequence[str], generation: int
) -> str:
    """The build metadata of the chart version, empty when the chart keeps its own."""
    parts = []
    if strategy == "Revision" and kind in ("GitRepository", "Bucket"):
        parts.append(source_digest(kind, source_revision)[:SHORT_DIGEST])
    if values_files:
        parts.append(str(generation))
    return ".".join(parts)


def with_metadata(version: str, metadata: str) -> str:
    """`version` with its build metadata replaced by `metadata`; unchanged when `metadata` is empty."""
    if not metadata:
        return version
    try:
        return str(parse_version(version).with_metadata(metadata))
    except InvalidVersion as error:
        message = f"chart version '{version}' cannot take build metadata '{metadata}': {error}"
        raise MetadataPatchError(message) from error


def exact_version(version: str) -> bool:
    """Whether `version` names one version rather than a range."""
    try:
        parse_strict(version)
    except InvalidVersion:
        return False
    return True
