"""HelmRelease failures against the real plane: failed tests roll back, wait timeouts remediate, retries run out."""

from __future__ import annotations

import json
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


def stalled(obj: Manifest | None) -> bool:
    found = condition(obj, "Stalled")
    return found is not None and found["status"] == "True"


async def events_of(kube: Kube, namespace: str, name: str) -> list[str]:
    events = await kube.list_all("v1", "Event", namespace)
    ordered = sorted((e for e in events if e["involvedObject"]["name"] == name), key=lambda e: e["metadata"]["name"])
    return [e["reason"] for e in ordered]


async def test_a_failing_test_rolls_the_upgrade_back(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    spec = {"test": {"enable": True}, "upgrade": {"remediation": {"retries": 1}}}
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", **spec))
    tested = await until(kube, namespace, "web", ready_with("TestSucceeded"))
    assert condition(tested, "Released")["reason"] == "InstallSucceeded"  # type: ignore[index]
    [snapshot] = tested["status"]["history"]
    assert snapshot["testHooks"]["web-check"]["phase"] == "Succeeded"

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(ref, {"spec": {"values": {"failTest": True}}})
    failed = await until(kube, namespace, "web", ready_with("TestFailed", "False"))
    status = failed["status"]
    remediated = condition(failed, "Remediated")
    assert remediated is not None
    assert remediated["reason"] == "RollbackSucceeded"
    assert remediated["message"].startswith(
        f"Helm rollback to previous release {namespace}/web.v1 with chart app@0.1.0"
    )
    test_success = condition(failed, "TestSuccess")
    assert test_success is not None
    assert "Not_A_Valid_Name" in test_success["message"]
    assert status["upgradeFailures"] == 1
    assert [(s["version"], s["status"]) for s in status["history"]][:2] == [(3, "deployed"), (2, "superseded")]
    history = json.loads(helm_cli(kubeconfig, namespace, "history", "web", "-o", "json"))
    assert [(entry["revision"], entry["status"]) for entry in history][-1] == (3, "deployed")
    assert history[-1]["description"] == "Rollback to 1"
    reasons = await events_of(kube, namespace, "web")
    assert {"UpgradeSucceeded", "TestFailed", "RollbackSucceeded"} <= set(reasons)


async def test_a_wait_timeout_fails_the_install_and_remediates_until_retries_run_out(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    spec = {"interval": "1s", "timeout": "3s", "values": {"unschedulable": True},
            "install": {"remediation": {"retries": 2}}}  # fmt: skip
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", **spec))

    done = await until(kube, namespace, "web", stalled, timeout=120)
    status = done["status"]
    assert status["installFailures"] == 3
    assert status["failures"] == 3
    found = condition(done, "Stalled")
    assert found is not None
    assert (found["reason"], found["message"]) == ("RetriesExceeded", "Failed to install after 3 attempt(s)")
    ready = condition(done, "Ready")
    assert ready is not None
    assert ready["reason"] == "InstallFailed"
    assert ready["message"].startswith(f"Helm install failed for release {namespace}/web with chart app@0.1.0: ")
    reasons = await events_of(kube, namespace, "web")
    assert reasons.count("InstallFailed") >= 3
    # The last failure is not remediated by default (remediateLastFailure: false): the failed release stays.
    assert reasons.count("UninstallSucceeded") == 2
    assert helm_cli(kubeconfig, namespace, "list", "--failed", "-q").split() == ["web"]
