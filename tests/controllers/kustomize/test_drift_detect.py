"""Detect-only drift (`reflow.dev/drift-mode: detect`): drift is reported, not reverted, until the mode is dropped."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from reflow.api.annotations import DRIFT_MODE, REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.main import cli
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import KUSTOMIZE, GitSource, MakeSource, ready_for
from tests.managers import StartControllers
from tests.metrics import metrics_until

EDITOR = "someone-by-hand"


def manifests(namespace: str) -> dict[str, str]:
    deployment = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: {namespace}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: registry.invalid/web:1.0.0
"""
    config = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: {namespace}\ndata:\n  a: b\n"
    return {"deploy/web.yaml": deployment, "deploy/settings.yaml": config}


async def handled(source: GitSource, token: str, annotations: dict[str, str | None] | None = None) -> Manifest:
    """Ask for a run (optionally changing annotations in the same patch) and return the Kustomization after it."""
    ref = ObjectRef(KUSTOMIZE, "Kustomization", "app", source.namespace)
    await source.kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token, **(annotations or {})}}})
    return await source.until("app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == token)


async def test_detect_mode_reports_an_edit_and_a_deletion_without_reverting_and_the_default_mode_reverts(
    kube: Kube, kubeconfig: Path, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, revision = await git_source(manifests(namespace))
    manager = await start_controllers("source", "kustomize")
    ks = source.kustomization("app", path="./deploy")
    ks["metadata"]["annotations"] = {DRIFT_MODE: "detect"}
    await kube.create(ks)
    applied = await source.until("app", ready_for(revision))
    first = condition(applied, "Drifted")
    assert first is not None
    assert (first["status"], first["reason"]) == ("False", "NoDriftDetected")

    web = ObjectRef("apps/v1", "Deployment", "web", namespace)
    settings = ObjectRef("v1", "ConfigMap", "settings", namespace)
    await kube.patch(web, {"spec": {"replicas": 3}}, field_manager=EDITOR)
    await kube.delete(settings)

    checked = await handled(source, "check-1")
    drifted = condition(checked, "Drifted")
    assert drifted is not None
    assert (drifted["status"], drifted["reason"]) == ("True", "DriftDetected")
    assert f"Deployment/{namespace}/web (/spec/replicas)" in drifted["message"]
    assert f"ConfigMap/{namespace}/settings (deleted)" in drifted["message"]
    assert condition(checked, "Ready")["status"] == "True"  # type: ignore[index]
    assert (await kube.get(web))["spec"]["replicas"] == 3
    try:
        await kube.get(settings)
        raise AssertionError("the deleted ConfigMap was recreated in detect mode")
    except NotFound:
        pass
    events = await events_until(
        kube, namespace, lambda items: any(e["reason"] == "DriftDetected" for e in items), "a DriftDetected event"
    )
    [warning] = [e for e in events if e["reason"] == "DriftDetected"][:1]
    assert warning["type"] == "Warning"
    assert "/spec/replicas" in warning["message"]
    labels = f'kind="Kustomization",name="app",namespace="{namespace}"'
    await metrics_until(manager, f'gotk_reconcile_condition{{{labels},status="True",type="Drifted"}} 1.0')

    diff = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["diff", "kustomization", "app", "--cluster", "--no-progress-bar", "--kubeconfig", str(kubeconfig),
         "-n", namespace],
    )  # fmt: skip
    assert diff.exit_code == 1, diff.stderr
    assert f"► Deployment/{namespace}/web drifted" in diff.stdout
    assert f"► ConfigMap/{namespace}/settings created" in diff.stdout

    corrected = await handled(source, "correct-1", {DRIFT_MODE: None})
    assert condition(corrected, "Drifted") is None
    assert (await kube.get(web))["spec"]["replicas"] == 1
    assert (await kube.get(settings))["data"] == {"a": "b"}


async def test_in_detect_mode_a_new_commit_is_still_applied(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = manifests(namespace)
    source, first = await git_source(files)
    await start_controllers("source", "kustomize")
    ks = source.kustomization("app", path="./deploy")
    ks["metadata"]["annotations"] = {DRIFT_MODE: "detect"}
    await kube.create(ks)
    await source.until("app", ready_for(first))

    second = source.commit({"deploy/web.yaml": files["deploy/web.yaml"].replace("replicas: 1", "replicas: 2")}, "scale")
    await source.refresh("push-1")
    applied = await source.until("app", ready_for(second))

    assert (await kube.get(ObjectRef("apps/v1", "Deployment", "web", namespace)))["spec"]["replicas"] == 2
    state = condition(applied, "Drifted")
    assert state is not None
    assert (state["status"], state["reason"]) == ("False", "NoDriftDetected")


async def test_an_unknown_drift_mode_stalls_with_the_accepted_values(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source(manifests(namespace))
    await start_controllers("source", "kustomize")
    ks = source.kustomization("app", path="./deploy")
    ks["metadata"]["annotations"] = {DRIFT_MODE: "ignore"}
    await kube.create(ks)

    stalled = await source.until("app", lambda o: (condition(o, "Stalled") or {}).get("status") == "True")

    ready = condition(stalled, "Ready")
    assert ready is not None
    assert ready["reason"] == "InvalidSpec"
    assert "unknown drift mode 'ignore': use one of 'correct', 'detect'" in ready["message"]
    listed = await kube.list_whole("v1", "ConfigMap", namespace, label_selector="kustomize.toolkit.fluxcd.io/name=app")
    assert listed["items"] == []
