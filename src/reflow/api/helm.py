"""Model of HelmRelease (`helm.toolkit.fluxcd.io/v2`): a Helm release kept in sync with a chart and values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.helmactions import Install, Rollback, Test, Uninstall, Upgrade
from reflow.api.helmsource import ReconcileStrategy
from reflow.api.kustomize import KUBECONFIG_RULE, CustomHealthCheck, IgnoreRule, Image, Inventory, Patch
from reflow.api.meta import (
    STATUS_DEFAULT,
    CommonMetadata,
    DependencyReference,
    KubeConfigReference,
    LastHandledReconcileAt,
    LocalObjectReference,
    Manifest,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, KindInfo, Prop, Rule
from reflow.api.source import (
    CertSecretRef,
    CloudProvider,
    Ignore,
    Insecure,
    OCILayerSelector,
    OCIRepositoryRef,
    OCIRepositoryVerification,
    ProxySecretRef,
    ServiceAccountName,
)

Counter = Annotated[int, Prop("Failures since the last success or reset.", format="int64")]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartSourceReference:
    """The source the HelmChart is made from."""

    api_version: Annotated[str | None, Prop("API version of the source.")] = None
    kind: Annotated[Literal["HelmRepository", "GitRepository", "Bucket"], Prop("Kind of the source.")]
    name: Annotated[str, Prop("Name of the source.", max_length=253)]
    namespace: Annotated[str | None, Prop("Namespace of the source; the release's when empty.", max_length=63)] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartTemplateSpec:
    """The spec of the HelmChart, or (Flux 2.10) the OCIRepository, that helm-controller creates for the release.

    HelmChart fields are `chart` to `ignoreMissingValuesFiles`; OCIRepository fields are `url` to `suspend`;
    `interval` and `verify` serve both. Rules on `spec.chart` keep each kind's fields to it.
    """

    chart: Annotated[
        str | None, Prop("Chart name, or chart path in a Git or Bucket artifact.", min_length=1, max_length=2048)
    ] = None
    version: Annotated[str, Prop("SemVer range of the chart (HelmRepository sources only); `*` when empty.")] = "*"
    source_ref: Annotated[ChartSourceReference | None, Prop("The source holding the chart.")] = None
    interval: Annotated[
        float | None, Prop("How often to check the source; the release's when empty.", duration="h")
    ] = None
    reconcile_strategy: Annotated[
        ReconcileStrategy,
        Prop("Make a new chart artifact on a new version, or on every source revision; `ChartVersion` when empty."),
    ] = "ChartVersion"
    values_files: Annotated[tuple[str, ...], Prop("Values files merged, in order, into the chart's values.")] = ()
    ignore_missing_values_files: Annotated[bool, Prop("Skip values files that do not exist.")] = False
    verify: Annotated[OCIRepositoryVerification | None, Prop("Verify the chart's signature.")] = None
    url: Annotated[str | None, Prop("OCI repository address `oci://<registry>/<path>`.", pattern=r"^oci://.*$")] = None
    ref: Annotated[OCIRepositoryRef | None, Prop("The tag, range or digest of the chart artifact.")] = None
    layer_selector: Annotated[OCILayerSelector | None, Prop("Which layer holds the chart and how.")] = None
    provider: Annotated[
        CloudProvider | None, Prop("Cloud keychain for authentication; `generic` (none) when empty.")
    ] = None
    secret_ref: Annotated[LocalObjectReference | None, Prop("Docker config Secret with registry credentials.")] = None
    service_account_name: ServiceAccountName = None
    cert_secret_ref: CertSecretRef = None
    proxy_secret_ref: ProxySecretRef = None
    timeout: Annotated[float | None, Prop("Time limit for pulling; 60s when empty.", duration="m")] = None
    ignore: Ignore = None
    insecure: Insecure = False
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartTemplateMetadata:
    """Labels and annotations of the created HelmChart."""

    labels: Annotated[Mapping[str, str], Prop("Labels to set.")] = field(default_factory=dict)
    annotations: Annotated[Mapping[str, str], Prop("Annotations to set.")] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartTemplate:
    """A HelmChart (or an OCIRepository) to create for this release."""

    kind: Annotated[
        Literal["HelmChart", "OCIRepository"] | None, Prop("Kind of the object to create; HelmChart when empty.")
    ] = None
    metadata: Annotated[ChartTemplateMetadata | None, Prop("Metadata of the created object.")] = None
    spec: Annotated[ChartTemplateSpec, Prop("Spec of the created object.")]


_OCI = "has(self.kind) && self.kind == 'OCIRepository'"
_NOT_OCI = "!has(self.kind) || self.kind != 'OCIRepository'"
CHART_RULES = (
    Rule(f"{_NOT_OCI} || (has(self.spec.url) && size(self.spec.url) > 0)",
         "chart.spec.url must be set when chart.kind is 'OCIRepository'"),
    Rule(f"!has(self.spec.url) || ({_OCI})",
         "chart.spec.url requires chart.kind: 'OCIRepository'; for a HelmChart template set spec.chart and "
         "spec.sourceRef instead"),
    Rule(f"({_OCI}) || (has(self.spec.chart) && has(self.spec.sourceRef))",
         "chart.spec.chart and chart.spec.sourceRef must be set when chart.kind is not 'OCIRepository'"),
    *(
        Rule(f"{_NOT_OCI} || {allowed}", f"chart.spec.{name} cannot be set when chart.kind is 'OCIRepository'")
        for name, allowed in (
            ("chart", "!has(self.spec.chart)"),
            ("version", "!has(self.spec.version) || self.spec.version == '*'"),
            ("sourceRef", "!has(self.spec.sourceRef)"),
            ("reconcileStrategy", "!has(self.spec.reconcileStrategy) || self.spec.reconcileStrategy == 'ChartVersion'"),
            ("valuesFiles", "!has(self.spec.valuesFiles)"),
            ("ignoreMissingValuesFiles", "!has(self.spec.ignoreMissingValuesFiles)"),
        )
    ),
)  # fmt: skip
"""Flux 2.10's rules on `spec.chart`: each template kind gets its own fields only."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartReference:
    """An existing source of a packaged chart."""

    api_version: Annotated[str | None, Prop("API version of the source.")] = None
    kind: Annotated[Literal["OCIRepository", "HelmChart", "ExternalArtifact"], Prop("Kind of the source.")]
    name: Annotated[str, Prop("Name of the source.", max_length=253)]
    namespace: Annotated[str | None, Prop("Namespace of the source; the release's when empty.", max_length=63)] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ValuesReference:
    """Values read from a ConfigMap or Secret key."""

    kind: Annotated[Literal["Secret", "ConfigMap"], Prop("Kind of the object.")]
    name: Annotated[str, Prop("Name of the object.", max_length=253)]
    values_key: Annotated[
        str | None,
        Prop("Key holding the values; `values.yaml` when empty.", pattern=r"^[\-._a-zA-Z0-9]+$", max_length=253),
    ] = None
    target_path: Annotated[
        str | None,
        Prop(
            "Path to set the value at, as `helm --set`; merges the whole document when empty.",
            pattern=r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$",
            max_length=250,
        ),
    ] = None
    optional: Annotated[bool, Prop("Go on when the object or key does not exist.")] = False
    literal: Annotated[bool, Prop("Set the value as a literal string, as `helm --set-literal`.")] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class KustomizePostRenderer:
    """Kustomize patches and image overrides applied to the rendered chart."""

    patches: Annotated[tuple[Patch, ...], Prop("Patches to apply.")] = ()
    images: Annotated[tuple[Image, ...], Prop("Container image overrides.")] = ()


@dataclass(frozen=True, slots=True)
class PostRenderer:
    """One post-rendering step."""

    kustomize: Annotated[KustomizePostRenderer | None, Prop("Post-render with kustomize.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DriftDetection:
    """Whether to compare the cluster with the release manifest, and what to leave out."""

    mode: Annotated[
        Literal["enabled", "warn", "disabled"] | None,
        Prop("Correct drift, only report it, or ignore it (default)."),
    ] = None
    ignore: Annotated[tuple[IgnoreRule, ...], Prop("Fields to leave out of the comparison.")] = ()


@dataclass(frozen=True, slots=True)
class WaitStrategy:
    """How Helm waits for the release's resources."""

    name: Annotated[Literal["poller", "legacy"], Prop("kstatus polling, or Helm's legacy readiness checks.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmReleaseSpec:
    """Which chart to release where, with which values, and how to install, upgrade and remediate."""

    chart: Annotated[
        ChartTemplate | None,
        Prop("Chart from a source, through a created HelmChart or OCIRepository.", rules=CHART_RULES),
    ] = None
    chart_ref: Annotated[
        ChartReference | None, Prop("Chart from an existing OCIRepository, HelmChart or artifact.")
    ] = None
    interval: Annotated[float, Prop("How often to check that the release is in sync.", duration="h")]
    timeout: Annotated[float | None, Prop("Time limit for each Helm action; 5m when empty.", duration="h")] = None
    release_name: Annotated[
        str | None, Prop("Helm release name; `[<targetNamespace>-]<name>` when empty.", max_length=53)
    ] = None
    target_namespace: Annotated[
        str | None, Prop("Namespace to install into; the release's when empty.", max_length=63)
    ] = None
    storage_namespace: Annotated[
        str | None, Prop("Namespace of the Helm storage; the HelmRelease's own when empty.", max_length=63)
    ] = None
    service_account_name: Annotated[str | None, Prop("ServiceAccount to impersonate.", max_length=253)] = None
    kube_config: Annotated[
        KubeConfigReference | None,
        Prop(
            "Release into a remote cluster.",
            rules=(Rule("has(self.configMapRef) != has(self.secretRef)", KUBECONFIG_RULE),),
        ),
    ] = None
    persistent_client: Annotated[bool | None, Prop("Reuse one Kubernetes client per release; true when empty.")] = None
    max_history: Annotated[int | None, Prop("Releases kept in storage; 5 when empty, 0 for no limit.")] = None
    depends_on: Annotated[tuple[DependencyReference, ...], Prop("HelmReleases that must be ready first.")] = ()
    values: Annotated[Manifest | None, Prop("Inline values, merged over `valuesFrom`.")] = None
    values_from: Annotated[tuple[ValuesReference, ...], Prop("ConfigMaps and Secrets with values, in order.")] = ()
    install: Annotated[Install | None, Prop("Install settings.")] = None
    upgrade: Annotated[Upgrade | None, Prop("Upgrade settings.")] = None
    test: Annotated[Test | None, Prop("Helm test settings.")] = None
    rollback: Annotated[Rollback | None, Prop("Rollback settings.")] = None
    uninstall: Annotated[Uninstall | None, Prop("Uninstall settings.")] = None
    drift_detection: Annotated[DriftDetection | None, Prop("Drift detection settings.")] = None
    post_renderers: Annotated[tuple[PostRenderer, ...], Prop("Post-rendering steps, in order.")] = ()
    post_render_strategy: Annotated[
        Literal["nohooks", "combined", "separate"] | None,
        Prop("Whether post-renderers also see hooks, and how; `combined` when empty."),
    ] = None
    wait_strategy: Annotated[WaitStrategy | None, Prop("How to wait for resources; kstatus when empty.")] = None
    health_check_exprs: Annotated[
        tuple[CustomHealthCheck, ...], Prop("CEL health rules for kinds kstatus does not understand.")
    ] = ()
    common_metadata: Annotated[CommonMetadata | None, Prop("Labels and annotations for every resource.")] = None
    suspend: Suspend = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TestHookStatus:
    """Progress of one Helm test hook."""

    last_started: Annotated[str | None, Prop("When the test last started (RFC 3339).", format="date-time")] = None
    last_completed: Annotated[str | None, Prop("When the test last completed (RFC 3339).", format="date-time")] = None
    phase: Annotated[str | None, Prop("Phase of the test.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseSnapshot:
    """One Helm release revision as helm-controller observed it."""

    api_version: Annotated[str | None, Prop("Version of this snapshot format.")] = None
    digest: Annotated[str, Prop("Digest of the release object in storage.")]
    name: Annotated[str, Prop("Release name.")]
    namespace: Annotated[str, Prop("Release namespace.")]
    version: Annotated[int, Prop("Release revision number.")]
    status: Annotated[str, Prop("Helm status of the release.")]
    chart_name: Annotated[str, Prop("Chart name.")]
    chart_version: Annotated[str, Prop("Chart version.")]
    app_version: Annotated[str | None, Prop("Application version of the chart.")] = None
    config_digest: Annotated[str, Prop("Digest of the values.")]
    first_deployed: Annotated[str, Prop("When the release was first deployed (RFC 3339).", format="date-time")]
    last_deployed: Annotated[str, Prop("When the revision was deployed (RFC 3339).", format="date-time")]
    deleted: Annotated[str | None, Prop("When the release was uninstalled (RFC 3339).", format="date-time")] = None
    test_hooks: Annotated[Mapping[str, TestHookStatus], Prop("Test hooks of the revision, by name.")] = field(
        default_factory=dict
    )
    oci_digest: Annotated[str | None, Prop("Digest of the OCI artifact the chart came from.")] = None
    action: Annotated[str | None, Prop("Helm action that made the revision.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmReleaseStatus:
    """What helm-controller last released and observed."""

    observed_generation: ObservedGeneration = -1
    last_attempted_generation: Annotated[int | None, Prop("Generation of the last attempt.", format="int64")] = None
    conditions: Conditions = ()
    helm_chart: Annotated[str | None, Prop("`<namespace>/<name>` of the created HelmChart.")] = None
    storage_namespace: Annotated[str | None, Prop("Namespace of the Helm storage in use.", max_length=63)] = None
    history: Annotated[tuple[ReleaseSnapshot, ...], Prop("Release revisions, newest first.")] = ()
    last_attempted_release_action: Annotated[
        Literal["install", "upgrade"] | None, Prop("The last release action attempted.")
    ] = None
    last_attempted_release_action_duration: Annotated[str | None, Prop("How long it took, as a Go duration.")] = None
    failures: Counter = 0
    install_failures: Counter = 0
    upgrade_failures: Counter = 0
    last_attempted_revision: Annotated[str | None, Prop("Chart version of the last attempt.")] = None
    last_attempted_revision_digest: Annotated[str | None, Prop("Chart artifact digest of the last attempt.")] = None
    last_attempted_values_checksum: Annotated[str | None, Prop("Deprecated values checksum.")] = None
    last_attempted_config_digest: Annotated[str | None, Prop("Values digest of the last attempt.")] = None
    last_release_revision: Annotated[int | None, Prop("Deprecated release revision.")] = None
    observed_post_renderers_digest: Annotated[str | None, Prop("Digest of the post-renderers in use.")] = None
    observed_common_metadata_digest: Annotated[str | None, Prop("Digest of the common metadata in use.")] = None
    inventory: Inventory = None
    last_handled_reconcile_at: LastHandledReconcileAt = None
    last_handled_force_at: Annotated[str | None, Prop("The last `reconcile.fluxcd.io/forceAt` token handled.")] = None
    last_handled_reset_at: Annotated[str | None, Prop("The last `reconcile.fluxcd.io/resetAt` token handled.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HelmRelease:
    """A Helm release that helm-controller installs, upgrades, tests and remediates."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group="helm.toolkit.fluxcd.io",
        version="v2",
        kind="HelmRelease",
        plural="helmreleases",
        short_names=("hr",),
        categories=("all", "fluxcd", "fluxcd-appliers"),
        columns=(AGE, READY, STATUS),
        controller="helm-controller",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[
        HelmReleaseSpec,
        Prop(
            "Desired state of the HelmRelease.",
            rules=(
                Rule(
                    "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))",
                    "either chart or chartRef must be set",
                ),
            ),
        ),
    ]
    status: Annotated[HelmReleaseStatus, Prop("Observed state of the HelmRelease.", default=STATUS_DEFAULT)] = field(
        default_factory=HelmReleaseStatus
    )
