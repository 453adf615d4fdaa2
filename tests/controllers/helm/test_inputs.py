"""Bad input to a HelmRelease: missing values, a template error, a release another HelmRelease owns, a dependency."""

from __future__ import annotations

from pathlib import Path

from reflow.api.annotations import FORCE_AT, REQUESTED_AT, RESET_AT
from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import HELM, ChartArtifacts, Notifications, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


def message(obj: object, kind: str = "Ready") -> str:
    found = condition(obj, kind)  # type: ignore[arg-type]
    assert found is not None
    return str(found["message"])


async def test_missing_values_wait_and_a_template_error_shows_helms_words(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    spec = {"interval": "1s", "valuesFrom": [{"kind": "Secret", "name": "creds", "valuesKey": "extra.yaml"}]}
    await kube.create(helm_release(namespace, "web", **spec))
    missing = await until(kube, namespace, "web", ready_with("ValuesError", "False"))
    assert message(missing) == (f"could not resolve Secret chart values reference '{namespace}/creds' with key "
                                "'extra.yaml': resource not found")  # fmt: skip
    assert helm_cli(kubeconfig, namespace, "list", "-q").strip() == ""

    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds", "namespace": namespace},
              "stringData": {"extra.yaml": "greeting: null\n"}}  # fmt: skip
    await kube.create(secret)
    failed = await until(kube, namespace, "web", ready_with("InstallFailed", "False"))
    assert "greeting is required" in message(failed)
    assert message(failed, "Stalled") == "Failed to install after 1 attempt(s)"
    assert "creds" not in str(failed["status"].get("history"))


async def test_a_release_owned_by_another_helmrelease_is_left_alone(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "first", releaseName="shared", values={"greeting": "first"}))
    await until(kube, namespace, "first", ready_with("InstallSucceeded"))
    await kube.create(helm_release(namespace, "second", releaseName="shared", values={"greeting": "second"}))
    refused = await until(kube, namespace, "second", ready_with("InvalidSpec", "False"))
    assert message(refused) == (f"Helm release {namespace}/shared belongs to HelmRelease '{namespace}/first'; "
                                "give this HelmRelease another releaseName")  # fmt: skip
    live = await kube.get(ObjectRef("v1", "ConfigMap", "shared-config", namespace))
    assert live["data"] == {"greeting": "first"}


async def test_dependencies_wait_for_ready_helmreleases(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, requeue_dependency=3600)
    await kube.create(helm_release(namespace, "frontend", dependsOn=[{"name": "backend"}]))
    waiting = await until(kube, namespace, "frontend", ready_with("DependencyNotReady", "False"))
    assert message(waiting) == f"dependency not ready: dependency '{namespace}/backend' not found"
    await kube.create(helm_release(namespace, "backend"))
    await until(kube, namespace, "frontend", ready_with("InstallSucceeded"))


async def test_force_upgrades_once_and_reset_clears_the_counters(
    kube: Kube,
    namespace: str,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    notifications: Notifications,
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, events_addr=notifications.url)
    await kube.create(helm_release(namespace, "web"))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    annotations = {REQUESTED_AT: "one", FORCE_AT: "one"}
    await kube.patch(ref, {"metadata": {"annotations": annotations}})
    forced = await until(
        kube, namespace, "web", lambda o: (o or {}).get("status", {}).get("lastHandledForceAt") == "one"
    )
    assert [s["version"] for s in forced["status"]["history"]] == [2, 1]
    assert condition(forced, "Ready")["reason"] == "UpgradeSucceeded"  # type: ignore[index]

    await kube.patch(ref, {"spec": {"values": {"greeting": ""}}, "metadata": {"annotations": {FORCE_AT: None}}})
    stalled = await until(kube, namespace, "web", lambda o: condition(o, "Stalled") is not None)
    assert stalled["status"]["upgradeFailures"] == 1
    await kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: "two", RESET_AT: "two"}}})
    retried = await until(
        kube, namespace, "web", lambda o: (o or {}).get("status", {}).get("lastHandledResetAt") == "two"
    )
    assert retried["status"]["upgradeFailures"] == 1
    await notifications.until(lambda body: body["reason"] == "UpgradeFailed" and body["message"] != "")
    upgrades = [body["reason"] for body in notifications.bodies if body.get("action") == "HelmUpgrade"]
    assert upgrades.count("UpgradeFailed") == 2


async def test_a_suspended_helmrelease_is_not_released(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "paused", suspend=True))
    await kube.create(helm_release(namespace, "running"))
    await until(kube, namespace, "running", ready_with("InstallSucceeded"))
    assert helm_cli(kubeconfig, namespace, "list", "-q").split() == ["running"]
    await kube.patch(ObjectRef(HELM, "HelmRelease", "paused", namespace), {"spec": {"suspend": False}})
    await until(kube, namespace, "paused", ready_with("InstallSucceeded"))
