"""`reflow trace` answers why an object is not Ready: dependency → health check → workload → Pod, on the real plane."""

from __future__ import annotations

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for_items
from tests.cli.objects import ObjectFactory, artifact, git_repository, kustomization, ready_condition
from tests.cli.runner import Reflow

KUSTOMIZE = "kustomize.toolkit.fluxcd.io/v1"


def stuck_deployment(namespace: str) -> Manifest:
    """A Deployment whose Pod no node accepts: the scheduler marks it Unschedulable."""
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "nodeSelector": {"reflow.dev/no-such-node": "true"},
                    "containers": [{"name": "web", "image": "registry.invalid/web:1.0.0"}],
                },
            },
        },
    }


def unschedulable(pods: list[Manifest]) -> bool:
    return any((condition(pod, "PodScheduled") or {}).get("reason") == "Unschedulable" for pod in pods)


async def test_trace_of_a_blocked_kustomization_names_the_unschedulable_pod_as_root_cause(
    reflow: Reflow, make: ObjectFactory, kube: Kube, namespace: str
) -> None:
    await kube.create(stuck_deployment(namespace))
    await wait_for_items(kube, "v1", "Pod", namespace, unschedulable, timeout=60, what="an unschedulable Pod")
    await make(git_repository("repo"), {"conditions": [ready_condition()], "artifact": artifact("main@sha1:9")})
    waited = f"health check failed after 30s: timeout waiting for: [Deployment/{namespace}/web status: 'InProgress']"
    inventory = {"entries": [{"id": f"{namespace}_web_apps_Deployment", "v": "v1"}]}
    await make(
        kustomization("infra", path="./infra"),
        {"conditions": [ready_condition("False", waited, "HealthCheckFailed")], "inventory": inventory},
    )
    apps = kustomization("apps", path="./apps")
    apps["spec"]["dependsOn"] = [{"name": "infra"}]
    blocked = f"dependency '{namespace}/infra' is not ready"
    await make(apps, {"conditions": [ready_condition("False", blocked, "DependencyNotReady")]})

    result = await reflow("trace", "apps", "--kind", "Kustomization", "--api-version", KUSTOMIZE)

    assert result.code == 0, result.stderr
    why = result.stdout.split("Why not Ready:")[1]
    links = [line.strip() for line in why.splitlines()]
    assert links[0] == f"Kustomization/{namespace}/apps: DependencyNotReady: {blocked}"
    assert links[1] == f"→ Kustomization/{namespace}/infra: HealthCheckFailed: {waited}"
    assert links[2].startswith(f"→ Deployment/{namespace}/web: ")
    assert links[3].startswith(f"→ Pod/{namespace}/web-")
    assert "not scheduled (Unschedulable)" in links[3]
    root = result.stdout.split("Root cause:")[1].strip()
    assert root.startswith(f"Pod/{namespace}/web-")
    assert "didn't match Pod's node affinity/selector" in root

    wide = await reflow("get", "kustomizations", "-o", "wide")

    assert wide.code == 0, wide.stderr
    header, *rows = wide.stdout.splitlines()
    assert header.split()[-2:] == ["ROOT", "CAUSE"]
    by_name = {line.split()[0]: line for line in rows}
    assert f"Pod/{namespace}/web-" in by_name["apps"]
    assert f"Pod/{namespace}/web-" in by_name["infra"]


async def test_trace_of_a_ready_kustomization_has_no_why_section(reflow: Reflow, make: ObjectFactory) -> None:
    await make(git_repository("repo"), {"conditions": [ready_condition()], "artifact": artifact("main@sha1:9")})
    await make(kustomization("apps"), {"conditions": [ready_condition(message="Applied revision: main@sha1:9")]})

    result = await reflow("trace", "apps", "--kind", "Kustomization", "--api-version", KUSTOMIZE)

    assert result.code == 0, result.stderr
    assert result.stdout.startswith("Kustomization:  apps\n")
    assert "Why not Ready" not in result.stdout


async def test_trace_names_a_missing_source(reflow: Reflow, make: ObjectFactory, namespace: str) -> None:
    message = f"GitRepository.source.toolkit.fluxcd.io '{namespace}/gone' not found"
    await make(
        kustomization("apps", source="gone"), {"conditions": [ready_condition("False", message, "ArtifactFailed")]}
    )

    result = await reflow("trace", "apps", "--kind", "Kustomization", "--api-version", KUSTOMIZE)

    assert result.code == 0, result.stderr
    assert (
        f"Root cause:     {ObjectRef('source.toolkit.fluxcd.io/v1', 'GitRepository', 'gone', namespace)}: not found"
        in (result.stdout)
    )
