"""What `reflow uninstall` removes, and in which order: custom resources first, the namespace last."""

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
"""Every Flux kind: their objects go first, in all namespaces, with finalizers removed so none waits for a
controller that is about to disappear."""

COMPONENT_KINDS: tuple[KindRef, ...] = (
    KindRef("apps/v1", "Deployment"),
    KindRef("v1", "Service"),
    KindRef("networking.k8s.io/v1", "NetworkPolicy"),
    KindRef("v1", "ResourceQuota"),
    KindRef("v1", "ServiceAccount"),
    KindRef("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", namespaced=False),
    KindRef("rbac.authorization.k8s.io/v1", "ClusterRole", namespaced=False),
    KindRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", namespaced=False),
)
"""The install's own objects, found by the install's labels: controllers first, so nothing recreates what
goes next, then identities, RBAC and the CRDs."""


def finalizers_removed(obj: Manifest) -> Manifest | None:
    """The merge patch that empties an object's finalizers, or None when it has none."""
    if not (obj.get("metadata") or {}).get("finalizers"):
        return None
    return {"metadata": {"finalizers": None}}
