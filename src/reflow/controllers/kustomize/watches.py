"""The kustomize controller's wiring: its indexes, the source and dependency watches that wake it, and `setup`."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.controllers.clusters import Clusters
from reflow.controllers.dependson.wiring import dependency_gate, wake_dependents
from reflow.controllers.kustomize.reconciler import KustomizationReconciler
from reflow.controllers.options import ControllerOptions
from reflow.controllers.sources import SourceKey, Sources
from reflow.engines.artifact import Extractions
from reflow.engines.build import BuildCache, BuildSettings, KustomizeBuilder, Pipeline
from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "kustomize-controller"
DEFAULT_CONCURRENCY = 4
SOURCE_INDEX = "source"


def source_index(ks: Manifest) -> list[str]:
    """`Kind/namespace/name` of the Kustomization's source."""
    ref = (ks.get("spec") or {}).get("sourceRef") or {}
    namespace = ref.get("namespace") or ks["metadata"].get("namespace") or ""
    return [f"{ref.get('kind')}/{namespace}/{ref.get('name')}"]


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
    extractions = Extractions()
    kustomizations = manager.informer_for(KustomizationReconciler)
    dependencies = dependency_gate(manager, kube, settings, kustomizations, KustomizationReconciler,
                                   no_cross_namespace_refs=options.no_cross_namespace_refs)  # fmt: skip
    reconciler = KustomizationReconciler(
        kube,
        sources=sources,
        pipeline=pipeline,
        extractions=extractions,
        clusters=clusters,
        watcher=manager.watches,
        dependencies=dependencies,
        options=options,
        gates=settings.feature_gates,
        requeue_dependency=settings.requeue_dependency,
    )
    controller = manager.add_controller(
        "kustomization", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    kustomizations.add_index(SOURCE_INDEX, source_index)

    def on_new_artifact(key: SourceKey) -> None:
        for ks in kustomizations.by_index(SOURCE_INDEX, "/".join(key)):
            controller.enqueue(ks["metadata"].get("namespace"), ks["metadata"]["name"])

    sources.on_new_artifact(on_new_artifact)
    wake_dependents(dependencies, kustomizations, controller)
    manager.add_service("kustomize-clusters", clusters.run)
    manager.add_service("kustomize-extractions", extractions.run)
