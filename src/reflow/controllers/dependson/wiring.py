"""How a controller wakes its dependents: the dependsOn index, and the changes of a dependency that matter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reflow.api.meta import Manifest
from reflow.controllers.dependson.gate import DependsOnGate
from reflow.controllers.dependson.objects import DependencyObjects, dependency_key
from reflow.kube.client import Kube
from reflow.runtime.controller import Controller
from reflow.runtime.informer import Change, Informer
from reflow.runtime.manager import Manager
from reflow.runtime.reconciler import Reconciler
from reflow.runtime.settings import RuntimeSettings

DEPENDS_ON_INDEX = "dependsOn"


def depends_on_index(own_kind: str) -> Callable[[Manifest], list[str]]:
    """The index function: `Kind/namespace/name` of each object depended on (`own_kind` unless an entry says)."""

    def index(obj: Manifest) -> list[str]:
        own = obj["metadata"].get("namespace") or ""
        return [f"{dep.get('kind') or own_kind}/{dep.get('namespace') or own}/{dep['name']}"
                for dep in (obj.get("spec") or {}).get("dependsOn") or []]  # fmt: skip

    return index


def readiness(obj: Manifest | None) -> tuple[object, ...]:
    """What dependents look at: generation seen, Ready, and the revision applied (Kustomizations)."""
    status = (obj or {}).get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return status.get("observedGeneration"), ready, status.get("lastAppliedRevision")


def dependency_gate(
    manager: Manager,
    kube: Kube,
    settings: RuntimeSettings,
    own: Informer,
    reconciler: type[Reconciler[Any]],
    *,
    no_cross_namespace_refs: bool,
) -> DependsOnGate:
    """The gate for the kind of `reconciler`, whose objects `own` holds."""
    others = DependencyObjects(manager.cache, kube, settings.watch_namespace)
    return DependsOnGate(reconciler.api_version, reconciler.kind, own.get, others, settings.requeue_dependency,
                         no_cross_namespace_refs)  # fmt: skip


def wake_dependents(gate: DependsOnGate, own: Informer, controller: Controller[Any]) -> None:
    """Enqueue dependents the moment a dependency of any kind changes readiness (no requeue timer)."""
    own.add_index(DEPENDS_ON_INDEX, depends_on_index(gate.kind))

    def wake(key: str) -> None:
        for dependent in own.by_index(DEPENDS_ON_INDEX, key):
            controller.enqueue(dependent["metadata"].get("namespace"), dependent["metadata"]["name"])

    def on_own(change: Change, old: Manifest | None, new: Manifest) -> None:
        if change is Change.DELETED or readiness(old) == readiness(new):
            return
        wake(f"{gate.kind}/{new['metadata'].get('namespace') or ''}/{new['metadata']['name']}")

    own.add_handler(on_own)
    gate.others.on_change(lambda ref: wake(dependency_key(ref)))
