"""`spec.chart`: the HelmRelease creates, updates and deletes its own HelmChart, and releases its artifact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import ObjectRef
from reflow.api.wire import render
from reflow.controllers.helm.charts import HELM_CHART_LAYER
from reflow.dev.gobuild import binary
from reflow.engines.artifact import artifact_path
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.cache import InformerKey
from reflow.runtime.informer import Scope
from tests.controllers.helm.charts import HELM, SOURCE, ChartArtifacts, helm_cli, ready_with, until
from tests.controllers.source.test_helmchart_oci import push_chart
from tests.managers import StartControllers
from tests.registries import Registry

OPTIONS = {"helm_binary": binary("helm")}


async def test_the_helmchart_of_a_chart_template_is_created_released_and_deleted(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    manager = await start_controllers("helm", controller_options=OPTIONS)
    chart = {"metadata": {"labels": {"team": "web"}},
             "spec": {"chart": "app", "version": "0.1.x",
                      "sourceRef": {"kind": "HelmRepository", "name": "repo"}}}  # fmt: skip
    hr = {"apiVersion": HELM, "kind": "HelmRelease", "metadata": {"name": "web", "namespace": namespace},
          "spec": {"interval": "10m", "chart": chart}}  # fmt: skip
    await kube.create(hr)

    waiting = await until(kube, namespace, "web", ready_with("ArtifactFailed", "False"))
    assert waiting["status"]["helmChart"] == f"{namespace}/{namespace}-web"
    ref = ObjectRef(SOURCE, "HelmChart", f"{namespace}-web", namespace)
    made = await kube.get(ref)
    assert made["metadata"]["labels"] == {
        "team": "web", "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": namespace
    }  # fmt: skip
    assert made["spec"]["chart"] == "app"
    assert made["spec"]["version"] == "0.1.x"
    assert made["spec"]["interval"] == "10m0s"
    assert made["spec"]["sourceRef"] == {"kind": "HelmRepository", "name": "repo"}

    # What the HelmChart controller does once it packaged the chart: an artifact in its storage.
    package = (await charts.publish("app", "0.1.3", source="unused")).path
    data = (charts.storage.root / package).read_bytes()
    artifact = await charts.storage.store_bytes(
        artifact_path("HelmChart", namespace, f"{namespace}-web", "app-0.1.3.tgz"), data, "0.1.3"
    )
    ready = {"type": "Ready", "status": "True", "reason": "ChartPullSucceeded", "message": "pulled 'app' chart",
             "lastTransitionTime": artifact.last_update_time}  # fmt: skip
    await kube.patch(ref, {"status": {"artifact": render(artifact), "conditions": [ready]}}, subresource="status")
    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    assert installed["status"]["lastAttemptedRevision"] == "0.1.3"

    # An unchanged HelmChart is not applied again; one edited by someone else is put back by the next reconcile.
    scope = Scope(api_version=SOURCE, kind="HelmChart", namespace=namespace)
    assert InformerKey(kube.identity, scope) in manager.cache.informer_keys()
    edited = asyncio.Event()
    manager.cache.informer(kube, scope).add_handler(
        lambda _change, _old, new: edited.set() if new["spec"].get("version") == "9.9.9" else None
    )
    await kube.patch(ref, {"metadata": {"labels": {"team": None}}, "spec": {"version": "9.9.9"}})
    await asyncio.wait_for(edited.wait(), timeout=30)  # the controller's cache has seen the edit
    await kube.patch(ObjectRef(HELM, "HelmRelease", "web", namespace),
                     {"metadata": {"annotations": {REQUESTED_AT: "after-edit"}}})  # fmt: skip
    restored = await wait_for(kube, ref, lambda o: (o or {}).get("spec", {}).get("version") == "0.1.x", timeout=30,
                              what="put back")  # fmt: skip
    assert restored["metadata"]["labels"]["team"] == "web"

    await kube.patch(ObjectRef(HELM, "HelmRelease", "web", namespace),
                     {"spec": {"chart": {"spec": {"version": "0.2.x"}}}})  # fmt: skip
    await wait_for(kube, ref, lambda o: (o or {}).get("spec", {}).get("version") == "0.2.x", timeout=30,
                   what="updated")  # fmt: skip

    await kube.delete(ObjectRef(HELM, "HelmRelease", "web", namespace))
    assert await wait_for(kube, ref, lambda o: o is None, timeout=60, what="deleted") is None


async def test_an_oci_chart_template_makes_an_ocirepository_whose_chart_helm_pushed_is_released(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    registry: Registry,
    registry_repository: str,
    tmp_path: Path,
    kubeconfig: Path,
) -> None:
    push_chart(registry, registry_repository, "1.0.0", tmp_path)
    await start_controllers("source", "helm", controller_options=OPTIONS)
    chart = {"kind": "OCIRepository", "metadata": {"labels": {"team": "web"}},
             "spec": {"url": registry.oci_url(f"{registry_repository}/web"), "ref": {"tag": "1.0.0"},
                      "insecure": True, "interval": "1h"}}  # fmt: skip
    hr = {"apiVersion": HELM, "kind": "HelmRelease", "metadata": {"name": "web", "namespace": namespace},
          "spec": {"interval": "10m", "chart": chart, "install": {"disableWait": True}}}  # fmt: skip
    await kube.create(hr)

    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"), timeout=90)
    assert installed["status"]["helmChart"] == f"OCIRepository/{namespace}/{namespace}-web"
    assert installed["status"]["lastAttemptedRevision"].startswith("1.0.0+")  # the OCI digest is tracked
    ref = ObjectRef(SOURCE, "OCIRepository", f"{namespace}-web", namespace)
    made = await kube.get(ref)
    assert made["metadata"]["labels"] == {
        "team": "web", "helm.toolkit.fluxcd.io/name": "web", "helm.toolkit.fluxcd.io/namespace": namespace
    }  # fmt: skip
    assert made["spec"]["layerSelector"] == {"mediaType": HELM_CHART_LAYER, "operation": "copy"}
    assert made["spec"]["ref"] == {"tag": "1.0.0"}
    assert made["spec"]["interval"] == "1h0m0s"
    history = helm_cli(kubeconfig, namespace, "history", "web", "-o", "json")
    assert [entry["chart"] for entry in json.loads(history)] == [f"web-{installed['status']['lastAttemptedRevision']}"]

    push_chart(registry, registry_repository, "1.1.0", tmp_path)
    await kube.patch(ObjectRef(HELM, "HelmRelease", "web", namespace),
                     {"spec": {"chart": {"spec": {"ref": {"tag": "1.1.0"}}}}})  # fmt: skip
    upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"), timeout=90)
    assert upgraded["status"]["lastAttemptedRevision"].startswith("1.1.0+")

    await kube.delete(ObjectRef(HELM, "HelmRelease", "web", namespace))
    assert await wait_for(kube, ref, lambda o: o is None, timeout=60, what="deleted") is None
