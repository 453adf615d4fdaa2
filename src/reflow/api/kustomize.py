"""Model of Kustomization (`kustomize.toolkit.fluxcd.io/v1`), and the kustomize types HelmRelease shares."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from reflow.api.conditions import Conditions
from reflow.api.meta import (
    STATUS_DEFAULT,
    CommonMetadata,
    DependencyReference,
    KubeConfigReference,
    LastHandledReconcileAt,
    LocalObjectReference,
    NamespacedObjectKindReference,
    ObjectMeta,
    ObservedGeneration,
    Suspend,
)
from reflow.api.schema import AGE, READY, STATUS, KindInfo, Prop, Rule

KUBECONFIG_RULE = "exactly one of spec.kubeConfig.configMapRef or spec.kubeConfig.secretRef must be specified"


@dataclass(frozen=True, slots=True, kw_only=True)
class Selector:
    """Objects selected by group, version, kind, name, namespace (regular expressions) and label selectors."""

    group: Annotated[str | None, Prop("API group (regular expression).")] = None
    version: Annotated[str | None, Prop("API version (regular expression).")] = None
    kind: Annotated[str | None, Prop("Kind (regular expression).")] = None
    name: Annotated[str | None, Prop("Name (regular expression).")] = None
    namespace: Annotated[str | None, Prop("Namespace (regular expression).")] = None
    annotation_selector: Annotated[str | None, Prop("Annotation selector, in label selector syntax.")] = None
    label_selector: Annotated[str | None, Prop("Label selector.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Patch:
    """A strategic merge or JSON 6902 patch, applied to the selected objects."""

    patch: Annotated[str, Prop("The patch, inline YAML or JSON.")]
    target: Annotated[Selector | None, Prop("Objects to patch; those the patch names when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Image:
    """A container image override, as kustomize's `images` field."""

    name: Annotated[str, Prop("Image name to match in the manifests.")]
    new_name: Annotated[str | None, Prop("Replacement image name.")] = None
    new_tag: Annotated[str | None, Prop("Replacement tag.")] = None
    digest: Annotated[str | None, Prop("Replacement digest; takes precedence over the tag.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoreRule:
    """Fields left out of drift detection on the selected objects."""

    paths: Annotated[tuple[str, ...], Prop("JSON pointers (RFC 6901) of the fields to ignore.")]
    target: Annotated[Selector | None, Prop("Objects the rule applies to; all when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomHealthCheck:
    """CEL expressions that decide the health of one kind of object instead of kstatus."""

    api_version: Annotated[str, Prop("API group/version of the objects (the version is not compared).")]
    kind: Annotated[str | None, Prop("Kind of the objects; all kinds of the group when empty.")] = None
    current: Annotated[str, Prop("CEL expression true when the object is healthy.")]
    in_progress: Annotated[str | None, Prop("CEL expression true while the object is progressing.")] = None
    failed: Annotated[str | None, Prop("CEL expression true when the object failed.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ResourceRef:
    """An inventory entry: `<namespace>_<name>_<group>_<Kind>` and the API version applied."""

    id: Annotated[str, Prop("Object id: namespace, name, group and kind joined by `_`.")]
    v: Annotated[str, Prop("API version of the object.")]


@dataclass(frozen=True, slots=True)
class ResourceInventory:
    """The objects a reconciler applied and therefore owns."""

    entries: Annotated[tuple[ResourceRef, ...], Prop("One entry per applied object.", required=True)] = ()


Inventory = Annotated[ResourceInventory | None, Prop("The objects applied by the last successful run.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class Decryption:
    """How to decrypt SOPS-encrypted manifests."""

    provider: Annotated[Literal["sops"], Prop("Decryption tool.")]
    secret_ref: Annotated[LocalObjectReference | None, Prop("Secret with the decryption keys.")] = None
    service_account_name: Annotated[str | None, Prop("ServiceAccount whose identity reaches the KMS.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubstituteReference:
    """A ConfigMap or Secret whose data are substitution variables."""

    kind: Annotated[Literal["Secret", "ConfigMap"], Prop("Kind of the object.")]
    name: Annotated[str, Prop("Name of the object.", max_length=253)]
    optional: Annotated[bool, Prop("Go on when the object does not exist.", default=False)] = False


@dataclass(frozen=True, slots=True, kw_only=True)
class PostBuild:
    """Variable substitution in the built manifests."""

    substitute: Annotated[Mapping[str, str], Prop("Variables, overriding those from `substituteFrom`.")] = field(
        default_factory=dict
    )
    substitute_from: Annotated[
        tuple[SubstituteReference, ...], Prop("ConfigMaps and Secrets with variables; later entries win.")
    ] = ()
    substitute_strategy: Annotated[
        Literal["WithVariables", "Always"] | None,
        Prop("Substitute only when a variable resolved (`WithVariables`, default) or always."),
    ] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KustomizationSourceReference:
    """The source whose artifact holds the manifests."""

    api_version: Annotated[str | None, Prop("API version of the source.")] = None
    kind: Annotated[
        Literal["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"], Prop("Kind of the source.")
    ]
    name: Annotated[str, Prop("Name of the source.")]
    namespace: Annotated[str | None, Prop("Namespace of the source; the Kustomization's when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KustomizationSpec:
    """What to build from a source artifact, how to apply it, and how to check the result."""

    source_ref: Annotated[KustomizationSourceReference, Prop("The source holding the manifests.")]
    path: Annotated[str | None, Prop("Directory in the artifact to build; its root when empty.")] = None
    interval: Annotated[float, Prop("How often to apply the manifests again.", duration="h")]
    retry_interval: Annotated[float | None, Prop("Wait after a failure; the interval when empty.", duration="h")] = None
    timeout: Annotated[
        float | None, Prop("Time limit for apply and health checks; interval - 30s when empty.", duration="h")
    ] = None
    prune: Annotated[bool, Prop("Delete objects that were applied before but are no longer in the manifests.")]
    deletion_policy: Annotated[
        Literal["MirrorPrune", "Delete", "WaitForTermination", "Orphan"] | None,
        Prop("What happens to the applied objects when the Kustomization is deleted; `MirrorPrune` when empty."),
    ] = None
    wait: Annotated[bool, Prop("Wait for every applied object to become ready.")] = False
    force: Annotated[bool, Prop("Recreate objects whose immutable fields changed.", default=False)] = False
    suspend: Suspend = False
    depends_on: Annotated[tuple[DependencyReference, ...], Prop("Kustomizations that must be ready first.")] = ()
    health_checks: Annotated[tuple[NamespacedObjectKindReference, ...], Prop("Objects to wait for.")] = ()
    health_check_exprs: Annotated[
        tuple[CustomHealthCheck, ...], Prop("CEL health rules for kinds kstatus does not understand.")
    ] = ()
    service_account_name: Annotated[str | None, Prop("ServiceAccount to impersonate when applying.")] = None
    kube_config: Annotated[
        KubeConfigReference | None,
        Prop(
            "Apply to a remote cluster.",
            rules=(Rule("has(self.configMapRef) != has(self.secretRef)", KUBECONFIG_RULE),),
        ),
    ] = None
    target_namespace: Annotated[str | None, Prop("Namespace set on every namespaced object.", max_length=63)] = None
    name_prefix: Annotated[str | None, Prop("Prefix added to every object name.", max_length=200)] = None
    name_suffix: Annotated[str | None, Prop("Suffix added to every object name.", max_length=200)] = None
    common_metadata: Annotated[CommonMetadata | None, Prop("Labels and annotations for every object.")] = None
    patches: Annotated[tuple[Patch, ...], Prop("Patches applied after the build.")] = ()
    images: Annotated[tuple[Image, ...], Prop("Container image overrides.")] = ()
    components: Annotated[tuple[str, ...], Prop("Kustomize components to include, relative to the path.")] = ()
    ignore_missing_components: Annotated[bool, Prop("Skip components that do not exist.")] = False
    build_metadata: Annotated[
        tuple[Literal["originAnnotations", "transformerAnnotations"], ...],
        Prop("Kustomize build metadata to keep on the objects."),
    ] = ()
    post_build: Annotated[PostBuild | None, Prop("Variable substitution after the build.")] = None
    decryption: Annotated[Decryption | None, Prop("Decrypt SOPS-encrypted manifests.")] = None
    ignore: Annotated[tuple[IgnoreRule, ...], Prop("Fields to leave out of drift detection.")] = ()

    @property
    def effective_retry_interval(self) -> float:
        """Seconds to wait after a failure: `retryInterval`, else the interval."""
        return self.retry_interval if self.retry_interval is not None else self.interval

    @property
    def effective_timeout(self) -> float:
        """Seconds allowed for apply and health checks: `timeout`, else interval - 30s; never under 30s."""
        timeout = self.timeout if self.timeout is not None else self.interval - 30
        return max(timeout, 30.0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Snapshot:
    """One entry of the reconcile history, keyed by the digest of the built manifests."""

    digest: Annotated[str, Prop("Digest of the built manifests.")]
    first_reconciled: Annotated[str, Prop("When these manifests were first applied (RFC 3339).", format="date-time")]
    last_reconciled: Annotated[str, Prop("When these manifests were last applied (RFC 3339).", format="date-time")]
    last_reconciled_duration: Annotated[str, Prop("How long the last run took, as a Go duration.")]
    last_reconciled_status: Annotated[str, Prop("Outcome of the last run.")]
    total_reconciliations: Annotated[int, Prop("Runs with these manifests.", format="int64")]
    metadata: Annotated[Mapping[str, str], Prop("Revision and origin revision of the run.")] = field(
        default_factory=dict
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class KustomizationStatus:
    """What kustomize-controller last applied and observed."""

    observed_generation: ObservedGeneration = -1
    conditions: Conditions = ()
    last_applied_revision: Annotated[str | None, Prop("Source revision of the last successful apply.")] = None
    last_applied_origin_revision: Annotated[
        str | None, Prop("Origin revision (from artifact metadata) of the last successful apply.")
    ] = None
    last_attempted_revision: Annotated[str | None, Prop("Source revision of the last attempt.")] = None
    inventory: Inventory = None
    history: Annotated[tuple[Snapshot, ...], Prop("Recent runs, newest first.")] = ()
    last_handled_reconcile_at: LastHandledReconcileAt = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Kustomization:
    """Manifests built with kustomize from a source artifact and applied to the cluster with server-side apply."""

    KIND: ClassVar[KindInfo] = KindInfo(
        group="kustomize.toolkit.fluxcd.io",
        version="v1",
        kind="Kustomization",
        plural="kustomizations",
        short_names=("ks",),
        categories=("all", "fluxcd", "fluxcd-appliers"),
        columns=(AGE, READY, STATUS),
        controller="kustomize-controller",
    )
    metadata: Annotated[ObjectMeta, Prop("Standard object metadata.")]
    spec: Annotated[KustomizationSpec, Prop("Desired state of the Kustomization.")]
    status: Annotated[KustomizationStatus, Prop("Observed state of the Kustomization.", default=STATUS_DEFAULT)] = (
        field(default_factory=KustomizationStatus)
    )
