"""Health checks fail with kstatus's words and yield to a newer revision; dependency chains converge by watch."""

from __future__ import annotations

from reflow.api.conditions import condition
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import KUSTOMIZE, MakeSource, failing, ready_for
from tests.controllers.kustomize.test_apply import config_map, deployment
from tests.managers import StartControllers


async def test_a_deployment_that_cannot_become_ready_fails_health_and_a_fixing_commit_cancels_the_wait(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    stuck = deployment("web", namespace, node_selector="reflow.test/none: nowhere")
    source, first = await git_source({"web.yaml": stuck})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("short", wait=True, timeout="5s"))
    failed = await source.until("short", failing("HealthCheckFailed"))
    message = condition(failed, "Ready")["message"]  # type: ignore[index]
    assert f"Deployment/{namespace}/web" in message
    assert condition(failed, "Healthy")["status"] == "False"  # type: ignore[index]
    assert condition(failed, "Healthy")["reason"] == "HealthCheckFailed"  # type: ignore[index]
    # The failed run still records what it attempted and what it applied, but not an applied revision.
    assert failed["status"]["lastAttemptedRevision"] == first
    assert [e["id"] for e in failed["status"]["inventory"]["entries"]] == [f"{namespace}_web_apps_Deployment"]
    assert "lastAppliedRevision" not in failed["status"]

    await kube.delete(ObjectRef(KUSTOMIZE, "Kustomization", "short", namespace))
    await kube.create(source.kustomization("patient", wait=True, timeout="10m"))
    await source.until(
        "patient", lambda o: "Running health checks" in (condition(o, "Reconciling") or {}).get("message", "")
    )
    fixed = source.commit({"web.yaml": deployment("web", namespace)}, "schedule web anywhere")
    await source.refresh("fix")
    done = await source.until("patient", ready_for(fixed))
    assert condition(done, "Healthy")["status"] == "True"  # type: ignore[index]
    canceled = [e for e in await kube.list_all("v1", "Event", namespace) if e["reason"] == "HealthCheckCanceled"]
    assert canceled, "the first health check should have been canceled by the new revision"


async def test_a_chain_of_three_dependencies_converges_without_waiting_for_retries(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = {f"{tier}/cm.yaml": config_map(tier, namespace, tier=tier) for tier in ("db", "backend", "frontend")}
    source, revision = await git_source(files)
    # Dependencies not ready are retried only after an hour here: convergence must come from watches.
    await start_controllers("source", "kustomize", requeue_dependency=3600.0)
    await kube.create(source.kustomization("frontend", path="./frontend", dependsOn=[{"name": "backend"}]))
    await kube.create(source.kustomization("backend", path="./backend", dependsOn=[{"name": "db"}]))
    waiting = await source.until("frontend", failing("DependencyNotReady"))
    assert "backend" in condition(waiting, "Ready")["message"]  # type: ignore[index]
    await kube.create(source.kustomization("db", path="./db"))
    for name in ("db", "backend", "frontend"):
        await source.until(name, ready_for(revision), timeout=30)
    applied = [
        (await kube.get(ObjectRef("v1", "ConfigMap", tier, namespace)))["metadata"]["creationTimestamp"]
        for tier in ("db", "backend", "frontend")
    ]
    assert applied == sorted(applied)
