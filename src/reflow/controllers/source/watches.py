"""The source controller's wiring: the GitRepository, OCIRepository, Bucket and HelmRepository controllers, the
artifact server, the include index, the Helm index cache."""

from __future__ import annotations

import asyncio

from reflow.api.meta import Manifest
from reflow.controllers.artifactstorage import served_storage
from reflow.controllers.options import ControllerOptions
from reflow.controllers.source.bucket import BucketReconciler
from reflow.controllers.source.gitrepository import GitRepositoryReconciler
from reflow.controllers.source.helmrepository import HelmRepositoryReconciler
from reflow.controllers.source.ocirepository import OCIRepositoryReconciler
from reflow.engines.artifact import Storage
from reflow.engines.helmrepo import IndexCache
from reflow.kube.client import Kube
from reflow.runtime.informer import Change
from reflow.runtime.manager import Manager
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "source-controller"
INCLUDE_INDEX = "include"
DEFAULT_CONCURRENCY = 2
"""Flux's source-controller runs two workers per kind."""


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the GitRepository, OCIRepository, Bucket and HelmRepository controllers and the artifact server."""
    storage_settings = options.storage
    served = served_storage(manager, storage_settings)
    repositories = manager.informer_for(GitRepositoryReconciler)
    reconciler = GitRepositoryReconciler(
        kube,
        served.storage,
        served.ready,
        ttl=storage_settings.artifact_retention_ttl,
        records=storage_settings.artifact_retention_records,
        lookup=repositories.get,
    )
    buckets = BucketReconciler(
        kube,
        served.storage,
        served.ready,
        ttl=storage_settings.artifact_retention_ttl,
        records=storage_settings.artifact_retention_records,
    )
    oci_repositories = OCIRepositoryReconciler(
        kube,
        served.storage,
        served.ready,
        ttl=storage_settings.artifact_retention_ttl,
        records=storage_settings.artifact_retention_records,
        max_layer_size=options.oci_layer_max_size,
    )
    helm_repositories = setup_helm_repositories(manager, kube, options, served.storage, served.ready)

    def listening(storage: Storage) -> None:
        reconciler.storage = buckets.storage = helm_repositories.storage = oci_repositories.storage = storage

    served.subscribe(listening)
    controller = manager.add_controller(
        "gitrepository", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    manager.add_controller("bucket", buckets, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT)
    manager.add_controller(
        "ocirepository", oci_repositories, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    repositories.add_index(INCLUDE_INDEX, included_by)

    def on_change(change: Change, old: Manifest | None, new: Manifest) -> None:
        if change is Change.DELETED or artifact_of(old) == artifact_of(new):
            return
        key = f"{new['metadata'].get('namespace') or ''}/{new['metadata']['name']}"
        for includer in repositories.by_index(INCLUDE_INDEX, key):
            controller.enqueue(includer["metadata"].get("namespace"), includer["metadata"]["name"])

    repositories.add_handler(on_change)


def setup_helm_repositories(
    manager: Manager, kube: Kube, options: ControllerOptions, storage: Storage, storage_ready: asyncio.Event
) -> HelmRepositoryReconciler:
    """Add the HelmRepository controller and the purge of the Helm index cache it shares with HelmCharts."""
    helm = options.helm
    cache = IndexCache(helm.helm_cache_max_size, helm.helm_cache_ttl)
    reconciler = HelmRepositoryReconciler(
        kube,
        storage,
        storage_ready,
        ttl=options.storage.artifact_retention_ttl,
        records=options.storage.artifact_retention_records,
        cache=cache,
        max_index_size=helm.helm_index_max_size,
    )

    async def purge() -> None:
        while True:
            await asyncio.sleep(helm.helm_cache_purge_interval)
            cache.purge()

    if helm.helm_cache_max_size > 0:
        manager.add_service("helm-index-cache", purge)
    manager.add_controller(
        "helmrepository", reconciler, concurrent=options.concurrent or DEFAULT_CONCURRENCY, component=COMPONENT
    )
    return reconciler


def included_by(repo: Manifest) -> list[str]:
    """`namespace/name` of each GitRepository this one includes."""
    namespace = repo["metadata"].get("namespace") or ""
    return [f"{namespace}/{include['repository']['name']}" for include in (repo.get("spec") or {}).get("include") or []]


def artifact_of(repo: Manifest | None) -> tuple[object, object]:
    """The revision and digest of a GitRepository's artifact."""
    artifact = ((repo or {}).get("status") or {}).get("artifact") or {}
    return artifact.get("revision"), artifact.get("digest")
