"""Where and how much: targetNamespace with createNamespace, the release records in storageNamespace (the
HelmRelease's own by default), a release that moves, the default release name, and maxHistory."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_deleted, wait_for_items
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
        assert installed["status"]["storageNamespace"] == namespace
        assert installed["status"]["history"][0]["name"] == f"{target}-web"
        await kube.get(ObjectRef("v1", "ConfigMap", f"{target}-web-config", target))
        assert await records(kube, namespace, f"{target}-web") == [f"sh.helm.release.v1.{target}-web.v1"]
        assert await records(kube, target, f"{target}-web") == []

        ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
        for greeting in ("one", "two", "three"):
            await kube.patch(ref, {"spec": {"values": {"greeting": greeting}}})
            upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
        assert [s["version"] for s in upgraded["status"]["history"]] == [4, 3]
        history = json.loads(helm_cli(kubeconfig, namespace, "history", f"{target}-web", "-o", "json"))
        assert [entry["revision"] for entry in history] == [3, 4]
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef("v1", "Namespace", target))


async def records(kube: Kube, namespace: str, release: str) -> list[str]:
    """The names of the release's storage Secrets in `namespace`."""
    secrets = await kube.list_all("v1", "Secret", namespace, label_selector=f"owner=helm,name={release}")
    return sorted(secret["metadata"]["name"] for secret in secrets)


async def test_a_release_that_moves_is_uninstalled_from_its_old_place_and_installed_anew(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    first, second = f"{namespace}-first", f"{namespace}-second"
    await start_controllers("helm", controller_options=OPTIONS)
    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    try:
        for created in (first, second):
            await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": created}})
        await kube.create(helm_release(namespace, "web", targetNamespace=first, releaseName="web"))
        await until(kube, namespace, "web", ready_with("InstallSucceeded"))
        assert await records(kube, namespace, "web") == ["sh.helm.release.v1.web.v1"]

        await kube.patch(ref, {"spec": {"storageNamespace": first}})
        moved = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
        assert moved["status"]["storageNamespace"] == first
        assert [(s["namespace"], s["version"]) for s in moved["status"]["history"]] == [(first, 1)]
        assert await records(kube, namespace, "web") == []
        assert await records(kube, first, "web") == ["sh.helm.release.v1.web.v1"]
        history = json.loads(helm_cli(kubeconfig, first, "history", "web", "-o", "json"))
        assert [entry["revision"] for entry in history] == [1]

        await kube.patch(ref, {"spec": {"targetNamespace": second, "storageNamespace": None}})
        moved = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
        assert [(s["namespace"], s["version"]) for s in moved["status"]["history"]] == [(second, 1)]
        await kube.get(ObjectRef("v1", "ConfigMap", "web-config", second))
        await wait_deleted(kube, ObjectRef("v1", "ConfigMap", "web-config", first), timeout=30)
        assert await records(kube, first, "web") == []
        assert await records(kube, namespace, "web") == ["sh.helm.release.v1.web.v1"]

        def uninstalled(events: list[Manifest]) -> bool:
            messages = [e["message"] for e in events if e["reason"] == "UninstallSucceeded"]
            return any(f"storage namespace changed from '{namespace}' to '{first}'" in m for m in messages) and any(
                f"storage namespace changed from '{first}' to '{namespace}'" in m for m in messages
            )

        await wait_for_items(kube, "v1", "Event", namespace, uninstalled, timeout=30, what="recorded")
    finally:
        for created in (first, second):
            with contextlib.suppress(NotFound):
                await kube.delete(ObjectRef("v1", "Namespace", created))


async def test_records_apart_from_the_release_need_reflows_helm_build(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options={"helm_binary": Path("/bin/false")})
    await kube.create(helm_release(namespace, "web", targetNamespace="default"))
    stalled = await until(kube, namespace, "web", ready_with("InvalidSpec", "False"))
    message = condition(stalled, "Ready")["message"]  # type: ignore[index]
    assert f"storage namespace '{namespace}' differs from the target namespace 'default'" in message
    assert "reflow's helm build" in message


async def test_an_external_artifact_chart_needs_the_feature_gate(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, feature_gates=FeatureGates.parse("", DEFAULT_GATES))
    await kube.create(helm_release(namespace, "web"))
    stalled = await until(kube, namespace, "web", ready_with("FeatureGateDisabled", "False"))
    assert "--feature-gates=ExternalArtifact=true" in condition(stalled, "Ready")["message"]  # type: ignore[index]
