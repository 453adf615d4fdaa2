"""CEL in Kustomizations: healthCheckExprs judge a custom resource; readyExpr decides whether a dependency is ready."""

from __future__ import annotations

import contextlib

import yaml

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.features import DEFAULT_GATES, FeatureGates
from tests.controllers.kustomize.sources import KUSTOMIZE, MakeSource, failing, ready_for
from tests.controllers.kustomize.test_apply import config_map
from tests.managers import StartControllers


def widget_crd(group: str) -> str:
    return yaml.safe_dump({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"widgets.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
            "versions": [{
                "name": "v1", "served": True, "storage": True, "subresources": {"status": {}},
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
            }],
        },
    })  # fmt: skip


def widget(group: str, namespace: str) -> str:
    return yaml.safe_dump(
        {"apiVersion": f"{group}/v1", "kind": "Widget", "metadata": {"name": "w1", "namespace": namespace},
         "spec": {"size": 1}}
    )  # fmt: skip


async def test_health_check_exprs_judge_a_custom_resource_current_then_failed(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    group = f"{namespace}.reflow.test"
    source, revision = await git_source({"crd.yaml": widget_crd(group), "widget.yaml": widget(group, namespace)})
    await start_controllers("source", "kustomize")
    exprs = [{
        "apiVersion": f"{group}/v1", "kind": "Widget",
        "current": "status.phase == 'Ready'",
        "failed": "status.phase == 'Broken'",
    }]  # fmt: skip
    ref = ObjectRef(f"{group}/v1", "Widget", "w1", namespace)
    try:
        await kube.create(source.kustomization("widgets", wait=True, timeout="2m", healthCheckExprs=exprs))
        await source.until(
            "widgets", lambda o: "Running health checks" in (condition(o, "Reconciling") or {}).get("message", "")
        )
        await kube.patch(ref, {"status": {"phase": "Ready"}}, subresource="status")
        done = await source.until("widgets", ready_for(revision))
        assert condition(done, "Healthy")["status"] == "True"  # type: ignore[index]

        await kube.patch(ref, {"status": {"phase": "Broken"}}, subresource="status")
        ks = ObjectRef(KUSTOMIZE, "Kustomization", "widgets", namespace)
        await kube.patch(ks, {"metadata": {"annotations": {REQUESTED_AT: "broken"}}})
        failed = await source.until("widgets", failing("HealthCheckFailed"))
        message = condition(failed, "Ready")["message"]  # type: ignore[index]
        assert f"Widget/{namespace}/w1 status: 'Failed'" in message
        assert condition(failed, "Healthy")["status"] == "False"  # type: ignore[index]
    finally:
        with contextlib.suppress(NotFound):
            await kube.delete(ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", f"widgets.{group}"))


async def test_an_invalid_health_check_expression_stalls_the_kustomization(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source({"cm.yaml": config_map("one", namespace)})
    await start_controllers("source", "kustomize")
    exprs = [{"apiVersion": "example.com/v1", "kind": "Thing", "current": "status."}]
    await kube.create(source.kustomization("bad", wait=True, healthCheckExprs=exprs))
    stalled = await source.until("bad", failing("InvalidCELExpression"))
    assert "'status.'" in condition(stalled, "Ready")["message"]  # type: ignore[index]
    assert condition(stalled, "Stalled")["status"] == "True"  # type: ignore[index]


async def test_ready_expr_over_dep_decides_whether_a_dependency_is_ready(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = {f"{tier}/cm.yaml": config_map(tier, namespace, tier=tier) for tier in ("db", "app", "other")}
    source, revision = await git_source(files)
    await start_controllers("source", "kustomize")
    # db never becomes Ready: it waits for a Kustomization that does not exist.
    db = source.kustomization("db", path="./db", dependsOn=[{"name": "missing"}])
    db["metadata"]["labels"] = {"tier": "db"}
    await kube.create(db)
    await source.until("db", failing("DependencyNotReady"))

    by_label = "dep.metadata.labels.tier == 'db'"
    await kube.create(source.kustomization("app", path="./app", dependsOn=[{"name": "db", "readyExpr": by_label}]))
    await source.until("app", ready_for(revision))

    wrong = "dep.metadata.labels.tier == 'cache' && self.metadata.name == 'other'"
    await kube.create(source.kustomization("other", path="./other", dependsOn=[{"name": "db", "readyExpr": wrong}]))
    waiting = await source.until("other", failing("DependencyNotReady"))
    assert "is not ready according to readyExpr eval" in condition(waiting, "Ready")["message"]  # type: ignore[index]


async def test_with_additive_cel_dependency_check_ready_expr_adds_to_the_built_in_check(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = {f"{name}/cm.yaml": config_map(name, namespace, tier=name) for name in ("db", "app", "base", "top", "both")}
    source, revision = await git_source(files)
    gates = FeatureGates.parse("AdditiveCELDependencyCheck=true", DEFAULT_GATES)
    await start_controllers("source", "kustomize", feature_gates=gates)
    db = source.kustomization("db", path="./db", dependsOn=[{"name": "missing"}])
    db["metadata"]["labels"] = {"tier": "db"}
    base = source.kustomization("base", path="./base")
    base["metadata"]["labels"] = {"tier": "base"}
    await kube.create(db)
    await kube.create(base)
    await source.until("db", failing("DependencyNotReady"))
    await source.until("base", ready_for(revision))

    # The expression holds, but db is not Ready: the built-in check still holds app back (off, app went ahead).
    holds = "dep.metadata.labels.tier == 'db'"
    await kube.create(source.kustomization("app", path="./app", dependsOn=[{"name": "db", "readyExpr": holds}]))
    app = await source.until("app", failing("DependencyNotReady"))
    assert condition(app, "Ready")["message"] == f"dependency not ready: dependency '{namespace}/db' is not ready"  # type: ignore[index]

    # base is Ready, but the expression does not hold: it is still evaluated.
    fails = "dep.metadata.labels.tier == 'cache'"
    await kube.create(source.kustomization("top", path="./top", dependsOn=[{"name": "base", "readyExpr": fails}]))
    top = await source.until("top", failing("DependencyNotReady"))
    assert "is not ready according to readyExpr eval" in condition(top, "Ready")["message"]  # type: ignore[index]

    both = "dep.metadata.labels.tier == 'base'"
    await kube.create(source.kustomization("both", path="./both", dependsOn=[{"name": "base", "readyExpr": both}]))
    await source.until("both", ready_for(revision))
