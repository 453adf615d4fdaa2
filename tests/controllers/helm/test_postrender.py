"""Post-renderers: kustomize patches (strategic merge, JSON 6902) and images are in the release manifest."""

from __future__ import annotations

from pathlib import Path

from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}
STRATEGIC = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-app
spec:
  replicas: 2
"""
JSON6902 = '[{"op": "add", "path": "/data/patched", "value": "yes"}]'


async def test_post_renderers_patch_the_release_and_a_change_upgrades_it(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    kustomize = {
        "patches": [{"patch": STRATEGIC}, {"patch": JSON6902, "target": {"kind": "ConfigMap", "name": "web-config"}}],
        "images": [{"name": "registry.local/app", "newName": "registry.local/other", "newTag": "2.0"}],
    }
    await kube.create(helm_release(namespace, "web", postRenderers=[{"kustomize": kustomize}]))
    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    digest = installed["status"]["observedPostRenderersDigest"]
    assert digest.startswith("sha256:")

    manifest = helm_cli(kubeconfig, namespace, "get", "manifest", "web")
    assert "replicas: 2" in manifest
    assert 'patched: "yes"' in manifest or "patched: 'yes'" in manifest or "patched: yes" in manifest
    assert "image: registry.local/other:2.0" in manifest
    live = await kube.get(ObjectRef("apps/v1", "Deployment", "web-app", namespace))
    assert live["spec"]["replicas"] == 2
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/other:2.0"

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    kustomize["images"] = [{"name": "registry.local/app", "newTag": "3.0"}]
    await kube.patch(ref, {"spec": {"postRenderers": [{"kustomize": kustomize}]}})
    upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
    assert upgraded["status"]["observedPostRenderersDigest"] != digest
    live = await kube.get(ObjectRef("apps/v1", "Deployment", "web-app", namespace))
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.local/app:3.0"
