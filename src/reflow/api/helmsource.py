"""Models of the Helm sources HelmRepository and HelmChart (`source.toolkit.fluxcd.io/v1`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import (
    STATUS_DEFAULT,
    AccessFrom,
    LastHandledReconcileAt,
    LocalObjectReference,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, Column, KindInfo, Prop, Rule
from reflow.api.source import (
    CATEGORIES,
    CONTROLLER,
    GROUP,
    VERSION,
    ArtifactStatus,
    CertSecretRef,
    CloudProvider,
    Insecure,
    OIDCIdentityMatch,
    StatusURL,
)

ReconcileStrategy = Literal["ChartVersion", "Revision"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmRepositorySpec:
    """Which Helm repository index to fetch and how."""

    url: Annotated[str, Prop("Address of the repository: http(s):// or oci://.", pattern=r"^(http|https|oci)://.*$")]
    type: Annotated[
        Literal["default", "oci"] | None, Prop("`default` for an HTTP index, `oci` for an OCI registry.")
    ] = None
    interval: Annotated[float | None, Prop("How often to fetch the index; 1m when empty.", duration="h")] = None
    timeout: Annotated[float | None, Prop("Time limit for fetching the index; 1m when empty.", duration="m")] = None
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with `username` and `password`.")] = None
    cert_secret_ref: CertSecretRef = None
    pass_credentials: Annotated[bool, Prop("Send the credentials to hosts other than the repository's.")] = False
    provider: Annotated[
        CloudProvider, Prop("Cloud login for OCI repositories; `generic` for none.", default="generic")
    ] = "generic"
    access_from: Annotated[AccessFrom | None, Prop("Namespaces allowed to use this repository.")] = None
    insecure: Insecure = False
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmRepositoryStatus:
    """What source-controller last observed and stored for a HelmRepository."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    artifact: ArtifactStatus = None
    url: StatusURL = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmRepository:
    """A Helm chart repository whose index source-controller publishes as an artifact."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="HelmRepository",
        plural="helmrepositories",
        short_names=("helmrepo",),
        categories=CATEGORIES,
        columns=(Column(name="URL", json_path=".spec.url"), AGE, READY, STATUS),
        controller=CONTROLLER,
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[HelmRepositorySpec, Prop("Desired state of the HelmRepository.")]
    status: Annotated[HelmRepositoryStatus, Prop("Observed state of the HelmRepository.", default=STATUS_DEFAULT)] = (
        field(default_factory=HelmRepositoryStatus)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmChartSourceReference:
    """The source holding the chart, in the HelmChart's namespace."""

    api_version: Annotated[str | None, Prop("API version of the source.")] = None
    kind: Annotated[Literal["HelmRepository", "GitRepository", "Bucket"], Prop("Kind of the source.")]
    name: Annotated[str, Prop("Name of the source.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmChartVerification:
    """Signature verification of a chart pulled from an OCI Helm repository."""

    provider: Annotated[
        Literal["cosign", "notation"], Prop("Signature tool to verify with.", required=True, default="cosign")
    ] = "cosign"
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with the trusted public keys.")] = None
    match_oidc_identity: Annotated[
        tuple[OIDCIdentityMatch, ...],
        Prop("Accepted identities for keyless signatures; any may match.", wire="matchOIDCIdentity"),
    ] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmChartSpec:
    """Which chart to package from a source, at which version, with which values files."""

    chart: Annotated[str, Prop("Chart name in a HelmRepository, or chart path in a Git or Bucket artifact.")]
    version: Annotated[str, Prop("SemVer range of the chart (HelmRepository sources only).", default="*")] = "*"
    source_ref: Annotated[HelmChartSourceReference, Prop("The source holding the chart.")]
    interval: Annotated[float, Prop("How often to look for a new chart version.", duration="h")]
    reconcile_strategy: Annotated[
        ReconcileStrategy,
        Prop("Make a new artifact on a new chart version, or on every source revision.", default="ChartVersion"),
    ] = "ChartVersion"
    values_files: Annotated[tuple[str, ...], Prop("Values files merged, in order, into the chart's values.")] = ()
    ignore_missing_values_files: Annotated[bool, Prop("Skip values files that do not exist.")] = False
    verify: Annotated[HelmChartVerification | None, Prop("Verify the chart's signature.")] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmChartStatus:
    """What source-controller last observed and packaged for a HelmChart."""

    observed_generation: ObservedGeneration = -1
    observed_source_artifact_revision: Annotated[
        str | None, Prop("Revision of the source artifact the chart came from.")
    ] = None
    observed_chart_name: Annotated[str | None, Prop("Name of the packaged chart.")] = None
    observed_values_files: Annotated[tuple[str, ...], Prop("Values files that were found and merged.")] = ()
    conditions: Conditions = ()
    artifact: ArtifactStatus = None
    url: StatusURL = None
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmChart:
    """A Helm chart that source-controller pulls or packages from a source and publishes as an artifact."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group=GROUP,
        version=VERSION,
        kind="HelmChart",
        plural="helmcharts",
        short_names=("hc",),
        categories=CATEGORIES,
        columns=(
            Column(name="Chart", json_path=".spec.chart"),
            Column(name="Version", json_path=".spec.version"),
            Column(name="Source Kind", json_path=".spec.sourceRef.kind"),
            Column(name="Source Name", json_path=".spec.sourceRef.name"),
            AGE,
            READY,
            STATUS,
        ),
        controller=CONTROLLER,
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[
        HelmChartSpec,
        Prop(
            "Desired state of the HelmChart.",
            rules=(
                Rule(
                    "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
                    "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
                ),
            ),
        ),
    ]
    status: Annotated[HelmChartStatus, Prop("Observed state of the HelmChart.", default=STATUS_DEFAULT)] = field(
        default_factory=HelmChartStatus
    )
