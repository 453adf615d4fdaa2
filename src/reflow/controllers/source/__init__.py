"""The source controller: Git (and later OCI, Bucket, Helm) sources turned into artifacts served over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from reflow.controllers.options import ControllerOptions
from reflow.controllers.source.gitrepository import GitRepositoryReconciler
from reflow.engines.artifact import Storage, advertised_address, serve_artifacts
from reflow.kube.client import Kube
from reflow.runtime.controller import Controller
from reflow.runtime.manager import Manager
from reflow.runtime.servers import split_address
from reflow.runtime.settings import RuntimeSettings

COMPONENT = "source-controller"
DEFAULT_CONCURRENCY = 2
"""Flux's source-controller runs two workers per kind."""


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Add the GitRepository controller and the artifact server to the manager."""
    storage_settings = options.storage
    storage_settings.storage_path.mkdir(parents=True, exist_ok=True)
    storage_ready = asyncio.Event()
    reconciler = GitRepositoryReconciler(
        kube,
        Storage(storage_settings.storage_path, advertised_address(storage_settings)),
        storage_ready,
        ttl=storage_settings.artifact_retention_ttl,
        records=storage_settings.artifact_retention_records,
    )

    async def serve() -> None:
        host, port = split_address(storage_settings.storage_addr)
        async with serve_artifacts(storage_settings.storage_path, host=host, port=port) as server:
            address = advertised_address(storage_settings, server.port)
            reconciler.storage = Storage(storage_settings.storage_path, address)
            storage_ready.set()
            await asyncio.Event().wait()

    manager.add_service("artifact-server", serve)
    worker_settings = replace(settings, concurrent=options.concurrent or DEFAULT_CONCURRENCY)
    manager.add(
        Controller("gitrepository", kube, reconciler, worker_settings, metrics=manager.metrics, component=COMPONENT)
    )
