"""The order Flux applies objects in: stages that wait for the previous one, and a kind order inside each."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import IntEnum

from reflow.api.meta import Manifest, group_of


class Stage(IntEnum):
    """Apply stages in order; every stage but the last is waited on before the next starts."""

    CLUSTER_DEFINITIONS = 1  # CRDs, Namespaces, ClusterRoles: what the later objects are defined by or live in
    CLASSES = 2  # StorageClass, IngressClass, PriorityClass, RuntimeClass, GatewayClass, …
    CUSTOM = 3  # the kinds of `--custom-apply-stage-kinds`
    OBJECTS = 4  # everything else


# Kinds ordered first, so that what an object refers to exists before it; unknown kinds come after
# these, and webhook configurations last, once the services they call exist.
KIND_ORDER_FIRST = (
    "CustomResourceDefinition",
    "Namespace",
    "ClusterRole",
    "ClusterClass",
    "RuntimeClass",
    "PriorityClass",
    "StorageClass",
    "VolumeSnapshotClass",
    "IngressClass",
    "GatewayClass",
    "ClusterRoleBinding",
    "ResourceQuota",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ConfigMap",
    "Secret",
    "Service",
    "LimitRange",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
)
KIND_ORDER_LAST = ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
_RANK = {kind: i - len(KIND_ORDER_FIRST) for i, kind in enumerate(KIND_ORDER_FIRST)} | {
    kind: i + 1 for i, kind in enumerate(KIND_ORDER_LAST)
}


@dataclass(frozen=True, slots=True)
class GroupKind:
    """A kind within its API group (`""` for the core group), as `--custom-apply-stage-kinds` names them."""

    group: str
    kind: str

    @classmethod
    def parse(cls, text: str) -> GroupKind:
        """`group/Kind`, or `Kind` alone for the core group."""
        group, _, kind = text.strip().rpartition("/")
        if not kind:
            raise ValueError(f"invalid group/kind {text!r}")
        return cls(group, kind)


def is_crd(obj: Manifest) -> bool:
    return str(obj.get("kind")) == "CustomResourceDefinition" and str(obj.get("apiVersion", "")).startswith(
        "apiextensions.k8s.io/"
    )


def is_namespace(obj: Manifest) -> bool:
    return obj.get("kind") == "Namespace" and obj.get("apiVersion") == "v1"


def is_cluster_definition(obj: Manifest) -> bool:
    """A CRD, a Namespace or a ClusterRole: applied (and ready) before anything else."""
    cluster_role = obj.get("kind") == "ClusterRole" and str(obj.get("apiVersion", "")).startswith(
        "rbac.authorization.k8s.io/"
    )
    return is_crd(obj) or is_namespace(obj) or cluster_role


def stage_order(obj: Manifest, custom_kinds: Collection[GroupKind] = ()) -> Stage:
    """The stage an object is applied in."""
    if is_cluster_definition(obj):
        return Stage.CLUSTER_DEFINITIONS
    kind = str(obj.get("kind", ""))
    if kind.endswith("Class"):
        return Stage.CLASSES
    if GroupKind(group_of(str(obj.get("apiVersion", ""))), kind) in custom_kinds:
        return Stage.CUSTOM
    return Stage.OBJECTS


def kind_rank(kind: str) -> int:
    """Where a kind sorts: negative for the kinds ordered first, 0 for unknown kinds, positive for the last."""
    return _RANK.get(kind, 0)


def sort_key(obj: Manifest) -> tuple[int, str, str, str, str]:
    """Kind order, then group and kind, then namespace and name, so the order never depends on the input's."""
    kind = str(obj.get("kind", ""))
    metadata = obj.get("metadata") or {}
    group = group_of(str(obj.get("apiVersion", "")))
    return kind_rank(kind), group, kind, str(metadata.get("namespace") or ""), str(metadata.get("name", ""))


def sort(objects: Iterable[Manifest], *, reverse: bool = False) -> list[Manifest]:
    """The objects in apply order (deletion uses the reverse)."""
    return sorted(objects, key=sort_key, reverse=reverse)


def stages(objects: Iterable[Manifest], custom_kinds: Collection[GroupKind] = ()) -> list[tuple[Stage, list[Manifest]]]:
    """The non-empty stages in order, each with its objects sorted."""
    grouped: dict[Stage, list[Manifest]] = {}
    for obj in objects:
        grouped.setdefault(stage_order(obj, custom_kinds), []).append(obj)
    return [(stage, sort(grouped[stage])) for stage in sorted(grouped)]


def rank_groups(objects: Iterable[Manifest]) -> list[list[Manifest]]:
    """Sorted objects split where the kind rank changes: each group may be applied concurrently."""
    groups: list[list[Manifest]] = []
    last: int | None = None
    for obj in sort(objects):
        rank = kind_rank(str(obj.get("kind", "")))
        if rank != last:
            groups.append([])
            last = rank
        groups[-1].append(obj)
    return groups
