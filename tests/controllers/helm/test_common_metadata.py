"""commonMetadata, postRenderStrategy and healthCheckExprs of a HelmRelease, against the real plane and helm."""

from __future__ import annotations

from pathlib import Path

import yaml

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}
ORIGIN = "helm.toolkit.fluxcd.io/name"


def hook_labels(kubeconfig: Path, namespace: str, release: str) -> dict[str, str]:
    """The labels of the chart's test hook as Helm stored it in the release."""
    [hook] = [doc for doc in yaml.safe_load_all(helm_cli(kubeconfig, namespace, "get", "hooks", release)) if doc]
    return dict(hook["metadata"].get("labels") or {})


async def test_common_metadata_reaches_every_object_and_a_change_upgrades(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    common = {"labels": {"team": "platform"}, "annotations": {"owner": "ops"}}
    await kube.create(helm_release(namespace, "web", commonMetadata=common))
    installed = await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    digest = installed["status"]["observedCommonMetadataDigest"]
    assert digest.startswith("sha256:")
    for kind, api, name in (("ConfigMap", "v1", "web-config"), ("Deployment", "apps/v1", "web-app")):
        live = await kube.get(ObjectRef(api, kind, name, namespace))
        assert live["metadata"]["labels"]["team"] == "platform"
        assert live["metadata"]["labels"][ORIGIN] == "web"
        assert live["metadata"]["annotations"]["owner"] == "ops"
    # Helm 4's default (`combined`): the hook goes through the same post-render steps.
    assert hook_labels(kubeconfig, namespace, "web")["team"] == "platform"

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(ref, {"spec": {"commonMetadata": {"labels": {"team": "apps"}, "annotations": None}}})
    upgraded = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
    assert upgraded["status"]["observedCommonMetadataDigest"] not in (None, digest)
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["metadata"]["labels"]["team"] == "apps"
    assert "owner: ops" not in helm_cli(kubeconfig, namespace, "get", "manifest", "web")


async def test_nohooks_keeps_hooks_out_of_post_rendering(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    spec = {"postRenderStrategy": "nohooks", "commonMetadata": {"labels": {"team": "platform"}}}
    await kube.create(helm_release(namespace, "web", **spec))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["metadata"]["labels"]["team"] == "platform"
    labels = hook_labels(kubeconfig, namespace, "web")
    assert "team" not in labels
    assert ORIGIN not in labels


CONFIG_MAP_EXPRS = [{
    "apiVersion": "v1", "kind": "ConfigMap",
    "current": "data.greeting == 'ready'",
    "failed": "data.greeting == 'broken'",
}]  # fmt: skip


async def test_health_check_exprs_fail_a_release_their_resources_fail_and_pass_one_they_pass(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    spec = {"healthCheckExprs": CONFIG_MAP_EXPRS, "values": {"greeting": "broken"}, "timeout": "2m"}
    await kube.create(helm_release(namespace, "web", **spec))
    failed = await until(kube, namespace, "web", ready_with("InstallFailed", "False"))
    message = condition(failed, "Ready")["message"]  # type: ignore[index]
    assert "failed its health check expressions" in message
    assert f"ConfigMap/{namespace}/web-config status: 'Failed'" in message
    assert '"status":"failed"' in helm_cli(kubeconfig, namespace, "history", "web", "-o", "json").replace(" ", "")

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(ref, {"spec": {"values": {"greeting": "ready"}}})
    fixed = await until(kube, namespace, "web", lambda o: (condition(o, "Released") or {}).get("status") == "True")
    assert condition(fixed, "Released")["reason"] in ("InstallSucceeded", "UpgradeSucceeded")  # type: ignore[index]


async def test_an_invalid_health_check_expression_stalls_the_release(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    exprs = [{"apiVersion": "v1", "kind": "ConfigMap", "current": "data.greeting =="}]
    await kube.create(helm_release(namespace, "web", healthCheckExprs=exprs))
    stalled = await until(kube, namespace, "web", ready_with("InvalidCELExpression", "False"))
    assert condition(stalled, "Stalled")["status"] == "True"  # type: ignore[index]
    assert "healthCheckExprs" in condition(stalled, "Ready")["message"]  # type: ignore[index]
