"""The kustomize controller's wiring: its indexes, the source and dependency watches that wake it, and `setup`."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.controllers.kustomize.clusters import Clusters
from reflow.controllers.kustomize.crosskind import DependencyObjects, dependency_key
from reflow.controllers.kustomize.reconciler import KustomizationReconciler
from reflow.controllers.options import ControllerOptions
from reflow.controllers.sources import SourceKey, Sources
from reflow.engines.build import BuildCache, BuildSettings, KustomizeBuilder, Pipeline
from reflow.kube.client import Kube
from reflow.runtime.informer import Change
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "kustomize-controller"
DEFAULT_CONCURRENCY = 4
SOURCE_INDEX = "source"
DEPENDS_ON_INDEX = "dependsOn"


def source_index(ks: Manifest) -> list[str]:
    """`Kind/namespace/name` of the Kustomization's source."""
    ref = (ks.get("spec") or {}).get("sourceRef") or {}
    namespace = ref.get("namespace") or ks["metadata"].get("namespace") or ""
    return [f"{ref.get('kind')}/{namespace}/{ref.get('name')}"]


def depends_on_index(ks: Manifest) -> list[str]:
    """`Kind/namespace/name` of each object this Kustomization depends on (Kustomizations unless it says)."""
    own = ks["metadata"].get("namespace") or ""
    return [f"{dep.get('kind') or 'Kustomization'}/{dep.get('namespace') or own}/{dep['name']}"
            for dep in (ks.get("spec") or {}).get("dependsOn") or []]  # fmt: skip


def readiness(ks: Manifest | None) -> tuple[object, ...]:
    """What dependents look at: generation seen, Ready, and the revision applied."""
    status = (ks or {}).get("status") or {}
    ready = next((c.get("status") for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    return status.get("observedGeneration"), ready, status.get("lastAppliedRevision")


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the Kustomization controller, its source watches and the dependents' triggers to the manager."""
    sources = Sources(manager.cache, kube, settings.watch_namespace)
    clusters = Clusters(
        kube,
        default_service_account=options.default_service_account,
        insecure_tls=options.insecure_kubeconfig_tls,
    )
    pipeline = Pipeline(
        KustomizeBuilder(allow_unconfined=options.allow_unconfined_builds),
        BuildSettings(no_remote_bases=options.no_remote_bases),
        BuildCache(),
    )
    kustomizations = manager.informer_for(KustomizationReconciler)
    dependencies = DependencyObjects(manager.cache, kube, settings.watch_namespace)
    reconciler = KustomizationReconciler(
        kube,
        sources=sources,
        pipeline=pipeline,
        clusters=clusters,
        watcher=manager.watches,
        kustomizations=kustomizations.get,
        dependencies=dependencies,
        options=options,
        gates=settings.feature_gates,
        requeue_dependency=settings.requeue_dependency,
    )
    controller = manager.add_controller(
        "kustomization", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    kustomizations.add_index(SOURCE_INDEX, source_index)
    kustomizations.add_index(DEPENDS_ON_INDEX, depends_on_index)

    def on_new_artifact(key: SourceKey) -> None:
        for ks in kustomizations.by_index(SOURCE_INDEX, "/".join(key)):
            controller.enqueue(ks["metadata"].get("namespace"), ks["metadata"]["name"])

    def wake_dependents(key: str) -> None:
        for dependent in kustomizations.by_index(DEPENDS_ON_INDEX, key):
            controller.enqueue(dependent["metadata"].get("namespace"), dependent["metadata"]["name"])

    def on_kustomization(change: Change, old: Manifest | None, new: Manifest) -> None:
        if change is Change.DELETED or readiness(old) == readiness(new):
            return
        wake_dependents(f"Kustomization/{new['metadata'].get('namespace') or ''}/{new['metadata']['name']}")

    sources.on_new_artifact(on_new_artifact)
    kustomizations.add_handler(on_kustomization)
    dependencies.on_change(lambda ref: wake_dependents(dependency_key(ref)))
    manager.add_service("kustomize-clusters", clusters.run)
