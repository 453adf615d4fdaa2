"""Inventory entries (`<namespace>_<name>_<group>_<Kind>` + version) as object references, and trees of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reflow.api.meta import Manifest, ObjectRef

FLUX_GROUP_SUFFIX = ".toolkit.fluxcd.io"


class InvalidEntry(ValueError):
    """An inventory id that does not have the four `_`-separated parts."""


def parse_entry(entry_id: str, version: str) -> ObjectRef:
    """The object an inventory entry names; `__` inside the name stands for `:` (RBAC names such as `system:x`)."""
    head, sep, kind = entry_id.rpartition("_")
    head, sep2, group = head.rpartition("_")
    namespace, sep3, name = head.partition("_")
    if not (sep and sep2 and sep3 and kind and name):
        raise InvalidEntry(f"inventory entry {entry_id!r} is not <namespace>_<name>_<group>_<Kind>")
    name = name.replace("__", ":")
    api_version = f"{group}/{version}" if group else version
    return ObjectRef(api_version, kind, name, namespace or None)


def entries(obj: Manifest) -> list[ObjectRef]:
    """The objects in an object's `status.inventory`, in the order stored (empty when there is none)."""
    inventory = (obj.get("status") or {}).get("inventory") or {}
    return [parse_entry(entry["id"], entry.get("v", "")) for entry in inventory.get("entries") or []]


def is_flux(ref: ObjectRef) -> bool:
    """Whether the object is one of Flux's own kinds (a `*.toolkit.fluxcd.io` group)."""
    return ref.api_version.rpartition("/")[0].endswith(FLUX_GROUP_SUFFIX)


@dataclass(frozen=True, slots=True)
class Node:
    """One object in a tree and the objects it applied (for Kustomizations and HelmReleases)."""

    ref: ObjectRef
    children: tuple[Node, ...] = ()

    def as_dict(self) -> Manifest:
        """The tree as plain data for `-o json|yaml`."""
        data: Manifest = {
            "apiVersion": self.ref.api_version,
            "kind": self.ref.kind,
            "name": self.ref.name,
        }
        if self.ref.namespace:
            data["namespace"] = self.ref.namespace
        if self.children:
            data["resources"] = [child.as_dict() for child in self.children]
        return data


def build_tree(root: ObjectRef, inventories: Mapping[ObjectRef, Sequence[ObjectRef]], *, compact: bool = False) -> Node:
    """The tree under `root`, nesting the inventories known for some objects; a cycle is cut where it repeats.

    With `compact`, only Flux's own kinds are kept.
    """

    def grow(ref: ObjectRef, path: frozenset[ObjectRef]) -> Node:
        kids = []
        for child in inventories.get(ref, ()):
            if compact and not is_flux(child):
                continue
            kids.append(Node(child) if child in path else grow(child, path | {child}))
        return Node(ref, tuple(kids))

    return grow(root, frozenset({root}))


def draw(node: Node) -> str:
    """The tree as text with box-drawing branches, as `flux tree` prints it."""
    lines = [str(node.ref)]

    def walk(children: Sequence[Node], prefix: str) -> None:
        for index, child in enumerate(children):
            last = index == len(children) - 1
            lines.append(f"{prefix}{'└── ' if last else '├── '}{child.ref}")
            walk(child.children, prefix + ("    " if last else "│   "))

    walk(node.children, "")
    return "\n".join(lines) + "\n"
