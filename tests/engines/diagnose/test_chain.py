"""The why-not-Ready chain as plain data: each kind's problem, where to look next, cycles and missing links."""

from __future__ import annotations

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.diagnose import Finding, PodSelector, leads, problem, why_not_ready

KS = "kustomize.toolkit.fluxcd.io/v1"


def ks(name: str, reason: str = "", message: str = "", *, depends_on: tuple[str, ...] = ()) -> Manifest:
    ready = {"type": "Ready", "status": "False" if reason else "True", "reason": reason or "Succeeded",
             "message": message or "Applied revision: main@sha1:1"}  # fmt: skip
    return {
        "apiVersion": KS,
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "apps"},
        "spec": {
            "sourceRef": {"kind": "GitRepository", "name": "repo"},
            "dependsOn": [{"name": d} for d in depends_on],
        },
        "status": {"conditions": [ready]},
    }


def pod(**status: object) -> Manifest:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "apps"}, "status": status}


def test_a_pod_that_cannot_be_scheduled_or_pulled_says_so_and_a_running_one_is_fine() -> None:
    unscheduled = pod(phase="Pending", conditions=[{"type": "PodScheduled", "status": "False",
                                                    "reason": "Unschedulable", "message": "0/1 nodes"}])  # fmt: skip
    pulling = pod(phase="Pending", containerStatuses=[{"name": "web", "state": {"waiting": {
        "reason": "ImagePullBackOff", "message": "not found"}}}])  # fmt: skip
    crashed = pod(phase="Running", containerStatuses=[{"name": "web", "state": {"terminated": {
        "exitCode": 2, "reason": "Error"}}}])  # fmt: skip
    running = pod(phase="Running", conditions=[{"type": "Ready", "status": "True"}])

    assert problem(unscheduled) == "not scheduled (Unschedulable): 0/1 nodes"
    assert problem(pulling) == "container web waiting (ImagePullBackOff): not found"
    assert problem(crashed) == "container web exited with code 2 (Error)"
    assert problem(running) is None


def test_a_workload_short_of_replicas_leads_to_its_pods() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "apps"},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}}},
        "status": {"readyReplicas": 1},
    }

    assert problem(deployment) == "1 of 2 replicas ready"
    assert leads(deployment) == [PodSelector("apps", {"app": "web"})]


def test_a_health_check_failure_leads_to_the_waited_objects_then_dependencies_then_the_source() -> None:
    message = "timeout waiting for: [Deployment/apps/web status: 'InProgress', ConfigMap/apps/c status: 'Current']"
    failing = ks("infra", "HealthCheckFailed", message, depends_on=("base",))
    failing["status"]["inventory"] = {"entries": [{"id": "apps_web_apps_Deployment", "v": "v1"}]}

    assert leads(failing) == [
        ObjectRef("apps/v1", "Deployment", "web", "apps"),
        ObjectRef(KS, "Kustomization", "base", "apps"),
        ObjectRef("source.toolkit.fluxcd.io/v1", "GitRepository", "repo", "apps"),
    ]


def test_a_suspended_object_and_a_ready_one_have_no_problem() -> None:
    suspended = ks("paused", "ReconciliationFailed", "boom")
    suspended["spec"]["suspend"] = True

    assert problem(suspended) is None
    assert problem(ks("fine")) is None


async def test_the_walk_stops_at_a_cycle_and_at_a_missing_object() -> None:
    objects = {
        "a": ks("a", "DependencyNotReady", "dependency 'apps/b' is not ready", depends_on=("b",)),
        "b": ks("b", "DependencyNotReady", "dependency 'apps/a' is not ready", depends_on=("a",)),
        "c": ks("c", "DependencyNotReady", "dependency 'apps/gone' is not ready", depends_on=("gone",)),
    }

    async def get(ref: ObjectRef) -> Manifest | None:
        return objects.get(ref.name) if ref.kind == "Kustomization" else None

    async def no_pods(_: PodSelector) -> list[Manifest]:
        return []

    cycle = await why_not_ready(get, no_pods, ObjectRef(KS, "Kustomization", "a", "apps"))
    missing = await why_not_ready(get, no_pods, ObjectRef(KS, "Kustomization", "c", "apps"))

    assert [finding.ref.name for finding in cycle] == ["a", "b", "a"]
    assert cycle[-1].problem == "depends on itself through the chain above (a cycle)"
    assert missing[-1] == Finding(ObjectRef(KS, "Kustomization", "gone", "apps"), "not found")
