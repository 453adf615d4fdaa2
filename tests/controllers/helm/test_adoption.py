"""Releases reflow did not make: one `helm install` made is adopted, one a killed helm left pending is unlocked
and released again."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.helm.charts import HELM, ChartArtifacts, Notifications, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_a_release_helm_installed_is_adopted_and_upgraded(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    helm_cli(kubeconfig, namespace, "install", "web", str(charts.packages["0.1.0"]), "--set", "greeting=cli")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", values={"greeting": "reflow"}))

    adopted = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
    assert [s["version"] for s in adopted["status"]["history"]] == [2]
    history = json.loads(helm_cli(kubeconfig, namespace, "history", "web", "-o", "json"))
    assert [(entry["revision"], entry["status"]) for entry in history] == [(1, "superseded"), (2, "deployed")]
    live = await kube.get(ObjectRef("v1", "ConfigMap", "web-config", namespace))
    assert live["data"] == {"greeting": "reflow"}


async def test_a_release_left_pending_by_a_killed_helm_is_unlocked_and_released_again(
    kube: Kube,
    namespace: str,
    kubeconfig: Path,
    start_controllers: StartControllers,
    charts: ChartArtifacts,
    notifications: Notifications,
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS, events_addr=notifications.url)
    await kube.create(helm_release(namespace, "web"))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))

    # A helm upgrade that waits for a Deployment that never schedules, killed mid-wait as a crashing controller is.
    upgrade = await asyncio.create_subprocess_exec(
        str(binary("helm")), "upgrade", "web", str(charts.packages["0.1.0"]), "--set", "unschedulable=true",
        "--wait", "--timeout", "5m", "--namespace", namespace, "--kubeconfig", str(kubeconfig),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env={**os.environ},
    )  # fmt: skip
    pending = ObjectRef("v1", "Secret", "sh.helm.release.v1.web.v2", namespace)
    await wait_for(kube, pending, lambda s: (s or {}).get("metadata", {}).get("labels", {}).get("status")
                   == "pending-upgrade", timeout=30, what="pending")  # fmt: skip
    upgrade.send_signal(signal.SIGKILL)
    await upgrade.wait()
    assert "pending-upgrade" in helm_cli(kubeconfig, namespace, "history", "web")

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: "unlock"}}})
    # Unlocking counts no failure, so the failure's conditions are taken to have changed: Flux upgrades again.
    recovered = await until(kube, namespace, "web", ready_with("UpgradeSucceeded"))
    assert condition(recovered, "Remediated") is None
    assert recovered["status"].get("upgradeFailures", 0) == 0
    history = json.loads(helm_cli(kubeconfig, namespace, "history", "web", "-o", "json"))
    assert [(entry["revision"], entry["status"]) for entry in history] == [
        (1, "superseded"), (2, "failed"), (3, "deployed")
    ]  # fmt: skip
    assert history[1]["description"] == "Release unlocked from stale 'pending-upgrade' state"
    unlocked = await notifications.until(lambda body: body["reason"] == "PendingRelease")
    assert unlocked["action"] == "Unlock"
    assert unlocked["severity"] == "info"
    assert unlocked["message"].startswith(f"Unlocked Helm release {namespace}/web.v2 with chart ")
    assert unlocked["message"].endswith(" in pending-upgrade state")
    upgraded = await notifications.until(lambda body: body["reason"] == "UpgradeSucceeded")
    assert upgraded["action"] == "HelmUpgrade"
