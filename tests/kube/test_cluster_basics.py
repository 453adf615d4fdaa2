"""The real control plane behaves as reflow relies on: dry-runs, workloads, namespace deletion, impersonation."""

from __future__ import annotations

import secrets

import pytest

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import Forbidden, NotFound
from reflow.kube.wait import wait_deleted, wait_for
from tests.manifests import available, config_map, deployment

FIELD_MANAGER = "reflow-tests"


async def test_dry_run_apply_of_a_new_object_stores_nothing(kube: Kube, namespace: str) -> None:
    manifest = config_map(namespace, "dry", {"a": "1"})
    answer = await kube.apply(manifest, field_manager=FIELD_MANAGER, dry_run=True)
    assert answer["data"] == {"a": "1"}
    with pytest.raises(NotFound):
        await kube.get(ObjectRef.of(manifest))


async def test_dry_run_apply_of_a_change_leaves_the_live_object_as_it_was(kube: Kube, namespace: str) -> None:
    live = await kube.apply(config_map(namespace, "cm", {"a": "1"}), field_manager=FIELD_MANAGER)
    answer = await kube.apply(config_map(namespace, "cm", {"a": "2"}), field_manager=FIELD_MANAGER, dry_run=True)
    after = await kube.get(ObjectRef.of(live))
    assert answer["data"] == {"a": "2"}
    assert after["data"] == {"a": "1"}
    assert after["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]


async def test_deployment_with_two_replicas_becomes_available(kube: Kube, namespace: str) -> None:
    applied = await kube.apply(deployment(namespace, "web", 2), field_manager=FIELD_MANAGER)
    ready = await wait_for(kube, ObjectRef.of(applied), available, timeout=60, what="Available")
    assert ready is not None
    assert ready["status"]["availableReplicas"] == 2
    pods = await kube.list_all("v1", "Pod", namespace, label_selector="app=web")
    assert len(pods) == 2
    assert all(pod["status"]["phase"] == "Running" for pod in pods)


async def test_namespace_with_objects_is_deleted_completely(kube: Kube) -> None:
    name = f"t-doomed-{secrets.token_hex(3)}"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    await kube.apply(config_map(name, "cm", {"a": "1"}), field_manager=FIELD_MANAGER)
    deployed = await kube.apply(deployment(name, "web", 1), field_manager=FIELD_MANAGER)
    await wait_for(kube, ObjectRef.of(deployed), available, timeout=60, what="Available")

    await kube.delete(ObjectRef("v1", "Namespace", name))
    await wait_deleted(kube, ObjectRef("v1", "Namespace", name), timeout=90)

    assert await kube.list_all("v1", "ConfigMap", name) == []
    assert await kube.list_all("v1", "Pod", name) == []
    assert await kube.list_all("apps/v1", "Deployment", name) == []


async def test_service_account_is_denied_what_its_role_lacks_and_allowed_what_it_grants(
    kube: Kube, namespace: str
) -> None:
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "reader", "namespace": namespace}}
    )
    await kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "configmap-reader", "namespace": namespace},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
        }
    )
    await kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "reader", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "configmap-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "reader", "namespace": namespace}],
        }
    )
    await kube.apply(config_map(namespace, "visible", {"a": "1"}), field_manager=FIELD_MANAGER)
    reader = kube.impersonating(f"system:serviceaccount:{namespace}:reader")

    seen = await reader.get(ObjectRef("v1", "ConfigMap", "visible", namespace))
    assert seen["data"] == {"a": "1"}
    with pytest.raises(Forbidden) as denied:
        await reader.apply(config_map(namespace, "forbidden", {"b": "2"}), field_manager=FIELD_MANAGER)
    assert f"system:serviceaccount:{namespace}:reader" in denied.value.message
    with pytest.raises(Forbidden):
        await reader.list("v1", "Secret", namespace)
    with pytest.raises(NotFound):
        await kube.get(ObjectRef("v1", "ConfigMap", "forbidden", namespace))
