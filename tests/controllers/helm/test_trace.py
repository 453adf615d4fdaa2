"""`reflow trace` from an object a HelmRelease released back to the HelmRelease, through Flux's origin labels."""

from __future__ import annotations

import asyncio
from pathlib import Path

from click.testing import CliRunner

from reflow.cli.main import cli
from reflow.dev.gobuild import binary
from reflow.kube.client import Kube
from tests.controllers.helm.charts import ChartArtifacts, helm_release, ready_with, until
from tests.managers import StartControllers

OPTIONS = {"helm_binary": binary("helm")}


async def test_trace_finds_the_helmrelease_of_a_released_object(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    await charts.publish("app", "0.1.0")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web"))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    argv = ["trace", "web-app", "--kind", "Deployment", "--api-version", "apps/v1",
            "--kubeconfig", str(kubeconfig), "-n", namespace]  # fmt: skip
    result = await asyncio.to_thread(CliRunner().invoke, cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "HelmRelease:    web" in result.stdout
    assert f"Helm install succeeded for release {namespace}/web.v1 with chart app@0.1.0" in result.stdout
    assert "Chart ref:      ExternalArtifact/app" in result.stdout
    assert "ExternalArtifact: app\n" in result.stdout  # the chartRef source's own block
    assert "Revision:       0.1.0\n" in result.stdout


async def test_trace_shows_the_ocirepository_a_chart_ref_names(
    kube: Kube, namespace: str, kubeconfig: Path, start_controllers: StartControllers, charts: ChartArtifacts
) -> None:
    artifact = await charts.publish("app", "0.1.0", kind="OCIRepository")
    await start_controllers("helm", controller_options=OPTIONS)
    await kube.create(helm_release(namespace, "web", chartRef={"kind": "OCIRepository", "name": "app"}))
    await until(kube, namespace, "web", ready_with("InstallSucceeded"))
    argv = ["trace", "web-app", "--kind", "Deployment", "--api-version", "apps/v1",
            "--kubeconfig", str(kubeconfig), "-n", namespace]  # fmt: skip
    result = await asyncio.to_thread(CliRunner().invoke, cli, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert "Chart ref:      OCIRepository/app" in result.stdout
    assert "OCIRepository:  app\n" in result.stdout
    assert "URL:            oci://registry.local/charts/app\n" in result.stdout
    assert f"Revision:       {artifact.revision}\n" in result.stdout
