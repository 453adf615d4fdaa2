"""Drift detection: a Deployment changed behind Helm's back is reported (warn), ignored by rule, corrected (enabled)."""

from __future__ import annotations

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.helm.charts import HELM, ChartArtifacts, Notifications, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}
IGNORE_REPLICAS = [{"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}}]


def handled(token: str):  # type: ignore[no-untyped-def]
    def check(obj: Manifest | None) -> bool:
        return (obj or {}).get("status", {}).get("lastHandledReconcileAt") == token

    return check


async def test_drift_is_ignored_by_rule_reported_in_warn_mode_and_corrected_when_enabled(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    notifications: Notifications,
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, events_addr=notifications.url)
    detection = {"mode": "warn", "ignore": IGNORE_REPLICAS}
    await kube.create(helm_release(namespace, "web", driftDetection=detection))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))

    deployment = ObjectRef("apps/v1", "Deployment", "web-app", namespace)
    await kube.patch(deployment, {"spec": {"replicas": 3}})
    hr = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(hr, {"metadata": {"annotations": {REQUESTED_AT: "ignored"}}})
    ignored = await until(kube, namespace, "web", handled("ignored"))
    assert condition(ignored, "Drifted") is None

    await kube.patch(hr, {"spec": {"driftDetection": {"mode": "warn", "ignore": None}}})
    warned = await until(kube, namespace, "web", lambda o: condition(o, "Drifted") is not None)
    drifted = condition(warned, "Drifted")
    assert drifted is not None
    assert drifted["reason"] == "DriftDetected"
    assert f"Deployment/{namespace}/web-app changed (/spec/replicas)" in drifted["message"]
    assert condition(warned, "Ready")["status"] == "True"  # type: ignore[index]
    assert (await kube.get(deployment))["spec"]["replicas"] == 3

    await kube.patch(hr, {"spec": {"driftDetection": {"mode": "enabled"}}})
    fixed = await wait_for(kube, deployment, lambda o: (o or {}).get("spec", {}).get("replicas") == 1,
                           timeout=60, what="corrected")  # fmt: skip
    assert fixed is not None
    await until(kube, namespace, "web", lambda o: condition(o, "Drifted") is None)
    prefix = f"Cluster state of release {namespace}/web.v1 has been corrected:"
    corrected = await notifications.until(lambda body: body["message"].startswith(prefix))
    assert (corrected["reason"], corrected["action"]) == ("DriftDetected", "DriftDetection")
