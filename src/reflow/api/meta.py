"""Object references, object metadata and the reference types shared by every Flux kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from reflow.api.manifest import Manifest as Manifest
from reflow.api.schema import Prop


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """Identifies one Kubernetes object; `str(ref)` is `Kind/namespace/name` (or `Kind/name` if cluster-wide)."""

    api_version: str
    kind: str
    name: str
    namespace: str | None = None

    def __str__(self) -> str:
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    @classmethod
    def of(cls, manifest: Manifest) -> ObjectRef:
        """The reference of a manifest (a dict with apiVersion, kind and metadata)."""
        metadata = manifest.get("metadata") or {}
        return cls(
            api_version=manifest["apiVersion"],
            kind=manifest["kind"],
            name=metadata["name"],
            namespace=metadata.get("namespace") or None,
        )


def group_of(api_version: str) -> str:
    """The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `` (the core group)."""
    return api_version.rpartition("/")[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectMeta:
    """The parts of `metadata` that reconcilers read; other keys (managedFields, ownerReferences, …) are dropped."""

    name: Annotated[str, Prop("Name of the object.")]
    namespace: Annotated[str | None, Prop("Namespace of the object.")] = None
    uid: Annotated[str | None, Prop("Unique id the API server gave the object.")] = None
    generation: Annotated[int, Prop("Counter the API server bumps on every spec change.")] = 0
    resource_version: Annotated[str | None, Prop("Opaque version for optimistic concurrency.")] = None
    labels: Annotated[Mapping[str, str], Prop("Labels of the object.")] = field(default_factory=dict)
    annotations: Annotated[Mapping[str, str], Prop("Annotations of the object.")] = field(default_factory=dict)
    finalizers: Annotated[tuple[str, ...], Prop("Finalizers that hold deletion.")] = ()
    creation_timestamp: Annotated[str | None, Prop("When the object was created (RFC 3339).")] = None
    deletion_timestamp: Annotated[str | None, Prop("When deletion was requested (RFC 3339).")] = None


@dataclass(frozen=True, slots=True)
class LocalObjectReference:
    """An object in the referrer's namespace, by name (Flux's `LocalObjectReference`)."""

    name: Annotated[str, Prop("Name of the referenced object.")]


@dataclass(frozen=True, slots=True, kw_only=True)
class NamespacedObjectReference:
    """An object by name, in the referrer's namespace unless another is given."""

    name: Annotated[str, Prop("Name of the referenced object.")]
    namespace: Annotated[str | None, Prop("Namespace of the referenced object; the referrer's when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NamespacedObjectKindReference:
    """An object of any kind by kind and name, in the referrer's namespace unless another is given."""

    api_version: Annotated[str | None, Prop("API version of the referenced object; the preferred one when empty.")] = (
        None
    )
    kind: Annotated[str, Prop("Kind of the referenced object.")]
    name: Annotated[str, Prop("Name of the referenced object.")]
    namespace: Annotated[str | None, Prop("Namespace of the referenced object; the referrer's when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretKeyReference:
    """One key of a Secret in the referrer's namespace."""

    name: Annotated[str, Prop("Name of the Secret.")]
    key: Annotated[str | None, Prop("Key in the Secret; `value`, then `value.yaml` when empty.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class KubeConfigReference:
    """Where to find the kubeconfig of a remote cluster: a Secret, or a ConfigMap for secret-less auth."""

    config_map_ref: Annotated[
        LocalObjectReference | None, Prop("ConfigMap describing a cloud provider login to the remote cluster.")
    ] = None
    secret_ref: Annotated[SecretKeyReference | None, Prop("Secret key holding a static kubeconfig.")] = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DependencyReference:
    """An object that must be ready first: of the same kind, or (reflow, as Flux's proposed cross-kind
    dependsOn, flux2#5879) of the kind named by `apiVersion` and `kind`."""

    name: Annotated[str, Prop("Name of the dependency.")]
    namespace: Annotated[str | None, Prop("Namespace of the dependency; the referrer's when empty.")] = None
    ready_expr: Annotated[
        str | None, Prop("CEL expression over `self` and `dep` deciding readiness instead of the Ready condition.")
    ] = None
    api_version: Annotated[
        str | None, Prop("API version of the dependency; the referrer's own when empty (needs `kind`).")
    ] = None
    kind: Annotated[str | None, Prop("Kind of the dependency; the referrer's own kind when empty.")] = None
    ready: Annotated[
        bool | None,
        Prop("For a dependency of another kind: wait until it is ready (true, the default) or only until it exists."),
    ] = None


@dataclass(frozen=True, slots=True)
class NamespaceSelector:
    """Namespaces, by labels, that may reference an object from elsewhere."""

    match_labels: Annotated[
        Mapping[str, str], Prop("Labels a namespace must carry; empty matches every namespace.")
    ] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccessFrom:
    """Cross-namespace access list: which namespaces may reference this object."""

    namespace_selectors: Annotated[
        tuple[NamespaceSelector, ...], Prop("Selectors, any of which grants access to a namespace.")
    ]


@dataclass(frozen=True, slots=True)
class CommonMetadata:
    """Labels and annotations added to every object a reconciler applies or generates."""

    annotations: Annotated[Mapping[str, str], Prop("Annotations to add.")] = field(default_factory=dict)
    labels: Annotated[Mapping[str, str], Prop("Labels to add.")] = field(default_factory=dict)


# Fields shared by the status of every reconciled kind, and by most specs.
ObservedGeneration = Annotated[
    int, Prop("Generation of the object the controller last acted on; -1 before its first run.", format="int64")
]
LastHandledReconcileAt = Annotated[
    str | None, Prop("The last `reconcile.fluxcd.io/requestedAt` token the controller acted on.")
]
Suspend = Annotated[bool, Prop("Stop reconciling the object until this is false again.")]
STATUS_DEFAULT = {"observedGeneration": -1}
