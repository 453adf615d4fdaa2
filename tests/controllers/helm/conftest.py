"""Fixtures for HelmRelease tests: charts served from artifact storage through ExternalArtifacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from reflow.engines.artifact import Storage, serve_artifacts
from reflow.kube.client import Kube
from reflow.runtime.features import DEFAULT_GATES, FeatureGates
from reflow.runtime.manager import Manager
from tests.controllers.helm.charts import ChartArtifacts, Notifications
from tests.managers import StartControllers

WITH_EXTERNAL_ARTIFACTS = FeatureGates.parse("ExternalArtifact=true", DEFAULT_GATES)


@pytest.fixture
def start_controllers(start_controllers: StartControllers) -> StartControllers:
    """The charts here are ExternalArtifacts: the controllers start with that gate on unless a test says otherwise."""

    async def start(*names: str, **overrides: Any) -> Manager:
        overrides.setdefault("feature_gates", WITH_EXTERNAL_ARTIFACTS)
        return await start_controllers(*names, **overrides)

    return start


@pytest.fixture
async def charts(kube: Kube, namespace: str, tmp_path: Path, flux_crds: object) -> AsyncIterator[ChartArtifacts]:
    """Publish charts as ExternalArtifacts of the test namespace; their files are served on loopback."""
    root = tmp_path / "served"
    root.mkdir()
    async with serve_artifacts(root) as server:
        yield ChartArtifacts(kube, namespace, Storage(root, server.address), tmp_path / "charts")


@pytest.fixture
async def notifications() -> AsyncIterator[Notifications]:
    """A stand-in for the notification controller's event endpoint: pass `events_addr=notifications.url`."""
    received = Notifications(url="")

    async def collect(request: web.Request) -> web.Response:
        received.bodies.append(await request.json())
        received.arrived.set()
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/", collect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    received.url = f"http://127.0.0.1:{runner.addresses[0][1]}/"
    try:
        yield received
    finally:
        await runner.cleanup()
