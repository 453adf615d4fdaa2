"""Cross-kind dependsOn between HelmReleases and Kustomizations, both ways, woken by watch (no requeue timer)."""

from __future__ import annotations

from reflow.api.conditions import condition
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import ChartArtifacts, helm_release, ready_with, until
from tests.controllers.kustomize.sources import MakeSource, ready_for
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}
NEVER = 3600.0
"""Dependencies not ready are retried only after an hour: each run below must come from a watch."""


def config_map(name: str, namespace: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  a: b\n"


def message(obj: object) -> str:
    found = condition(obj, "Ready")  # type: ignore[arg-type]
    assert found is not None
    return str(found["message"])


async def test_a_kustomization_waits_for_a_helm_release_and_runs_when_it_is_ready(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts, git_source: MakeSource
) -> None:
    await charts.publish("app", "0.1.0")
    source, revision = await git_source({"app/cm.yaml": config_map("after-db", namespace)})
    await start_controllers("source", "kustomize", "helm", controller_options=OPTIONS, requeue_dependency=NEVER)
    depends_on = [{"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "name": "db"}]
    await kube.create(source.kustomization("app", path="./app", dependsOn=depends_on))
    waiting = await source.until("app", lambda o: (condition(o, "Ready") or {}).get("reason") == "DependencyNotReady")
    assert message(waiting) == f"dependency not ready: dependency 'HelmRelease/{namespace}/db' not found"

    await kube.create(helm_release(namespace, "db"))

    await until(kube, namespace, "db", ready_with("InstallSucceeded"))
    await source.until("app", ready_for(revision), timeout=30)


async def test_a_helm_release_waits_for_a_kustomization_and_installs_when_it_is_ready(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts, git_source: MakeSource
) -> None:
    await charts.publish("app", "0.1.0")
    source, revision = await git_source({"app/cm.yaml": config_map("before-web", namespace)})
    await start_controllers("source", "kustomize", "helm", controller_options=OPTIONS, requeue_dependency=NEVER)
    await kube.create(helm_release(namespace, "web", dependsOn=[{"kind": "Kustomization", "name": "infra"}]))
    waiting = await until(kube, namespace, "web", ready_with("DependencyNotReady", "False"))
    assert message(waiting) == f"dependency not ready: dependency 'Kustomization/{namespace}/infra' not found"

    await kube.create(source.kustomization("infra", path="./app"))

    await source.until("infra", ready_for(revision))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"), timeout=60)


async def test_a_cycle_across_kinds_stalls_the_helm_release_naming_both(
    kube: Kube, namespace: str, start_controllers: StartControllers, charts: ChartArtifacts, git_source: MakeSource
) -> None:
    await charts.publish("app", "0.1.0")
    source, _ = await git_source({"app/cm.yaml": config_map("cycle", namespace)})
    await kube.create(source.kustomization("infra", path="./app", dependsOn=[{"kind": "HelmRelease", "name": "web"}]))
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", dependsOn=[{"kind": "Kustomization", "name": "infra"}]))

    stalled = await until(kube, namespace, "web", lambda o: (condition(o, "Stalled") or {}).get("status") == "True")

    assert message(stalled) == (f"dependency cycle: HelmRelease/{namespace}/web → Kustomization/{namespace}/infra "
                                f"→ HelmRelease/{namespace}/web")  # fmt: skip
