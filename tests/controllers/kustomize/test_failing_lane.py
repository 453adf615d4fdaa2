"""Kustomizations that keep failing never hold up healthy ones: their retries wait in their own lane (flux2#5622)."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from tests.controllers.kustomize.sources import KUSTOMIZE, SOURCE, MakeSource, ready_for
from tests.managers import StartControllers

FAILING = 4
"""More failing Kustomizations than the controller has workers (2 steady + 1 failing)."""
HEALTHY = 2


def stuck_deployment(name: str, namespace: str) -> str:
    """A Deployment no node can run (its nodeSelector matches none), so it never becomes Available."""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {namespace}
spec:
  replicas: 1
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      nodeSelector: {{reflow.dev/no-such-node: "true"}}
      containers:
        - name: app
          image: registry.invalid/app:1.0.0
"""


def config_map(name: str, namespace: str, color: str) -> str:
    metadata = f"metadata:\n  name: {name}\n  namespace: {namespace}\n"
    return f"apiVersion: v1\nkind: ConfigMap\n{metadata}data:\n  color: {color}\n"


def waiting_health(timeout: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        message = (condition(obj, "Reconciling") or {}).get("message", "")
        return "Running health checks" in message and f"timeout of {timeout}" in message

    return check


def failed_health(obj: Manifest | None) -> bool:
    return (condition(obj, "Ready") or {}).get("reason") == "HealthCheckFailed"


async def test_healthy_kustomizations_apply_while_every_failing_one_holds_a_worker(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_source: MakeSource
) -> None:
    files = {f"fail-{i}/app.yaml": stuck_deployment(f"stuck-{i}", namespace) for i in range(FAILING)}
    files |= {f"ok-{i}/cm.yaml": config_map(f"ok-{i}", namespace, "blue") for i in range(HEALTHY)}
    source, first = await git_source(files)
    # The failing ones follow a second GitRepository of the same repository that the test never refreshes,
    # so the new commit below does not cancel their health waits (CancelHealthCheckOnNewRevision).
    repository = await kube.get(ObjectRef(SOURCE, "GitRepository", source.name, namespace))
    frozen = {"name": "frozen", "namespace": namespace}
    await kube.create({"apiVersion": SOURCE, "kind": "GitRepository", "metadata": frozen, "spec": repository["spec"]})
    await start_controllers("source", "kustomize", concurrent=2, shutdown_grace=1)
    for i in range(FAILING):
        ks = source.kustomization(f"fail-{i}", path=f"./fail-{i}", wait=True, timeout="3s")
        ks["spec"]["sourceRef"]["name"] = "frozen"
        await kube.create(ks)
    for i in range(HEALTHY):
        await kube.create(source.kustomization(f"ok-{i}", path=f"./ok-{i}"))
    for i in range(FAILING):
        await source.until(f"fail-{i}", failed_health)
    for i in range(HEALTHY):
        await source.until(f"ok-{i}", ready_for(first))

    # Every failing Kustomization now waits minutes for its Deployment on each retry.
    for i in range(FAILING):
        await kube.patch(ObjectRef(KUSTOMIZE, "Kustomization", f"fail-{i}", namespace), {"spec": {"timeout": "3m"}})
    await source.until("fail-0", waiting_health("3m"))

    second = source.commit({f"ok-{i}/cm.yaml": config_map(f"ok-{i}", namespace, "green") for i in range(HEALTHY)},
                           "recolor")  # fmt: skip
    await source.refresh("push-1")
    for i in range(HEALTHY):
        await source.until(f"ok-{i}", ready_for(second), timeout=60)

    failing = [await kube.get(ObjectRef(KUSTOMIZE, "Kustomization", f"fail-{i}", namespace)) for i in range(FAILING)]
    assert any(waiting_health("3m")(obj) for obj in failing), "no failing Kustomization is in its 3m wait any more"
    colors = [
        (await kube.get(ObjectRef("v1", "ConfigMap", f"ok-{i}", namespace)))["data"]["color"] for i in range(HEALTHY)
    ]
    assert colors == ["green"] * HEALTHY
