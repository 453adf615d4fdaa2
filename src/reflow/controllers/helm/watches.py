"""The helm controller's wiring: chart source and values watches, dependency triggers, and `setup`."""

from __future__ import annotations

from pathlib import Path

from reflow.api.meta import Manifest
from reflow.controllers.clusters import Clusters
from reflow.controllers.dependson.wiring import dependency_gate, wake_dependents
from reflow.controllers.helm.charts import CHART_KINDS
from reflow.controllers.helm.reconciler import HelmReleaseReconciler
from reflow.controllers.helm.values import WATCH_LABEL, values_refs
from reflow.controllers.options import ControllerOptions
from reflow.controllers.sources import SourceKey, Sources
from reflow.engines.helm.names import chart_object_name
from reflow.engines.helm.run import Helm
from reflow.engines.helmchart import helm_path
from reflow.kube.client import Kube
from reflow.runtime.informer import Change, Scope
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "helm-controller"
DEFAULT_CONCURRENCY = 4
CHART_INDEX = "chart"
VALUES_INDEX = "values"


def chart_index(hr: Manifest) -> list[str]:
    """`Kind/namespace/name` of the object whose artifact holds the release's chart."""
    spec = hr.get("spec") or {}
    namespace = hr["metadata"].get("namespace") or ""
    if spec.get("chartRef"):
        ref = spec["chartRef"]
        return [f"{ref.get('kind')}/{ref.get('namespace') or namespace}/{ref.get('name')}"]
    chart = spec.get("chart") or {}
    kind = chart.get("kind") or "HelmChart"
    source_ref = (chart.get("spec") or {}).get("sourceRef") or {}
    source_namespace = (source_ref.get("namespace") if kind == "HelmChart" else None) or namespace
    return [f"{kind}/{source_namespace}/{chart_object_name(namespace, hr['metadata']['name'])}"]


def helm_binary(options: ControllerOptions) -> Path:
    """`--helm-binary`, else helm beside this Python, else `helm` on PATH (as for HelmCharts)."""
    return options.helm_binary or helm_path() or Path("helm")


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the HelmRelease controller, its chart, values and dependency watches to the manager."""
    sources = Sources(manager.cache, kube, settings.watch_namespace, CHART_KINDS)
    clusters = Clusters(
        kube, default_service_account=options.default_service_account, insecure_tls=options.insecure_kubeconfig_tls
    )
    helm_releases = manager.informer_for(HelmReleaseReconciler)
    dependencies = dependency_gate(manager, kube, settings, helm_releases, HelmReleaseReconciler,
                                   no_cross_namespace_refs=options.no_cross_namespace_refs)  # fmt: skip
    reconciler = HelmReleaseReconciler(
        kube,
        sources=sources,
        helm=Helm(helm_binary(options)),
        dependencies=dependencies,
        requeue_dependency=settings.requeue_dependency,
        gates=settings.feature_gates,
        clusters=clusters,
    )
    controller = manager.add_controller(
        "helmrelease", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    reconciler.recorder = controller.recorder
    helm_releases.add_index(CHART_INDEX, chart_index)
    helm_releases.add_index(VALUES_INDEX, values_refs)

    def enqueue_all(hrs: list[Manifest]) -> None:
        for hr in hrs:
            controller.enqueue(hr["metadata"].get("namespace"), hr["metadata"]["name"])

    def on_new_artifact(key: SourceKey) -> None:
        enqueue_all(helm_releases.by_index(CHART_INDEX, "/".join(key)))

    def on_values(change: Change, old: Manifest | None, new: Manifest) -> None:
        if old is not None and change is Change.UPDATED and old.get("data") == new.get("data"):
            return
        key = f"{new['kind']}/{new['metadata'].get('namespace') or ''}/{new['metadata']['name']}"
        enqueue_all(helm_releases.by_index(VALUES_INDEX, key))

    for kind in ("ConfigMap", "Secret"):
        scope = Scope(api_version="v1", kind=kind, namespace=settings.watch_namespace, label_selector=WATCH_LABEL)
        manager.cache.informer(kube, scope).add_handler(on_values)
    sources.on_new_artifact(on_new_artifact)
    wake_dependents(dependencies, helm_releases, controller)
    manager.add_service("helm-clusters", clusters.run)
