"""Flux's inventory: entry ids (`<namespace>_<name>_<group>_<Kind>`), building one, and finding stale objects."""

from __future__ import annotations

from collections.abc import Iterable

from reflow.api.kustomize import ResourceInventory, ResourceRef
from reflow.api.meta import ObjectRef, group_of

SEPARATOR = "_"
# Names of RBAC objects may hold colons (`system:controller:…`); their ids write each one as `__`.
COLON = "__"
RBAC_KINDS = frozenset({"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"})
RBAC_GROUP = "rbac.authorization.k8s.io"


class InvalidEntry(ValueError):
    """An inventory id that does not have the four fields."""


def object_id(ref: ObjectRef) -> str:
    """The id of an object as Flux stores it: the API version is not part of it."""
    group = group_of(ref.api_version)
    name = ref.name
    if group == RBAC_GROUP and ref.kind in RBAC_KINDS:
        name = name.replace(":", COLON)
    return SEPARATOR.join((ref.namespace or "", name, group, ref.kind))


def entry(ref: ObjectRef, api_version: str | None = None) -> ResourceRef:
    """The inventory entry of an object applied with `api_version` (the reference's by default).

    Flux stores the version without the group (`v1` for `apps/v1`): the id already holds the group.
    """
    return ResourceRef(id=object_id(ref), v=(api_version or ref.api_version).rpartition("/")[2])


def ref_of(item: ResourceRef) -> ObjectRef:
    """The object an entry stands for, with the entry's API version; raises InvalidEntry."""
    namespace, sep, rest = item.id.partition(SEPARATOR)
    rest, sep_kind, kind = rest.rpartition(SEPARATOR)
    name, sep_group, group = rest.rpartition(SEPARATOR)
    if not (sep and sep_kind and sep_group and name and kind):
        raise InvalidEntry(f"inventory entry {item.id!r} is not <namespace>_<name>_<group>_<Kind>")
    name = name.replace(COLON, ":")
    if SEPARATOR in name:
        raise InvalidEntry(f"inventory entry {item.id!r} has too many fields")
    version = item.v.rpartition("/")[2]
    api_version = f"{group}/{version}" if group else version
    return ObjectRef(api_version=api_version, kind=kind, name=name, namespace=namespace or None)


def inventory_of(applied: Iterable[tuple[ObjectRef, str]]) -> ResourceInventory:
    """An inventory of objects and the API versions they were applied with; the first entry of an id wins."""
    seen: dict[str, ResourceRef] = {}
    for ref, version in applied:
        seen.setdefault(object_id(ref), entry(ref, version))
    return ResourceInventory(entries=tuple(seen.values()))


def refs(inventory: ResourceInventory | None) -> tuple[ObjectRef, ...]:
    """The objects of an inventory (none for a missing one)."""
    return tuple(ref_of(item) for item in (inventory.entries if inventory else ()))


def stale(old: ResourceInventory | None, new: ResourceInventory | None) -> tuple[ObjectRef, ...]:
    """Objects of the old inventory that the new one lacks, with the versions they were applied with.

    Ids ignore the API version, so an object that moved from `v1beta1` to `v1` is not stale.
    """
    kept = {item.id for item in (new.entries if new else ())}
    return tuple(ref_of(item) for item in (old.entries if old else ()) if item.id not in kept)
