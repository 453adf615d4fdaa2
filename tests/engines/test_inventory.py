"""Stored inventories as object references, and the trees `reflow tree` draws from them."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.inventory import Node, build_tree, draw, entries
from reflow.engines.ssa.inventory import InvalidEntry


def stored(entry: str, version: str) -> Manifest:
    """A Kustomization whose status holds one inventory entry."""
    return {"status": {"inventory": {"entries": [{"id": entry, "v": version}]}}}


@pytest.mark.parametrize(
    ("entry", "version", "expected"),
    [
        pytest.param(
            "default_podinfo_apps_Deployment",
            "v1",
            ObjectRef("apps/v1", "Deployment", "podinfo", "default"),
            id="namespaced",
        ),
        pytest.param(
            "default_podinfo__Service", "v1", ObjectRef("v1", "Service", "podinfo", "default"), id="core-group"
        ),
        pytest.param("_flux-system__Namespace", "v1", ObjectRef("v1", "Namespace", "flux-system"), id="cluster-scoped"),
        pytest.param(
            "_system__reader_rbac.authorization.k8s.io_ClusterRole",
            "v1",
            ObjectRef("rbac.authorization.k8s.io/v1", "ClusterRole", "system:reader"),
            id="colon-in-name",
        ),
    ],
)
def test_entries_read_flux_inventory_ids(entry: str, version: str, expected: ObjectRef) -> None:
    assert entries(stored(entry, version)) == [expected]


def test_entries_reject_ids_without_four_parts() -> None:
    with pytest.raises(InvalidEntry):
        entries(stored("podinfo_Deployment", "v1"))


def test_an_object_without_an_inventory_has_no_entries() -> None:
    assert entries({"status": {}}) == []


ROOT = ObjectRef("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "root", "ns")
CHILD = ObjectRef("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "child", "ns")
CM = ObjectRef("v1", "ConfigMap", "cm", "ns")
REPO = ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "repo", "ns")


def test_build_tree_nests_and_cuts_cycles() -> None:
    tree = build_tree(ROOT, {ROOT: [CM, CHILD], CHILD: [REPO, ROOT]})
    assert tree == Node(ROOT, (Node(CM), Node(CHILD, (Node(REPO), Node(ROOT)))))


def test_compact_tree_keeps_flux_kinds_only() -> None:
    tree = build_tree(ROOT, {ROOT: [CM, CHILD], CHILD: [CM, REPO]}, compact=True)
    assert tree == Node(ROOT, (Node(CHILD, (Node(REPO),)),))


def test_draw_uses_box_branches() -> None:
    text = draw(build_tree(ROOT, {ROOT: [CHILD, CM], CHILD: [REPO]}))
    assert text == (
        "Kustomization/ns/root\n├── Kustomization/ns/child\n│   └── GitRepository/ns/repo\n└── ConfigMap/ns/cm\n"
    )
