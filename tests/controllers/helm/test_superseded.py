"""A new chart revision cancels a running upgrade's wait (`CancelHealthCheckOnNewRevision`), and the new chart is
released at once instead of after the wait's timeout."""

from __future__ import annotations

import json
import time
from pathlib import Path

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.controllers.helm.charts import HELM, ChartArtifacts, helm_cli, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_a_new_chart_revision_cancels_the_running_wait_and_is_released(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", timeout="5m"))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))

    ref = ObjectRef(HELM, "HelmRelease", "web", namespace)
    await kube.patch(ref, {"spec": {"values": {"unschedulable": True}}})  # the upgrade waits for 5 minutes

    def upgrading(obj: dict[str, object] | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and "Running 'upgrade' action" in found["message"]

    await wait_for(kube, ref, upgrading, timeout=60, what="upgrading")
    waiting = ObjectRef("v1", "Secret", "sh.helm.release.v1.web.v2", namespace)  # helm stored it: it now waits
    await wait_for(kube, waiting, lambda o: o is not None, timeout=60, what="stored")
    await kube.patch(ref, {"spec": {"values": {"unschedulable": False}}})
    started = time.monotonic()
    await charts.publish("app", "0.2.0", greeting="newer")

    done = await until(kube, namespace, "web", lambda o: ready_with("UpgradeSucceeded")(o) and (o or {}).get(
        "status", {}).get("lastAttemptedRevision") == "0.2.0", timeout=120)  # fmt: skip
    assert time.monotonic() - started < 120  # not the 5 minutes of the superseded wait
    events = await kube.list_all("v1", "Event", namespace)
    canceled = [e for e in events if e.get("reason") == "HealthCheckCanceled"]
    assert canceled, [e.get("reason") for e in events]
    assert "a new revision of the chart appeared" in canceled[0]["message"]
    history = json.loads(helm_cli(kubeconfig, namespace, "history", "web", "-o", "json"))
    assert history[-1]["status"] == "deployed"
    assert history[-1]["chart"] == "app-0.2.0"
    assert "failed" in [entry["status"] for entry in history]  # the canceled upgrade, as helm recorded it
    assert done["status"].get("upgradeFailures", 0) == 0  # a superseded attempt is no failure
