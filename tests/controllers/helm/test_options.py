"""Where and how much: targetNamespace with createNamespace, the default release name, and maxHistory."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.features import DEFAULT_GATES, FeatureGates
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_target_namespace_is_created_and_history_is_capped(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    target = f"{namespace}-apps"
    await start_controllers("helm", controller_options=OPTIONS)
    spec = {"targetNamespace": target, "maxHistory": 2, "install": {"createNamespace": True}}
    try:
        await kube.create(helm_release(namespace, "web", **spec))
        installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
        assert installed["status"]["storageNamespace"] == target
        assert installed["status"]["history"][0]["name"] == f"{target}-web"
        await kube.get(ObjectRef("v1", "ConfigMap", f"{target}-web-config", target))

        ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
        for greeting in ("one", "two", "three"):
            await kube.patch(ref, {"spec": {"values": {"greeting": greeting}}})
            upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
        assert [s["version"] for s in upgraded["status"]["history"]] == [4, 3]
        history = json.loads(helm_cli(kubeconfig, target, "history", f"{target}-web", "-o", "json"))
        assert [entry["revision"] for entry in history] == [3, 4]
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef("v1", "Namespace", target))


async def test_an_external_artifact_chart_needs_the_feature_gate(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, feature_gates=FeatureGates.parse("", DEFAULT_GATES))
    await kube.create(helm_release(namespace, "web"))
    stalled = await until(kube, namespace, "web", ready_with("FeatureGateDisabled", "False"))
    assert "--feature-gates=ExternalArtifact=true" in condition(stalled, "Ready")["message"]  # type: ignore[index]
