"""HelmRelease against the real plane: real Helm releases that the helm CLI reads, installed and upgraded by reflow."""

from __future__ import annotations

import json
from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.helm.charts import ChartArtifacts, Notifications, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers
from tests.manifests import config_map

HELM = {"helm_binary": binary("helm")}


async def test_install_then_upgrade_when_a_watched_configmap_changes(
    kube: Kube,
    namespace: str,
    kubeconfig: Path,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    notifications: Notifications,
) -> None:
    artifact = await charts.publish("app", "0.1.0")
    watched = {"reconcile.fluxcd.io/watch": "Enabled"}
    await kube.create(config_map(namespace, "overrides", {"values.yaml": "greeting: hi\n"}, labels=watched))
    hr = helm_release(namespace, "web", valuesFrom=[{"kind": "ConfigMap", "name": "overrides"}], values={"replicas": 2})
    await start_controllers("helm", controller_options=HELM, events_addr=notifications.url)
    await kube.create(hr)

    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    status = installed["status"]
    assert status["lastAttemptedRevision"] == "0.1.0"
    assert status["lastAttemptedRevisionDigest"] == artifact.digest
    assert status["lastAttemptedReleaseAction"] == "install"
    assert status["storageNamespace"] == namespace
    assert sorted(entry["id"] for entry in status["inventory"]["entries"]) == [
        f"{namespace}_web-app_apps_Deployment",
        f"{namespace}_web-config__ConfigMap",
    ]
    [snapshot] = status["history"]
    assert snapshot["name"] == "web"
    assert snapshot["version"] == 1
    assert snapshot["status"] == "deployed"
    assert snapshot["chartName"] == "app"
    assert snapshot["chartVersion"] == "0.1.0"
    assert snapshot["configDigest"] == status["lastAttemptedConfigDigest"]
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["message"] == f"Helm install succeeded for release {namespace}/web.v1 with chart app@0.1.0"
    released = next(c for c in status["conditions"] if c["type"] == "Released")
    assert released["reason"] == "InstallSucceeded"
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["data"] == {"greeting": "hi"}
    origin = {"helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": namespace}
    assert origin.items() <= live["metadata"]["labels"].items()
    values = json.loads(helm_cli(kubeconfig, namespace, "get", "values", "web", "-o", "json"))
    assert values == {"greeting": "hi", "replicas": 2}

    await kube.patch(ObjectRef("v1", "ConfigMap", "overrides", namespace), {"data": {"values.yaml": "greeting: hey\n"}})
    upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"), timeout=60)
    assert [s["version"] for s in upgraded["status"]["history"]] == [2, 1]
    assert upgraded["status"]["lastAttemptedReleaseAction"] == "upgrade"
    assert upgraded["status"]["lastAttemptedConfigDigest"] != status["lastAttemptedConfigDigest"]
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["data"] == {"greeting": "hey"}
    history = json.loads(helm_cli(kubeconfig, namespace, "history", "web", "-o", "json"))
    assert [(entry["revision"], entry["status"]) for entry in history] == [(1, "superseded"), (2, "deployed")]
    events = await kube.list_all("v1", "Event", namespace)
    reasons = [e["reason"] for e in events if e["involvedObject"]["name"] == "web"]
    assert "InstallSucceeded" in reasons
    assert "UpgradeSucceeded" in reasons
    install_event = next(e for e in events if e["reason"] == "InstallSucceeded")
    assert install_event["metadata"]["annotations"]["helm.toolkit.fluxcd.io/revision"] == "0.1.0"
    sent = await notifications.until(lambda body: body["reason"] == "UpgradeSucceeded")
    assert sent["action"] == "HelmUpgrade"
    assert sent["metadata"]["helm.toolkit.fluxcd.io/token"] == upgraded["status"]["lastAttemptedConfigDigest"]

    await kube.delete(ObjectRef("helm.toolkit.fluxcd.io/v2", "HelmRelease", "web", namespace))
    await wait_for(kube, ObjectRef("helm.toolkit.fluxcd.io/v2", "HelmRelease", "web", namespace), lambda o: o is None,
                   timeout=60, what="deleted")  # fmt: skip
    assert helm_cli(kubeconfig, namespace, "list", "--uninstalled", "--failed", "--deployed", "-q").strip() == ""
    gone = await wait_for(kube, ObjectRef("v1", "ConfigMap", "web-config", namespace), lambda o: o is None,
                          timeout=30, what="deleted")  # fmt: skip
    assert gone is None
