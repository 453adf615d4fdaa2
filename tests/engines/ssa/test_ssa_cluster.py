"""The apply engine against the real API server: create, no-op, configure, recreate, validate, take over, prune."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time

import pytest

from reflow.api import annotations as keys
from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.engines.ssa import (
    Action,
    ApplyError,
    ApplyOptions,
    PruneOptions,
    Recall,
    WaitCanceled,
    apply_staged,
    diff,
    mask_secrets_for_diff,
    owner_labels,
    prune,
    stale,
    wait_ready,
)
from reflow.engines.ssa.diff import MASK_AFTER, MASK_BEFORE
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.kube.wait import wait_for
from tests.audit import audited

OPTIONS = ApplyOptions(field_manager="reflow-ssa-tests")
OWNER = owner_labels("apps", "flux-system")


def labelled(obj: Manifest, **extra: str) -> Manifest:
    metadata = obj["metadata"]
    return {**obj, "metadata": {**metadata, "labels": {**OWNER, **metadata.get("labels", {}), **extra}}}


def config_map(namespace: str, name: str, data: dict[str, str], **metadata: dict[str, str]) -> Manifest:
    meta: Manifest = {"name": name, "namespace": namespace, **metadata}
    return labelled({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data})


def secret(namespace: str, name: str, data: dict[str, str]) -> Manifest:
    meta = {"name": name, "namespace": namespace}
    return labelled({"apiVersion": "v1", "kind": "Secret", "metadata": meta, "stringData": data})


def deployment(namespace: str, name: str, replicas: int) -> Manifest:
    labels = {"app": name}
    return labelled(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "web", "image": "registry.local/web:1.0"}]},
                },
            },
        }
    )


def service(namespace: str, name: str) -> Manifest:
    return labelled(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
    )


def app(namespace: str, replicas: int = 1) -> list[Manifest]:
    return [
        deployment(namespace, "web", replicas),
        service(namespace, "web"),
        config_map(namespace, "settings", {"mode": "fast"}),
        secret(namespace, "token", {"value": "s3cret"}),
    ]


def revision_annotated(obj: Manifest | None) -> bool:
    return "deployment.kubernetes.io/revision" in ((obj or {}).get("metadata", {}).get("annotations") or {})


async def versions(kube: Kube, objects: list[Manifest]) -> dict[str, str]:
    """resourceVersion of each object; the generation for Deployments, whose status the controllers update."""
    live = [await kube.get(ObjectRef.of(obj)) for obj in objects]
    return {
        str(ObjectRef.of(obj)): str(obj["metadata"].get("generation") or obj["metadata"]["resourceVersion"])
        for obj in live
    }


async def test_first_apply_creates_then_a_no_op_sends_only_dry_runs_then_a_change_configures(
    counted: tuple[Kube, str], plane: LocalPlane, namespace: str
) -> None:
    kube, agent = counted
    created = await apply_staged(kube, app(namespace), OPTIONS)
    assert {c.action for c in created} == {Action.CREATED}
    assert created.summary().splitlines()[0] == f"ConfigMap/{namespace}/settings created"
    # The deployment controller annotates a new Deployment's revision a moment later; let it settle first.
    await wait_for(kube, ObjectRef("apps/v1", "Deployment", "web", namespace), revision_annotated, timeout=60,
                   what="annotated by the deployment controller")  # fmt: skip
    before = await versions(kube, app(namespace))

    # Right after a write the managedFields stamp cannot prove a no-op: the engine reads the object.
    assert {c.action for c in await apply_staged(kube, app(namespace), OPTIONS)} == {Action.UNCHANGED}
    # Once the last write is a few seconds old, the dry-run answer alone proves it: one call per object.
    await asyncio.sleep(3.1)
    mark = len(audited(plane, agent, namespace))
    unchanged = await apply_staged(kube, app(namespace), OPTIONS)

    assert {c.action for c in unchanged} == {Action.UNCHANGED}
    assert unchanged.summary() == ""
    calls = audited(plane, agent, namespace)[mark:]
    assert len(calls) == len(app(namespace))
    assert all(c["verb"] == "patch" and "dryRun=All" in c["requestURI"] for c in calls)
    assert await versions(kube, app(namespace)) == before

    changed = await apply_staged(kube, app(namespace, replicas=2), OPTIONS)
    assert changed.actions()[f"Deployment/{namespace}/web"] is Action.CONFIGURED
    assert changed.summary() == f"Deployment/{namespace}/web configured"
    live = await kube.get(ObjectRef("apps/v1", "Deployment", "web", namespace))
    assert live["spec"]["replicas"] == 2


async def test_invalid_manifest_is_reported_with_the_reason_and_nothing_of_the_set_is_applied(
    kube: Kube, namespace: str
) -> None:
    broken = deployment(namespace, "broken", -1)
    objects = [config_map(namespace, "first", {"a": "1"}), broken, service(namespace, "web")]
    with pytest.raises(ApplyError) as failed:
        await apply_staged(kube, objects, OPTIONS)
    message = str(failed.value)
    assert message.startswith(f"Deployment/{namespace}/broken dry-run failed (Invalid): ")
    assert "spec.replicas" in message
    assert [e.ref for e in failed.value.errors] == [ObjectRef.of(broken)]
    assert len(failed.value.change_set) == 0
    for obj in objects:
        with pytest.raises(NotFound):
            await kube.get(ObjectRef.of(obj))


async def test_immutable_change_fails_without_force_and_recreates_with_it(kube: Kube, namespace: str) -> None:
    frozen = {**config_map(namespace, "frozen", {"a": "1"}), "immutable": True}
    await apply_staged(kube, [frozen], OPTIONS)
    first_uid = (await kube.get(ObjectRef.of(frozen)))["metadata"]["uid"]
    changed = {**frozen, "data": {"a": "2"}}

    with pytest.raises(ApplyError) as failed:
        await apply_staged(kube, [changed], OPTIONS)
    assert f"ConfigMap/{namespace}/frozen dry-run failed (Invalid)" in str(failed.value)
    assert "immutable" in str(failed.value)

    recreated = await apply_staged(kube, [changed], ApplyOptions(field_manager=OPTIONS.field_manager, force=True))
    assert recreated.actions() == {f"ConfigMap/{namespace}/frozen": Action.CREATED}
    live = await kube.get(ObjectRef.of(frozen))
    assert live["data"] == {"a": "2"}
    assert live["metadata"]["uid"] != first_uid


async def test_force_annotation_recreates_one_object(kube: Kube, namespace: str) -> None:
    annotations = {keys.FORCE: keys.ENABLED}
    frozen = {**config_map(namespace, "frozen", {"a": "1"}, annotations=annotations), "immutable": True}
    await apply_staged(kube, [frozen], OPTIONS)
    changed = await apply_staged(kube, [{**frozen, "data": {"a": "2"}}], OPTIONS)
    assert changed.actions() == {f"ConfigMap/{namespace}/frozen": Action.CREATED}


async def test_crd_and_its_custom_resources_apply_in_one_set(kube: Kube, namespace: str) -> None:
    group = f"t{secrets.token_hex(3)}.reflow.test"
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": {"type": "object", "properties": {"size": {"type": "integer"}}}},
                        }
                    },
                }
            ],
        },
    }
    widget = {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": namespace}}
    widget["spec"] = {"size": 3}
    try:
        applied = await apply_staged(kube, [widget, crd], OPTIONS)
        assert [str(c) for c in applied] == [
            f"CustomResourceDefinition/widgets.{group} created",
            f"Widget/{namespace}/w created",
        ]
        live = await kube.get(ObjectRef.of(widget))
        assert live["spec"] == {"size": 3}
        again = await apply_staged(kube, [widget, crd], OPTIONS)
        assert {c.action for c in again} == {Action.UNCHANGED}
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef.of(crd))


async def test_namespace_and_its_objects_apply_in_one_set(kube: Kube) -> None:
    name = f"t-ns-{secrets.token_hex(3)}"
    ns = labelled({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    try:
        applied = await apply_staged(kube, [config_map(name, "cm", {"a": "1"}), ns], OPTIONS)
        assert applied.actions() == {f"Namespace/{name}": Action.CREATED, f"ConfigMap/{name}/cm": Action.CREATED}
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef.of(ns))


async def test_fields_of_a_kubectl_client_side_apply_are_taken_over(kube: Kube, namespace: str) -> None:
    desired = config_map(namespace, "adopted", {"a": "1"})
    by_kubectl = {**desired, "data": {"a": "1", "extra": "x"}}
    by_kubectl["metadata"] = {
        **desired["metadata"],
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
    }
    resource = await kube.resource("v1", "ConfigMap")
    await kube.request(
        "POST",
        resource.collection_path(namespace),
        query={"fieldManager": "kubectl-client-side-apply"},
        body=by_kubectl,
    )

    applied = await apply_staged(kube, [desired], OPTIONS)

    assert applied.actions() == {f"ConfigMap/{namespace}/adopted": Action.CONFIGURED}
    live = await kube.get(ObjectRef.of(desired))
    assert live["data"] == {"a": "1"}
    assert "kubectl.kubernetes.io/last-applied-configuration" not in (live["metadata"].get("annotations") or {})
    assert [(m["manager"], m["operation"]) for m in live["metadata"]["managedFields"]] == [
        (OPTIONS.field_manager, "Apply")
    ]


async def test_ignored_and_if_not_present_objects_are_skipped(kube: Kube, namespace: str) -> None:
    kept = config_map(namespace, "kept", {"a": "1"}, annotations={keys.SSA: keys.SSA_IF_NOT_PRESENT})
    ignored = config_map(namespace, "ignored", {"a": "1"}, annotations={keys.SSA: keys.SSA_IGNORE})
    first = await apply_staged(kube, [kept, ignored], OPTIONS)
    assert first.actions() == {
        f"ConfigMap/{namespace}/ignored": Action.SKIPPED,
        f"ConfigMap/{namespace}/kept": Action.CREATED,
    }
    second = await apply_staged(kube, [{**kept, "data": {"a": "2"}}], OPTIONS)
    assert second.actions() == {f"ConfigMap/{namespace}/kept": Action.SKIPPED}
    assert (await kube.get(ObjectRef.of(kept)))["data"] == {"a": "1"}
    with pytest.raises(NotFound):
        await kube.get(ObjectRef.of(ignored))


async def test_prune_deletes_what_left_the_set_unless_foreign_or_protected(kube: Kube, namespace: str) -> None:
    keep = config_map(namespace, "keep", {"a": "1"})
    gone = config_map(namespace, "gone", {"a": "1"})
    protected = config_map(namespace, "protected", {"a": "1"}, annotations={keys.PRUNE: keys.DISABLED})
    first = await apply_staged(kube, [keep, gone, protected], OPTIONS)
    foreign = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "foreign", "namespace": namespace}}
    await kube.create(foreign)
    second = await apply_staged(kube, [keep], OPTIONS)
    old = first.inventory()
    old = type(old)(entries=(*old.entries, *type(old)(entries=()).entries))
    leftovers = (*stale(old, second.inventory()), ObjectRef.of(foreign))

    pruned = await prune(kube, leftovers, PruneOptions(owner_labels=OWNER))

    assert pruned.actions() == {
        f"ConfigMap/{namespace}/protected": Action.SKIPPED,
        f"ConfigMap/{namespace}/gone": Action.DELETED,
        f"ConfigMap/{namespace}/foreign": Action.SKIPPED,
    }
    assert pruned.summary() == f"ConfigMap/{namespace}/gone deleted"
    with pytest.raises(NotFound):
        await kube.get(ObjectRef.of(gone))
    await kube.get(ObjectRef.of(protected))
    await kube.get(ObjectRef.of(foreign))


async def test_secret_diff_masks_values(kube: Kube, namespace: str) -> None:
    token = secret(namespace, "token", {"value": "s3cret", "same": "v"})
    await apply_staged(kube, [token], OPTIONS)
    changed = secret(namespace, "token", {"value": "n3w", "same": "v"})
    dry_run = await kube.apply(changed, field_manager=OPTIONS.field_manager, force=True, dry_run=True)
    live = await kube.get(ObjectRef.of(token))

    masked_live, masked_dry = mask_secrets_for_diff(live, dry_run)
    changes = {c.path: (c.before, c.after) for c in diff(masked_live, masked_dry)}

    assert changes == {"/data/value": (MASK_BEFORE, MASK_AFTER)}
    assert "czNjcmV0" not in repr(masked_live) + repr(masked_dry)


def held_job(namespace: str) -> Manifest:
    """A suspended Job: Flux's Job rule keeps it InProgress for good."""
    return labelled(
        {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": "held", "namespace": namespace},
            "spec": {
                "suspend": True,
                "template": {
                    "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "registry.local/c:1"}]}
                },
            },
        }
    )


async def test_wait_reports_objects_that_do_not_become_current(kube: Kube, namespace: str) -> None:
    objects = [deployment(namespace, "web", 1), held_job(namespace)]
    await apply_staged(kube, objects, OPTIONS)
    ready = await wait_ready(kube, [ObjectRef.of(objects[0])], timeout=60)
    assert ready.ready
    held = await wait_ready(kube, [ObjectRef.of(o) for o in objects], timeout=3)
    assert not held.ready
    assert [str(n) for n in held.not_ready] == [f"Job/{namespace}/held status: 'InProgress': Job in progress"]
    assert held.health.message == f"timeout waiting for: [Job/{namespace}/held status: 'InProgress']"


async def test_a_wait_told_to_stop_while_watching_raises_wait_canceled_at_once(kube: Kube, namespace: str) -> None:
    job = held_job(namespace)
    await apply_staged(kube, [job], OPTIONS)
    stop = asyncio.Event()

    def watching(obj: Manifest) -> None:
        stop.set()  # the watch has seen the Job: a newer revision turns up now, in the middle of the wait

    started = time.monotonic()
    with pytest.raises(WaitCanceled) as canceled:
        await wait_ready(kube, [ObjectRef.of(job)], timeout=120, status_override=watching, cancel_when=stop)

    assert canceled.value.reason == "HealthCheckCanceled"
    assert time.monotonic() - started < 60
    unset = await wait_ready(kube, [ObjectRef.of(job)], timeout=2, cancel_when=asyncio.Event())
    assert [str(n) for n in unset.not_ready] == [f"Job/{namespace}/held status: 'InProgress': Job in progress"]


async def test_a_re_apply_right_after_an_apply_is_proven_a_no_op_from_what_the_apply_returned(
    counted: tuple[Kube, str], kube: Kube, plane: LocalPlane, namespace: str
) -> None:
    client, agent = counted
    recall = Recall()
    objects = [config_map(namespace, f"settings-{i}", {"index": str(i)}) for i in range(5)]
    assert {c.action for c in await apply_staged(client, objects, OPTIONS, recall=recall)} == {Action.CREATED}

    # Within the same second the managedFields stamp proves nothing; what the apply returned does.
    mark = len(audited(plane, agent, namespace))
    again = await apply_staged(client, objects, OPTIONS, recall=recall)
    assert {c.action for c in again} == {Action.UNCHANGED}
    calls = audited(plane, agent, namespace)[mark:]
    assert [c["verb"] for c in calls] == ["patch"] * len(objects)
    assert all("dryRun=All" in c["requestURI"] for c in calls)

    # A dry-run answers with the live object's resourceVersion, whether it would change the object or not.
    ref = ObjectRef.of(objects[0])
    live = await kube.get(ref)
    changing, _ = await client.dry_run_apply(config_map(namespace, "settings-0", {"index": "new"}),
                                             field_manager=OPTIONS.field_manager)  # fmt: skip
    assert changing["data"] == {"index": "new"}
    assert changing["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]

    # Another writer changes a field in between: the proof fails, the object is read and configured back.
    await kube.patch(ref, {"data": {"index": "edited"}})
    mark = len(audited(plane, agent, namespace))
    restored = await apply_staged(client, objects, OPTIONS, recall=recall)
    assert restored.actions()[str(ref)] is Action.CONFIGURED
    assert {c.action for c in restored if c.ref != ref} == {Action.UNCHANGED}
    assert (await kube.get(ref))["data"] == {"index": "0"}
    gets = [c for c in audited(plane, agent, namespace)[mark:] if c["verb"] == "get"]
    assert [g["objectRef"]["name"] for g in gets] == ["settings-0"]
