"""What `reflow uninstall` removes, and in which order, as Flux's uninstall: the controllers first, then the
finalizers of every Flux object, then the CRDs (which takes their objects along), the namespace last.

With no controller left and no finalizer on them, Flux objects vanish without acting: a Kustomization does
not prune and a HelmRelease does not uninstall, so the workloads they applied stay in the cluster."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.crds import KINDS, kind_info
from reflow.api.meta import Manifest


@dataclass(frozen=True, slots=True)
class KindRef:
    """A kind the uninstall lists and deletes; `namespaced` kinds are listed in the install's namespace."""

    api_version: str
    kind: str
    namespaced: bool = True


CUSTOM_RESOURCE_KINDS: tuple[KindRef, ...] = tuple(
    KindRef(kind_info(model).api_version, kind_info(model).kind) for model in KINDS
)
"""Every Flux kind: their objects' finalizers are removed, in all namespaces, once the controllers are gone."""

COMPONENT_KINDS: tuple[KindRef, ...] = (
    KindRef("apps/v1", "Deployment"),
    KindRef("v1", "Service"),
    KindRef("networking.k8s.io/v1", "NetworkPolicy"),
    KindRef("v1", "ResourceQuota"),
    KindRef("v1", "ServiceAccount"),
    KindRef("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", namespaced=False),
    KindRef("rbac.authorization.k8s.io/v1", "ClusterRole", namespaced=False),
)
"""The install's own objects but the CRDs, found by the install's labels: controllers first, so nothing
recreates or finalizes what goes next, then identities and RBAC."""

CRD_KIND = KindRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", namespaced=False)
"""The install's CRDs, deleted once no Flux object holds a finalizer."""


def finalizers_removed(obj: Manifest) -> Manifest | None:
    """The merge patch that empties an object's finalizers, or None when it has none."""
    if not (obj.get("metadata") or {}).get("finalizers"):
        return None
    return {"metadata": {"finalizers": None}}
