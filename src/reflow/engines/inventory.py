"""The objects in a stored inventory, and trees of them (`reflow tree`); ids are read by `ssa.inventory`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reflow.api.kustomize import ResourceRef
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.ssa.inventory import ref_of

FLUX_GROUP_SUFFIX = ".toolkit.fluxcd.io"


def entries(obj: Manifest) -> list[ObjectRef]:
    """The objects in an object's `status.inventory`, in the order stored (empty when there is none).

    Raises InvalidEntry for an id that is not `<namespace>_<name>_<group>_<Kind>`.
    """
    inventory = (obj.get("status") or {}).get("inventory") or {}
    return [ref_of(ResourceRef(id=entry["id"], v=entry.get("v", ""))) for entry in inventory.get("entries") or []]


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
