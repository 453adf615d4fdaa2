"""Fixtures for HelmRelease tests: charts served from artifact storage through ExternalArtifacts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from reflow.engines.artifact import Storage, serve_artifacts
from reflow.kube.client import Kube
from tests.controllers.helm.charts import ChartArtifacts


@pytest.fixture
async def charts(kube: Kube, namespace: str, tmp_path: Path, flux_crds: object) -> AsyncIterator[ChartArtifacts]:
    """Publish charts as ExternalArtifacts of the test namespace; their files are served on loopback."""
    root = tmp_path / "served"
    root.mkdir()
    async with serve_artifacts(root) as server:
        yield ChartArtifacts(kube, namespace, Storage(root, server.address), tmp_path / "charts")
