"""Charts from an OCIRepository: the artifact digest is tracked in the chart version, so new content upgrades."""

from __future__ import annotations

from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import ChartArtifacts, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_new_content_under_the_same_chart_version_upgrades(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    first = await charts.publish("app", "0.1.0", kind="OCIRepository")
    digest = first.revision.rpartition("@")[2]
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", chartRef={"kind": "OCIRepository", "name": "app"}))
    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    version = f"0.1.0+{digest.partition(':')[2][:12]}"
    assert installed["status"]["lastAttemptedRevision"] == version
    [snapshot] = installed["status"]["history"]
    assert (snapshot["chartVersion"], snapshot["ociDigest"]) == (version, digest)

    second = await charts.publish("app", "0.1.0", kind="OCIRepository", greeting="updated")
    upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
    assert upgraded["status"]["history"][0]["ociDigest"] == second.revision.rpartition("@")[2]
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["data"] == {"greeting": "updated"}
