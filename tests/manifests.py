"""Builders of the plain objects tests apply: ConfigMaps, Deployments, and the checks tests wait on."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.conditions import condition, condition_true
from reflow.api.crds import KINDS, crd
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for


def config_map(namespace: str, name: str, data: dict[str, str], labels: dict[str, str] | None = None) -> Manifest:
    metadata: Manifest = {"name": name, "namespace": namespace}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": data}


def deployment(namespace: str, name: str, replicas: int = 1, container: str = "web") -> Manifest:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": container, "image": f"registry.local/{name}:1.0"}]},
            },
        },
    }


def kustomization(namespace: str, name: str, source_kind: str, source_name: str, path: str = "./deploy") -> Manifest:
    """A pruning Kustomization applying `path` of a source into `namespace`, every hour."""
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "interval": "1h",
            "prune": True,
            "path": path,
            "targetNamespace": namespace,
            "sourceRef": {"kind": source_kind, "name": source_name},
        },
    }


def available(obj: Manifest | None) -> bool:
    """A Deployment's Available condition is True."""
    return condition_true(obj, "Available")


def established(obj: Manifest | None) -> bool:
    """A CustomResourceDefinition's Established condition is True."""
    return condition_true(obj, "Established")


def ready_is(status: str, message_part: str = "") -> Callable[[Manifest | None], bool]:
    """A check that an object's Ready condition has this status and `message_part` in its message."""

    def check(obj: Manifest | None) -> bool:
        found = condition(obj, "Ready")
        return found is not None and found["status"] == status and message_part in found["message"]

    return check


async def install_crds(kube: Kube) -> list[Manifest]:
    """Every reflow CRD applied to the plane `kube` talks to, once Established."""
    manifests = [crd(model) for model in KINDS]
    for manifest in manifests:
        await kube.apply(manifest, field_manager="reflow-tests", force=True)
    live = [await wait_for(kube, ObjectRef.of(m), established, timeout=60, what="Established") for m in manifests]
    return [obj for obj in live if obj]
