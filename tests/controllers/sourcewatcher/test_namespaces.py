"""Artifacts in another namespace: allowed when the generator's ServiceAccount may write ExternalArtifacts there."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
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


def publisher_rbac(namespace: str, target: str) -> list[dict[str, object]]:
    """The ServiceAccount `publisher` in `namespace`, allowed to write ExternalArtifacts in `target`."""
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "publisher", "namespace": namespace}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
         "metadata": {"name": "publish", "namespace": target},
         "rules": [{"apiGroups": ["source.toolkit.fluxcd.io"], "resources": ["externalartifacts"],
                    "verbs": ["create", "patch", "delete"]}]},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "publish", "namespace": target},
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "publish"},
         "subjects": [{"kind": "ServiceAccount", "name": "publisher", "namespace": namespace}]},
    ]  # fmt: skip


async def test_artifact_in_another_namespace_needs_the_service_account_to_be_allowed(
    kube: Kube, namespace: str, other_namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    await git_source({"apps/app.yaml": "v: 1\n"})
    await start_controllers("source-controller", "source-watcher")
    obj = generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"), namespace=other_namespace)])
    await kube.create(obj)
    await wait_for(kube, generator_ref(namespace), failed(f"namespace '{other_namespace}'", "serviceAccountName"),
                   timeout=60, what="refused")  # fmt: skip

    await kube.patch(generator_ref(namespace), {"spec": {"serviceAccountName": "publisher"}})
    denied = failed(f"'{namespace}/publisher'", "create, patch, delete", other_namespace)
    await wait_for(kube, generator_ref(namespace), denied, timeout=60, what="denied")

    for manifest in publisher_rbac(namespace, other_namespace):
        await kube.create(manifest)
    await kube.patch(generator_ref(namespace), {"metadata": {"annotations": {"reconcile.fluxcd.io/requestedAt": "1"}}})
    published = await ready_artifact(kube, other_namespace, "apps")
    assert "ownerReferences" not in published["metadata"]
    assert published["spec"]["sourceRef"]["namespace"] == namespace

    await kube.delete(generator_ref(namespace))
    gone = await wait_for(kube, artifact_ref(other_namespace, "apps"), lambda o: o is None, timeout=60, what="deleted")
    assert gone is None


async def test_an_artifact_deleted_by_hand_in_another_namespace_comes_back(
    kube: Kube, namespace: str, other_namespace: str, git_source: MakeSource, start_controllers: StartControllers
) -> None:
    for manifest in publisher_rbac(namespace, other_namespace):
        await kube.create(manifest)
    await git_source({"apps/app.yaml": "v: 1\n"})
    manager = await start_controllers("source-controller", "source-watcher")
    obj = generator(namespace, [copy("apps", ("@repo/apps/", "@artifact/"), namespace=other_namespace)],
                    serviceAccountName="publisher")  # fmt: skip
    await kube.create(obj)
    published = await ready_artifact(kube, other_namespace, "apps")
    await until(kube, generator_ref(namespace), ready)
    (controller,) = [c for c in manager.controllers if c.name == "artifactgenerator"]
    assert controller.reconciler.targets.watching() == [other_namespace]  # type: ignore[attr-defined]

    # The controller watches only its own namespace, yet sees the artifact deleted there at once (without that
    # namespace's own watch, only some later run, about 30 s on, would bring it back).
    await kube.delete(artifact_ref(other_namespace, "apps"))

    def recreated(obj: Manifest | None) -> bool:
        return obj is not None and obj["metadata"]["uid"] != published["metadata"]["uid"] and bool(obj.get("status"))

    await wait_for(kube, artifact_ref(other_namespace, "apps"), recreated, timeout=15, what="recreated")
