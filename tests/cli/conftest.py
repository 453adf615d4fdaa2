"""CLI fixtures: reflow's CRDs installed into the session plane, a runner for the command, object factories."""

from __future__ import annotations

import asyncio
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.main import cli
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.cli.objects import ObjectFactory, artifact, git_repository, ready_condition, served
from tests.cli.runner import Outcome, Reflow
from tests.manifests import established

FIELD_MANAGER = "reflow-tests"


@pytest.fixture(scope="session")
async def crds(kube: Kube) -> None:
    """reflow's CRDs, server-side applied and Established; left installed for the rest of the session."""
    for path in sorted(resources.files("reflow.api").joinpath("crds").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".yaml"):
            crd = yaml.safe_load(path.read_text())
            await kube.apply(crd, field_manager=FIELD_MANAGER, force=True)
            ref = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"])
            await wait_for(kube, ref, established, timeout=60, what="Established")
            await served(kube, crd)


@pytest.fixture
def reflow(kubeconfig: Path, namespace: str) -> Reflow:
    """Run `reflow <args>` in-process (in a worker thread) with the plane's kubeconfig and the test namespace."""

    async def invoke(*args: str, stdin: str | None = None, namespaced: bool = True) -> Outcome:
        argv: list[str] = list(args)
        if namespaced:
            argv += ["--kubeconfig", str(kubeconfig), "-n", namespace]
        result = await asyncio.to_thread(CliRunner().invoke, cli, argv, input=stdin, catch_exceptions=False)
        return Outcome(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def make(kube: Kube, namespace: str, crds: None) -> ObjectFactory:
    """Create a Flux object in the test namespace, and optionally write its status through the subresource."""

    async def create(manifest: Manifest, status: Manifest | None = None) -> Manifest:
        manifest = {**manifest, "metadata": {"namespace": namespace, **manifest["metadata"]}}
        live = await kube.create(manifest)
        if status is not None:
            status = {"observedGeneration": live["metadata"].get("generation", 1), **status}
            live = await kube.patch(ObjectRef.of(live), {"status": status}, subresource="status")
        return live

    return create


@pytest.fixture
async def sources(make: ObjectFactory) -> list[Manifest]:
    """Two GitRepositories: `podinfo` Ready at main@sha1:1111, `broken` Ready=False."""
    made = [
        await make(
            git_repository("podinfo"),
            {
                "conditions": [ready_condition(message="stored artifact for revision 'main@sha1:1111'")],
                "artifact": artifact("main@sha1:1111"),
            },
        ),
        await make(
            git_repository("broken", url="https://example.invalid/broken"),
            {
                "conditions": [
                    ready_condition("False", "failed to checkout: authentication required", "GitOperationFailed")
                ]
            },
        ),
    ]
    return made
