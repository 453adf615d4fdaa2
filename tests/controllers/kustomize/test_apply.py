"""Kustomizations applied by reflow's controllers: first apply, no-op, change, prune, deletion, CRDs, failures."""

from __future__ import annotations

import secrets

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_deleted
from tests.audit import audited
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import KUSTOMIZE, MakeSource, failing, ready_for
from tests.managers import StartControllers


def config_map(name: str, namespace: str, **data: str) -> str:
    lines = "".join(f'  {key}: "{value}"\n' for key, value in data.items())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n{lines}"


def deployment(name: str, namespace: str, replicas: int = 1, node_selector: str = "") -> str:
    selector = f"      nodeSelector:\n        {node_selector}\n" if node_selector else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: {replicas}
  progressDeadlineSeconds: 600
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
{selector}      containers:
        - name: web
          image: registry.local/{name}:1.0
"""


async def test_first_apply_noop_change_prune_and_deletion(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = {
        "deploy/config.yaml": config_map("settings", namespace, color="blue"),
        "deploy/web.yaml": deployment("web", namespace),
    }
    source, first = await git_source(files)
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("app", path="./deploy", wait=True))

    applied = await source.until("app", ready_for(first))
    assert condition(applied, "Healthy")["status"] == "True"  # type: ignore[index]
    assert applied["status"]["lastAppliedRevision"] == first
    ids = sorted(entry["id"] for entry in applied["status"]["inventory"]["entries"])
    assert ids == [f"{namespace}_settings__ConfigMap", f"{namespace}_web_apps_Deployment"]
    settings = await kube.get(ObjectRef("v1", "ConfigMap", "settings", namespace))
    assert settings["metadata"]["labels"] == {
        "kustomize.toolkit.fluxcd.io/name": "app", "kustomize.toolkit.fluxcd.io/namespace": namespace,
    }  # fmt: skip
    recorded = await events_until(
        kube, namespace, lambda items: any(e["reason"] == "ReconciliationSucceeded" for e in items)
    )
    events = [e for e in recorded if e["involvedObject"]["name"] == "app"]
    created = [
        e["message"]
        for e in events
        if e["reason"] == "ReconciliationSucceeded" and not e["message"].startswith("Reconciliation finished")
    ]
    assert created == [f"ConfigMap/{namespace}/settings created\nDeployment/{namespace}/web created"]

    versions = {
        name: (await kube.get(ObjectRef(api, kind, name, namespace)))["metadata"]["resourceVersion"]
        for api, kind, name in (("v1", "ConfigMap", "settings"), ("apps/v1", "Deployment", "web"))
    }
    ks_ref = ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace)
    await kube.patch(ks_ref, {"metadata": {"annotations": {REQUESTED_AT: "again"}}})
    again = await source.until("app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "again")
    assert again["status"]["conditions"] == applied["status"]["conditions"]
    for api, kind, name in (("v1", "ConfigMap", "settings"), ("apps/v1", "Deployment", "web")):
        live = await kube.get(ObjectRef(api, kind, name, namespace))
        assert live["metadata"]["resourceVersion"] == versions[name], f"{kind}/{name} was written on a no-op"

    second = source.commit({"deploy/config.yaml": config_map("settings", namespace, color="green"),
                            "deploy/web.yaml": None}, "recolor, drop web")  # fmt: skip
    await source.refresh("push-1")
    changed = await source.until("app", ready_for(second))
    assert [e["id"] for e in changed["status"]["inventory"]["entries"]] == [f"{namespace}_settings__ConfigMap"]
    assert (await kube.get(ObjectRef("v1", "ConfigMap", "settings", namespace)))["data"] == {"color": "green"}
    await wait_deleted(kube, ObjectRef("apps/v1", "Deployment", "web", namespace), timeout=60)
    change = f"ConfigMap/{namespace}/settings configured\nDeployment/{namespace}/web deleted"
    await events_until(kube, namespace, lambda items: any(e["message"] == change for e in items))

    await kube.delete(ks_ref)
    await wait_deleted(kube, ks_ref, timeout=60)
    with pytest.raises(NotFound):
        await kube.get(ObjectRef("v1", "ConfigMap", "settings", namespace))


async def test_a_reconcile_requested_right_after_the_first_apply_reads_none_of_the_applied_objects(
    kube: Kube,
    counted: tuple[Kube, str],
    plane: LocalPlane,
    namespace: str,
    start_controllers: StartControllers,
    git_source: MakeSource,
) -> None:
    # What the first reconcile's applies returned, kept by the controller, proves the second one a no-op.
    files = {f"deploy/config-{i}.yaml": config_map(f"config-{i}", namespace, index=str(i)) for i in range(10)}
    source, first = await git_source(files)
    client, agent = counted
    await start_controllers("source", "kustomize", client=client)
    await kube.create(source.kustomization("app", path="./deploy"))
    await source.until("app", ready_for(first))

    mark = len(audited(plane, agent, namespace))
    await kube.patch(ObjectRef(KUSTOMIZE, "Kustomization", "app", namespace),
                     {"metadata": {"annotations": {REQUESTED_AT: "again"}}})  # fmt: skip
    await source.until("app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "again")
    calls = [c for c in audited(plane, agent, namespace)[mark:] if c["objectRef"]["resource"] == "configmaps"]
    assert len(calls) == len(files)
    assert all(c["verb"] == "patch" and "dryRun=All" in c["requestURI"] for c in calls)


async def test_a_crd_and_its_custom_resources_apply_in_one_revision(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    group = f"g{secrets.token_hex(3)}.reflow.test"
    crd = f"""apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.{group}
spec:
  group: {group}
  names: {{kind: Gadget, plural: gadgets, singular: gadget, listKind: GadgetList}}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
"""
    gadget = (
        f"apiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: one\n  namespace: {namespace}\nspec:\n  size: 3\n"
    )
    source, first = await git_source({"crd.yaml": crd, "gadget.yaml": gadget})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("gadgets"))
    await source.until("gadgets", ready_for(first))
    stored = await kube.get(ObjectRef(f"{group}/v1", "Gadget", "one", namespace))
    assert stored["spec"] == {"size": 3}
    await kube.delete(ObjectRef(KUSTOMIZE, "Kustomization", "gadgets", namespace))
    await wait_deleted(
        kube, ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"gadgets.{group}"), timeout=60
    )


async def test_an_invalid_manifest_is_reported_and_nothing_of_the_revision_is_applied(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    broken = (
        f"apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\n  namespace: {namespace}\n"
        "spec:\n  ports:\n    - port: 99999\n"
    )
    source, _ = await git_source({"ok.yaml": config_map("fine", namespace, a="1"), "broken.yaml": broken})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("bad"))
    failed = await source.until("bad", failing("ReconciliationFailed"))
    message = condition(failed, "Ready")["message"]  # type: ignore[index]
    assert f"Service/{namespace}/broken" in message
    assert "99999" in message or "port" in message
    with pytest.raises(NotFound):
        await kube.get(ObjectRef("v1", "ConfigMap", "fine", namespace))


async def test_an_immutable_field_change_fails_without_force_and_recreates_with_it(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    def frozen(value: str) -> str:
        return config_map("frozen", namespace, value=value) + "immutable: true\n"

    source, first = await git_source({"frozen.yaml": frozen("a")})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("frozen"))
    await source.until("frozen", ready_for(first))
    original = await kube.get(ObjectRef("v1", "ConfigMap", "frozen", namespace))

    second = source.commit({"frozen.yaml": frozen("b")}, "change an immutable field")
    await source.refresh("immutable")
    failed = await source.until("frozen", failing("ReconciliationFailed"))
    assert "immutable" in condition(failed, "Ready")["message"]  # type: ignore[index]

    await kube.patch(ObjectRef(KUSTOMIZE, "Kustomization", "frozen", namespace), {"spec": {"force": True}})
    await source.until("frozen", ready_for(second))
    recreated = await kube.get(ObjectRef("v1", "ConfigMap", "frozen", namespace))
    assert recreated["data"] == {"value": "b"}
    assert recreated["metadata"]["uid"] != original["metadata"]["uid"]


async def test_wait_for_termination_holds_the_kustomization_until_its_objects_are_gone(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    held = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  namespace: {namespace}\n"
        '  finalizers: [reflow.test/hold]\ndata:\n  a: "1"\n'
    )
    source, first = await git_source({"held.yaml": held})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("holder", deletionPolicy="WaitForTermination", timeout="5s"))
    await source.until("holder", ready_for(first))
    ks_ref = ObjectRef(KUSTOMIZE, "Kustomization", "holder", namespace)
    await kube.delete(ks_ref)
    blocked = await source.until("holder", lambda o: "still terminating" in str((o or {}).get("status")))
    assert blocked["metadata"].get("deletionTimestamp")
    cm_ref = ObjectRef("v1", "ConfigMap", "held", namespace)
    await kube.patch(cm_ref, {"metadata": {"finalizers": None}})
    await wait_deleted(kube, ks_ref, timeout=60)
    with pytest.raises(NotFound):
        await kube.get(cm_ref)
