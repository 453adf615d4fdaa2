"""A Kustomization's history, its "Reconciliation finished" event, the cost of a no-op run, and `spec.ignore`."""

from __future__ import annotations

import asyncio
import re

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import JSON_PATCH, Kube
from tests.audit import audited
from tests.controllers.events import events_until
from tests.controllers.kustomize.sources import KUSTOMIZE, GitSource, MakeSource, ready_for
from tests.managers import StartControllers

COMMIT_STATUS = "kustomize.toolkit.fluxcd.io/commit_status"
REVISION = "kustomize.toolkit.fluxcd.io/revision"
FINISHED = re.compile(r"Reconciliation finished in [0-9.]+(ns|µs|ms|s), next run in 1h0m0s")


def config_map(name: str, namespace: str, **data: str) -> str:
    lines = "".join(f'  {key}: "{value}"\n' for key, value in data.items())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n{lines}"


def finished_events(events: list[Manifest], revision: str) -> list[Manifest]:
    return [
        e
        for e in events
        if e["involvedObject"]["name"] == "app" and FINISHED.fullmatch(e["message"])
        and (e["metadata"].get("annotations") or {}).get(REVISION) == revision
    ]  # fmt: skip


async def handled(source: GitSource, token: str) -> Manifest:
    """Ask for a run with a new requestedAt token and return the Kustomization once it has handled it."""
    ref = ObjectRef(KUSTOMIZE, "Kustomization", "app", source.namespace)
    await source.kube.patch(ref, {"metadata": {"annotations": {REQUESTED_AT: token}}})
    return await source.until("app", lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == token)


async def test_history_records_revisions_and_a_no_op_run_counts_again_and_emits_the_finished_event(
    kube: Kube, namespace: str, plane: LocalPlane, counted: tuple[Kube, str], start_controllers: StartControllers,
    git_source: MakeSource,
) -> None:  # fmt: skip
    client, agent = counted
    files = {"deploy/a.yaml": config_map("a", namespace, color="blue"), "deploy/b.yaml": config_map("b", namespace)}
    source, first = await git_source(files)
    await start_controllers("source", "kustomize", client=client)
    await kube.create(source.kustomization("app", path="./deploy"))

    applied = await source.until("app", ready_for(first))
    [only] = applied["status"]["history"]
    assert only["digest"].startswith("sha256:")
    assert (only["lastReconciledStatus"], only["totalReconciliations"]) == ("ReconciliationSucceeded", 1)
    assert only["metadata"] == {"revision": first}
    assert only["firstReconciled"] == only["lastReconciled"]
    events = await events_until(kube, namespace, lambda items: bool(finished_events(items, first)))
    [done] = finished_events(events, first)
    assert done["reason"] == "ReconciliationSucceeded"
    assert done["metadata"]["annotations"][COMMIT_STATUS] == "update"
    changes = [e for e in events if e["message"] == f"ConfigMap/{namespace}/a created\nConfigMap/{namespace}/b created"]
    assert len(changes) == 1
    assert COMMIT_STATUS not in (changes[0]["metadata"].get("annotations") or {})

    second = source.commit({"deploy/a.yaml": config_map("a", namespace, color="green")}, "recolor")
    await source.refresh("push-1")
    changed = await source.until("app", ready_for(second))
    newest, oldest = changed["status"]["history"]
    assert newest["metadata"] == {"revision": second}
    assert newest["totalReconciliations"] == 1
    assert newest["digest"] != oldest["digest"]
    assert oldest == only

    # The apply engine proves a no-op from the managedFields stamp once the last write is a few seconds old.
    await asyncio.sleep(3.1)
    mark = len(audited(plane, agent, namespace))
    again = await handled(source, "no-op")
    newest_again = again["status"]["history"][0]
    assert len(again["status"]["history"]) == 2
    assert newest_again["totalReconciliations"] == 2
    assert newest_again["firstReconciled"] == newest["firstReconciled"]
    assert again["status"]["conditions"] == changed["status"]["conditions"]
    await events_until(kube, namespace, lambda items: len(finished_events(items, second)) == 2)

    calls = [c for c in audited(plane, agent, namespace)[mark:] if c["verb"] not in ("watch", "list")]
    kinds = sorted((c["verb"], c["objectRef"]["resource"], c["objectRef"].get("subresource", "")) for c in calls)
    assert kinds == [
        ("create", "events", ""),
        ("patch", "configmaps", ""),
        ("patch", "configmaps", ""),
        ("patch", "kustomizations", "status"),
    ], calls
    assert all("dryRun=All" in c["requestURI"] for c in calls if c["objectRef"]["resource"] == "configmaps")


async def test_spec_ignore_keeps_a_field_another_manager_owns_while_the_rest_is_corrected(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, first = await git_source({"deploy/a.yaml": config_map("a", namespace, color="blue", size="small")})
    await start_controllers("source", "kustomize")
    ignore = [{"paths": ["/data/color"], "target": {"kind": "ConfigMap", "name": "a"}}]
    await kube.create(source.kustomization("app", path="./deploy", ignore=ignore))
    await source.until("app", ready_for(first))

    ref = ObjectRef("v1", "ConfigMap", "a", namespace)
    painter = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": namespace},
               "data": {"color": "red"}}  # fmt: skip
    await kube.apply(painter, field_manager="painter", force=True)
    await kube.patch(ref, [{"op": "replace", "path": "/data/size", "value": "huge"}], content_type=JSON_PATCH,
                     field_manager="editor")  # fmt: skip

    for token in ("first-run", "second-run"):
        await handled(source, token)
        assert (await kube.get(ref))["data"] == {"color": "red", "size": "small"}, token
