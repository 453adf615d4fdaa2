"""Why a chart could not be pulled or built, each error carrying Flux's reason and the summary it starts with.

A message reads `<summary>: <what happened>`, as Flux writes it (`chart pull error: failed to download
chart …`). `fetch` errors are shown as FetchFailed, the others as BuildFailed; `persistent` ones cannot be
cured by retrying and stall the object until its spec changes.
"""

from __future__ import annotations

from typing import ClassVar

from reflow.api.conditions import (
    CHART_BUILD_UNKNOWN_ERROR,
    CHART_METADATA_PATCH_ERROR,
    CHART_PACKAGE_ERROR,
    CHART_PULL_ERROR,
    CHART_VERIFICATION_ERROR,
    DEPENDENCY_BUILD_ERROR,
    INVALID_CHART_REFERENCE,
    VALUES_FILES_ERROR,
)


class ChartError(Exception):
    """A chart could not be made; `reason` is the condition reason and `summary` prefixes the message."""

    reason: ClassVar[str] = CHART_BUILD_UNKNOWN_ERROR
    summary: ClassVar[str] = "unknown build error"
    fetch: ClassVar[bool] = False
    """True: shown as FetchFailed (the chart could not be had); False: BuildFailed."""
    persistent: ClassVar[bool] = False
    """True: only a spec change can fix it (Flux stalls the object)."""

    def __str__(self) -> str:
        return f"{self.summary}: {super().__str__()}"


class InvalidChartReference(ChartError):
    """The chart name, path or version range does not resolve to a chart."""

    reason = INVALID_CHART_REFERENCE
    summary = "invalid chart reference"
    fetch = True
    persistent = True


class ChartPullError(ChartError):
    """The chart could not be downloaded, or what was downloaded is not a chart."""

    reason = CHART_PULL_ERROR
    summary = "chart pull error"
    fetch = True


class MetadataPatchError(ChartError):
    """The chart's version cannot take the build metadata (it is not SemVer)."""

    reason = CHART_METADATA_PATCH_ERROR
    summary = "chart metadata patch error"
    persistent = True


class ValuesFilesError(ChartError):
    """A values file is missing or is not a YAML mapping."""

    reason = VALUES_FILES_ERROR
    summary = "values files merge error"
    persistent = True


class DependencyBuildError(ChartError):
    """A dependency of the chart could not be resolved or fetched."""

    reason = DEPENDENCY_BUILD_ERROR
    summary = "dependency build error"


class ChartPackageError(ChartError):
    """helm could not package the chart, or the package breaks a limit."""

    reason = CHART_PACKAGE_ERROR
    summary = "chart package error"


class ChartVerificationError(ChartError):
    """The chart's signatures do not verify it, or cannot be checked."""

    reason = CHART_VERIFICATION_ERROR
    summary = "chart verification error"


class VerificationUnsupported(ChartVerificationError):
    """`spec.verify` on a chart that is not in an OCI registry: only a spec change can fix it."""

    persistent = True
