"""Helm charts for HelmChart sources: pick a version from an index, pull it, merge values files, resolve
dependencies and package with helm."""

from __future__ import annotations

from .build import Built, ChartLimits, Recipe, build_local, build_pulled, plan_local
from .dependencies import DependencyRepository, RepositoryFor
from .errors import (
    ChartError,
    ChartPackageError,
    ChartPullError,
    ChartVerificationError,
    DependencyBuildError,
    InvalidChartReference,
    MetadataPatchError,
    ValuesFilesError,
    VerificationUnsupported,
)
from .metadata import MAX_FILE_SIZE, ChartMetadata, InvalidChart, read_chart_archive
from .package import Packager, helm_path
from .remote import MAX_CHART_SIZE, ChartVersion, download_chart, select_version
from .tree import chart_parts
from .values import merge_maps, values_files_in_effect
from .version import exact_version, version_metadata, with_metadata

__all__ = [
    "MAX_CHART_SIZE",
    "MAX_FILE_SIZE",
    "Built",
    "ChartError",
    "ChartLimits",
    "ChartMetadata",
    "ChartPackageError",
    "ChartPullError",
    "ChartVerificationError",
    "ChartVersion",
    "DependencyBuildError",
    "DependencyRepository",
    "InvalidChart",
    "InvalidChartReference",
    "MetadataPatchError",
    "Packager",
    "Recipe",
    "RepositoryFor",
    "ValuesFilesError",
    "VerificationUnsupported",
    "build_local",
    "build_pulled",
    "chart_parts",
    "download_chart",
    "exact_version",
    "helm_path",
    "merge_maps",
    "plan_local",
    "read_chart_archive",
    "select_version",
    "values_files_in_effect",
    "version_metadata",
    "with_metadata",
]
