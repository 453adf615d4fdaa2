"""Change sets, inventory ids and stale objects."""

from __future__ import annotations

import pytest

from reflow.api.kustomize import ResourceInventory, ResourceRef
from reflow.api.meta import ObjectRef
from reflow.engines.ssa import Action, Change, ChangeSet, inventory_of, object_id, stale
from reflow.engines.ssa.inventory import InvalidEntry, ref_of

WEB = ObjectRef("apps/v1", "Deployment", "web", "apps")
SVC = ObjectRef("v1", "Service", "web", "apps")
NS = ObjectRef("v1", "Namespace", "apps")
ROLE = ObjectRef("rbac.authorization.k8s.io/v1", "ClusterRole", "system:aggregate-to-view")


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        pytest.param(WEB, "apps_web_apps_Deployment", id="namespaced-in-a-group"),
        pytest.param(SVC, "apps_web__Service", id="core-group-is-empty"),
        pytest.param(NS, "_apps__Namespace", id="cluster-wide-has-no-namespace"),
        pytest.param(ROLE, "_system__aggregate-to-view_rbac.authorization.k8s.io_ClusterRole", id="rbac-colons"),
        pytest.param(ObjectRef("example.com/v1", "Thing", "a:b", "n"), "n_a:b_example.com_Thing", id="colon-kept"),
    ],
)
def test_object_id_matches_flux_inventory_ids(ref: ObjectRef, expected: str) -> None:
    assert object_id(ref) == expected


@pytest.mark.parametrize("ref", [WEB, SVC, NS, ROLE], ids=["deployment", "service", "namespace", "cluster-role"])
def test_inventory_entries_round_trip(ref: ObjectRef) -> None:
    assert ref_of(inventory_of([(ref, ref.api_version)]).entries[0]) == ref


def test_inventory_entry_holds_the_version_without_the_group() -> None:
    assert inventory_of([(WEB, "apps/v1"), (SVC, "v1")]).entries == (
        ResourceRef(id="apps_web_apps_Deployment", v="v1"),
        ResourceRef(id="apps_web__Service", v="v1"),
    )


@pytest.mark.parametrize("entry_id", ["nounderscores", "a_b", "ns_a_b_c_Kind"], ids=["one-field", "two", "five"])
def test_malformed_inventory_ids_are_rejected(entry_id: str) -> None:
    with pytest.raises(InvalidEntry):
        ref_of(ResourceRef(id=entry_id, v="v1"))


def inventory(*refs: ObjectRef) -> ResourceInventory:
    return inventory_of((ref, ref.api_version) for ref in refs)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        pytest.param(inventory(WEB, SVC), inventory(WEB, SVC), (), id="nothing-removed"),
        pytest.param(inventory(WEB, SVC), inventory(WEB), (SVC,), id="removed-object-is-stale"),
        pytest.param(None, inventory(WEB), (), id="no-previous-inventory"),
        pytest.param(inventory(WEB, NS), None, (WEB, NS), id="everything-left"),
        pytest.param(
            inventory(ObjectRef("apps/v1beta1", "Deployment", "web", "apps")), inventory(WEB), (), id="new-version"
        ),
    ],
)
def test_stale_lists_objects_missing_from_new_inventory(
    old: ResourceInventory | None, new: ResourceInventory | None, expected: tuple[ObjectRef, ...]
) -> None:
    assert stale(old, new) == expected


def test_change_set_prints_as_flux_and_summarises_only_changes() -> None:
    changes = ChangeSet.of(
        [
            Change.of(NS, Action.UNCHANGED),
            Change.of(SVC, Action.CREATED),
            Change.of(WEB, Action.CONFIGURED),
            Change.of(ROLE, Action.SKIPPED),
            Change.of(ObjectRef("v1", "ConfigMap", "old", "apps"), Action.DELETED),
        ]
    )
    assert str(changes).splitlines()[:2] == ["Namespace/apps unchanged", "Service/apps/web created"]
    assert changes.summary() == ("Service/apps/web created\nDeployment/apps/web configured\nConfigMap/apps/old deleted")
    assert changes.actions()["Deployment/apps/web"] is Action.CONFIGURED
    assert changes.with_action(Action.SKIPPED) == (Change.of(ROLE, Action.SKIPPED),)
    assert len(changes.inventory().entries) == 5


def test_change_sets_add_up_in_order() -> None:
    first, second = ChangeSet.of([Change.of(NS, Action.CREATED)]), ChangeSet.of([Change.of(WEB, Action.CREATED)])
    assert (first + second).refs() == (NS, WEB)
