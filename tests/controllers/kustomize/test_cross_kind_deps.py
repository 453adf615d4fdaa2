"""Cross-kind dependsOn (Flux's proposed apiVersion/kind/ready fields): woken by watch, cycles spelled out."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import MakeSource, ready_for
from tests.managers import StartControllers


def config_map(name: str, namespace: str) -> str:
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\ndata:\n  a: b\n"


def deployment(name: str, namespace: str) -> Manifest:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels},
                         "spec": {"containers": [{"name": "app", "image": "registry.invalid/app:1"}]}},
        },
    }  # fmt: skip


def waiting_on(text: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        ready = condition(obj, "Ready") or {}
        return ready.get("reason") == "DependencyNotReady" and text in ready.get("message", "")

    return check


async def test_a_kustomization_waits_for_a_deployment_to_be_ready_and_runs_when_it_is(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, revision = await git_source({"app/cm.yaml": config_map("app", namespace)})
    # Dependencies not ready are retried only after an hour here: the run must come from the watch.
    await start_controllers("source", "kustomize", requeue_dependency=3600.0)
    depends_on = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "db"}]
    await kube.create(source.kustomization("app", path="./app", dependsOn=depends_on))
    await source.until("app", waiting_on(f"dependency 'Deployment/{namespace}/db' not found"))

    await kube.create(deployment("db", namespace))

    await source.until("app", ready_for(revision), timeout=30)
    live = await kube.get(ObjectRef("apps/v1", "Deployment", "db", namespace))
    assert (live.get("status") or {}).get("availableReplicas") == 1


async def test_ready_false_waits_only_for_the_object_to_exist(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, revision = await git_source({"app/cm.yaml": config_map("app", namespace)})
    await start_controllers("source", "kustomize", requeue_dependency=3600.0)
    depends_on = [{"apiVersion": "v1", "kind": "Secret", "name": "credentials", "ready": False}]
    await kube.create(source.kustomization("app", path="./app", dependsOn=depends_on))
    await source.until("app", waiting_on("not found"))

    await kube.create(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "credentials", "namespace": namespace}}
    )

    await source.until("app", ready_for(revision), timeout=30)


async def test_a_cycle_through_a_helm_release_stalls_naming_both(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source({"app/cm.yaml": config_map("app", namespace)})
    await kube.create(
        {
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "db", "namespace": namespace},
            "spec": {"interval": "1h", "chartRef": {"kind": "OCIRepository", "name": "db"},
                     "dependsOn": [{"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                                    "name": "app"}]},
        }
    )  # fmt: skip
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("app", path="./app", dependsOn=[{"kind": "HelmRelease", "name": "db"}]))

    stalled = await source.until("app", lambda o: (condition(o, "Stalled") or {}).get("status") == "True")

    message = condition(stalled, "Ready")["message"]  # type: ignore[index]
    assert message == (
        f"dependency cycle: Kustomization/{namespace}/app → HelmRelease/{namespace}/db → Kustomization/{namespace}/app"
    )


async def test_a_dependency_of_an_unknown_kind_without_api_version_stalls(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    source, _ = await git_source({"app/cm.yaml": config_map("app", namespace)})
    await start_controllers("source", "kustomize")
    await kube.create(source.kustomization("app", path="./app", dependsOn=[{"kind": "Widget", "name": "w"}]))

    stalled = await source.until("app", lambda o: (condition(o, "Stalled") or {}).get("status") == "True")

    ready = condition(stalled, "Ready")
    assert ready is not None
    assert (ready["reason"], ready["message"]) == ("InvalidSpec", "dependsOn 'w' of kind Widget needs an apiVersion")
