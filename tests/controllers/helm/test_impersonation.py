"""`serviceAccountName`: helm acts as the ServiceAccount, with its permissions and nothing more."""

from __future__ import annotations

from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.controllers.helm.charts import ChartArtifacts, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_the_release_is_made_as_the_service_account(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": namespace}}
    )
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", interval="2s", serviceAccountName="deployer"))

    refused = await until(kube, namespace, "web", ready_with("ReconciliationFailed", "False"))
    ready = next(c for c in refused["status"]["conditions"] if c["type"] == "Ready")
    assert f"system:serviceaccount:{namespace}:deployer" in ready["message"]
    assert "forbidden" in ready["message"]
    try:
        await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
        raise AssertionError("the release was made with the controller's own rights")
    except NotFound:
        pass

    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "deployer-edit", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": namespace}],
    }  # fmt: skip
    await kube.create(binding)
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["data"] == {"greeting": "hello"}
