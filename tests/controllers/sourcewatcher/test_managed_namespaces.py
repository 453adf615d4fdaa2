"""managedNamespaces: target namespaces created, labelled, authorized through the ServiceAccount, and pruned."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_for
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import MakeSource
from tests.controllers.sourcewatcher.generators import (
    artifact_ref,
    copy,
    failed,
    generator,
    generator_ref,
    ready,
    ready_artifact,
    until,
)
from tests.managers import StartControllers

DISABLED = "source.extensions.fluxcd.io/reconcile"
NAMESPACE_METADATA = """\
apiVersion: source.extensions.fluxcd.io/v1beta1
kind: NamespaceMetadata
metadata:
  labels:
    tier: backend
    unlisted: dropped
"""
RBAC = "rbac.authorization.k8s.io/v1"


def namespace_ref(name: str) -> ObjectRef:
    return ObjectRef("v1", "Namespace", name)


def gone_or_terminating(obj: Manifest | None) -> bool:
    return obj is None or bool(obj["metadata"].get("deletionTimestamp"))


def cluster_rbac(namespace: str) -> list[Manifest]:
    """ServiceAccount `publisher` in `namespace`, allowed to manage Namespaces and ExternalArtifacts anywhere."""
    name = f"{namespace}-publisher"
    return [
        {"apiVersion": RBAC, "kind": "ClusterRole", "metadata": {"name": name},
         "rules": [{"apiGroups": [""], "resources": ["namespaces"], "verbs": ["create", "patch", "delete"]},
                   {"apiGroups": ["source.toolkit.fluxcd.io"], "resources": ["externalartifacts"],
                    "verbs": ["create", "patch", "delete"]}]},
        {"apiVersion": RBAC, "kind": "ClusterRoleBinding", "metadata": {"name": name},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
         "subjects": [{"kind": "ServiceAccount", "name": "publisher", "namespace": namespace}]},
    ]  # fmt: skip


@pytest.fixture
async def managed_name(kube: Kube, namespace: str) -> AsyncIterator[str]:
    """The name of the namespace the generator manages; deleted afterwards with the cluster-scoped RBAC."""
    yield f"{namespace}-apps"
    for ref in [namespace_ref(f"{namespace}-apps"), *(ObjectRef.of(m) for m in cluster_rbac(namespace))]:
        with contextlib.suppress(NotFound):
            await kube.delete(ref)


def managing(namespace: str, target: str, **spec: object) -> Manifest:
    labels = {"strategy": "Override", "namespace": "*", "labels": {"team": "apps"}}
    managed = {"allowedNames": [f"ns.startsWith('{namespace}-')"], "prune": True, "metadata": {"from": [labels]}}
    return generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"), namespace=target)],
                     managedNamespaces=managed, **spec)  # fmt: skip


async def test_managed_namespaces_need_a_service_account(
    kube: Kube, namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(managing(namespace, f"{namespace}-apps"))
    await until(kube, generator_ref(namespace), failed("managedNamespaces needs spec.serviceAccountName"))
    with pytest.raises(NotFound):
        await kube.get(namespace_ref(f"{namespace}-apps"))


async def test_managed_namespace_is_created_labelled_and_pruned_when_let_go(
    kube: Kube,
    namespace: str,
    managed_name: str,
    git_source: MakeSource,
    start_controllers: StartControllers,
    tmp_path: Path,
) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "publisher",
                                                                                  "namespace": namespace}})  # fmt: skip
    await git_source({"apps/app.yaml": "v: 1\n", "apps/namespace.yaml": NAMESPACE_METADATA})
    await start_controllers("source-controller", "source-watcher")
    obj = managing(namespace, managed_name, serviceAccountName="publisher")
    obj["spec"]["managedNamespaces"]["metadata"]["fromSource"] = {
        "path": "@repo/apps/namespace.yaml", "allowedLabels": {"tier": "value in ['backend', 'frontend']"}}  # fmt: skip
    await kube.create(obj)
    denied = failed(f"'{namespace}/publisher' may not create, patch, delete Namespaces", managed_name)
    await until(kube, generator_ref(namespace), denied)

    for manifest in cluster_rbac(namespace):
        await kube.create(manifest)
    await kube.patch(generator_ref(namespace), {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "1"}}})
    published = await ready_artifact(kube, managed_name, "apps")
    owner = await until(kube, generator_ref(namespace), ready)
    created = await kube.get(namespace_ref(managed_name))
    labels = created["metadata"]["labels"]
    assert labels["team"] == "apps"
    assert labels["tier"] == "backend"
    assert "unlisted" not in labels
    assert labels["source.extensions.fluxcd.io/generator"] == owner["metadata"]["uid"]
    kinds = {(entry["kind"], entry["name"]) for entry in owner["status"]["inventory"]}
    assert kinds == {("Namespace", managed_name), ("ExternalArtifact", "apps")}
    files = tmp_path / "artifacts" / "externalartifact" / managed_name / "apps"
    assert files.is_dir()
    assert published["spec"]["sourceRef"]["name"] == "split"

    # The artifact moves home: the namespace it no longer targets is pruned, with the artifact's files.
    await kube.patch(generator_ref(namespace), {"spec": {"artifacts": [copy("apps", ("@repo/apps/", "@artifact/"))]}})
    await ready_artifact(kube, namespace, "apps")
    await wait_for(kube, namespace_ref(managed_name), gone_or_terminating, timeout=60, what="pruned")
    assert not files.exists()


async def test_existing_namespace_is_adopted_and_goes_with_a_generator_deleted_while_disabled(
    kube: Kube,
    namespace: str,
    managed_name: str,
    git_source: MakeSource,
    start_controllers: StartControllers,
    tmp_path: Path,
) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "publisher",
                                                                                  "namespace": namespace}})  # fmt: skip
    for manifest in cluster_rbac(namespace):
        await kube.create(manifest)
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": managed_name,
                                                                             "labels": {"keep": "me"}}})  # fmt: skip
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    obj = managing(namespace, managed_name, serviceAccountName="publisher")
    obj["spec"]["artifacts"].append(copy("home", ("@repo/apps/", "@artifact/")))
    await kube.create(obj)
    await ready_artifact(kube, managed_name, "apps")
    adopted = await kube.get(namespace_ref(managed_name))
    assert adopted["metadata"]["labels"]["keep"] == "me"
    assert adopted["metadata"]["labels"]["team"] == "apps"

    def adoption(items: list[Manifest]) -> bool:
        return any(e["reason"] == "Adopted" and e["type"] == "Warning" and managed_name in e["message"] for e in items)

    await events_until(kube, namespace, adoption, what="an Adopted warning")
    await ready_artifact(kube, namespace, "home")
    storage = tmp_path / "artifacts" / "externalartifact"
    assert (storage / managed_name / "apps").is_dir()
    assert (storage / namespace / "home").is_dir()

    await kube.patch(generator_ref(namespace), {"metadata": {"annotations": {DISABLED: "Disabled"}}})
    await kube.delete(generator_ref(namespace))
    assert await wait_for(kube, generator_ref(namespace), lambda o: o is None, timeout=60, what="deleted") is None
    assert await wait_for(kube, artifact_ref(namespace, "home"), lambda o: o is None, timeout=60, what="gone") is None
    await wait_for(kube, namespace_ref(managed_name), gone_or_terminating, timeout=60, what="pruned")
    assert not (storage / managed_name / "apps").exists()
    assert not (storage / namespace / "home").exists()


@pytest.mark.parametrize("keeper", ["prune-disabled", "external-finalizer"])
async def test_a_namespace_that_asks_to_be_kept_survives_being_let_go(
    kube: Kube,
    namespace: str,
    managed_name: str,
    git_source: MakeSource,
    start_controllers: StartControllers,
    keeper: str,
) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "publisher",
                                                                                  "namespace": namespace}})  # fmt: skip
    for manifest in cluster_rbac(namespace):
        await kube.create(manifest)
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(managing(namespace, managed_name, serviceAccountName="publisher"))
    await ready_artifact(kube, managed_name, "apps")
    if keeper == "prune-disabled":
        annotation = {"source.extensions.fluxcd.io/prune": "disabled"}
    else:
        owner = await kube.create({"apiVersion": "v1", "kind": "ConfigMap",
                                   "metadata": {"name": "keeper", "namespace": namespace}})  # fmt: skip
        value = f"/v1/ConfigMap/{namespace}/keeper/{owner['metadata']['uid']}"
        annotation = {"source.extensions.fluxcd.io/externalFinalizer": value}
    await kube.patch(namespace_ref(managed_name), {"metadata": {"annotations": annotation}})

    await kube.patch(generator_ref(namespace), {"spec": {"artifacts": [copy("apps", ("@repo/apps/", "@artifact/"))]}})

    def let_go(obj: Manifest | None) -> bool:
        inventory = ((obj or {}).get("status") or {}).get("inventory") or []
        return ready(obj) and [entry["kind"] for entry in inventory] == ["ExternalArtifact"]

    await until(kube, generator_ref(namespace), let_go)
    kept = await kube.get(namespace_ref(managed_name))
    assert not kept["metadata"].get("deletionTimestamp")
    moved = await wait_for(kube, artifact_ref(managed_name, "apps"), lambda o: o is None, timeout=60, what="gone")
    assert moved is None


async def test_a_managed_namespace_deleted_by_hand_comes_back_with_its_artifact(
    kube: Kube, namespace: str, managed_name: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await kube.create({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "publisher",
                                                                                  "namespace": namespace}})  # fmt: skip
    for manifest in cluster_rbac(namespace):
        await kube.create(manifest)
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    await kube.create(managing(namespace, managed_name, serviceAccountName="publisher"))
    await ready_artifact(kube, managed_name, "apps")
    first = await kube.get(namespace_ref(managed_name))
    await kube.delete(namespace_ref(managed_name))

    def recreated(obj: Manifest | None) -> bool:
        return obj is not None and obj["metadata"]["uid"] != first["metadata"]["uid"]

    await wait_for(kube, namespace_ref(managed_name), recreated, timeout=90, what="recreated")
    await ready_artifact(kube, managed_name, "apps")
