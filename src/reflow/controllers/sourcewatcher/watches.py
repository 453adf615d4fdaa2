"""source-watcher's wiring: the ArtifactGenerator controller, the source watches that wake it, and `setup`."""

from __future__ import annotations

from reflow.api.meta import Manifest
from reflow.controllers.artifactstorage import served_storage
from reflow.controllers.options import ControllerOptions
from reflow.controllers.sources import GENERATOR_SOURCE_KINDS, SourceKey, Sources
from reflow.controllers.sourcewatcher.reconciler import ArtifactGeneratorReconciler
from reflow.controllers.sourcewatcher.targets import TargetWatches
from reflow.kube.client import Kube
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "source-watcher"
DEFAULT_CONCURRENCY = 4
SOURCES_INDEX = "sources"
INVENTORY_INDEX = "inventory"


def sources_index(generator: Manifest) -> list[str]:
    """`Kind/namespace/name` of every source the generator reads."""
    own = generator["metadata"].get("namespace") or ""
    return [
        f"{source.get('kind')}/{source.get('namespace') or own}/{source.get('name')}"
        for source in (generator.get("spec") or {}).get("sources") or []
    ]


def inventory_index(generator: Manifest) -> list[str]:
    """`ExternalArtifact/namespace/name` of every ExternalArtifact the generator made."""
    own = generator["metadata"].get("namespace") or ""
    return [
        f"{entry.get('kind')}/{entry.get('namespace') or own}/{entry.get('name')}"
        for entry in (generator.get("status") or {}).get("inventory") or []
    ]


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the ArtifactGenerator controller and its watches of sources and of the ExternalArtifacts it made; share
    (or add) the artifact server."""
    sources = Sources(manager.cache, kube, settings.watch_namespace, GENERATOR_SOURCE_KINDS)
    served = served_storage(manager, options.storage)
    targets = TargetWatches(manager.cache, kube, settings.watch_namespace, sources.observe)
    manager.add_service("generator-targets", targets.run)
    reconciler = ArtifactGeneratorReconciler(
        kube,
        sources=sources,
        targets=targets,
        served=served,
        no_cross_namespace_refs=options.no_cross_namespace_refs,
        default_service_account=options.default_service_account,
        ttl=options.storage.artifact_retention_ttl,
        records=options.storage.artifact_retention_records,
        requeue_dependency=settings.requeue_dependency,
    )
    generators = manager.informer_for(ArtifactGeneratorReconciler)
    controller = manager.add_controller(
        "artifactgenerator", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    generators.add_index(SOURCES_INDEX, sources_index)
    generators.add_index(INVENTORY_INDEX, inventory_index)

    def on_new_artifact(key: SourceKey) -> None:
        """A source moved, or one of the generated ExternalArtifacts was deleted or changed by someone else."""
        wanted = "/".join(key)
        for index in (SOURCES_INDEX, INVENTORY_INDEX):
            for generator in generators.by_index(index, wanted):
                controller.enqueue(generator["metadata"].get("namespace"), generator["metadata"]["name"])

    sources.on_new_artifact(on_new_artifact)
    targets.on_watch_started(lambda generator: controller.enqueue(*generator))
