"""Every controller in one process (`reflow controllers --all`) reads one informer cache: each kind is watched once."""

from __future__ import annotations

import asyncio

from reflow.controllers import registry
from tests.managers import StartControllers


async def test_all_controllers_in_one_process_watch_git_repositories_once(start_controllers: StartControllers) -> None:
    manager = await start_controllers(*registry.available())
    kinds = [key.scope.kind for key in manager.cache.informer_keys()]
    assert kinds.count("GitRepository") == 1
    assert kinds.count("ExternalArtifact") == 1
    assert sorted(kinds) == [
        "Alert",
        "ArtifactGenerator",
        "Bucket",
        "ConfigMap",  # the helm controller's watched values (reconcile.fluxcd.io/watch=Enabled)
        "ExternalArtifact",
        "GitRepository",
        "HelmChart",
        "HelmRelease",
        "HelmRepository",
        "ImagePolicy",
        "ImageRepository",
        "ImageUpdateAutomation",
        "Kustomization",
        "OCIRepository",
        "Provider",
        "Receiver",
        "Secret",
    ]
    git_repositories = next(c for c in manager.controllers if c.reconciler.kind == "GitRepository")
    assert manager.cache.informer(manager.kube, git_repositories.informer.scope) is git_repositories.informer
    async with asyncio.timeout(30):
        for key in manager.cache.informer_keys():
            await manager.cache.informer(manager.kube, key.scope).wait_synced()
    assert manager.ready()
