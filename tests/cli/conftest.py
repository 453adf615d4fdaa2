"""CLI fixtures: reflow's CRDs installed into the session plane, a runner for the command, object factories."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reflow.api.meta import Manifest, ObjectRef
from reflow.cli.main import cli
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound, TooManyRequests
from reflow.kube.wait import wait_for
from tests.controllers.conftest import start_controllers  # noqa: F401  (reflow's controllers, in-process)
from tests.manifests import established

FIELD_MANAGER = "reflow-tests"
TESTDATA = Path(__file__).parent / "testdata"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one run of the command printed and how it exited."""

    code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
async def crds(kube: Kube) -> None:
    """reflow's CRDs, server-side applied and Established; left installed for the rest of the session."""
    for path in sorted(resources.files("reflow.api").joinpath("crds").iterdir(), key=lambda p: p.name):
        if path.name.endswith(".yaml"):
            crd = yaml.safe_load(path.read_text())
            await kube.apply(crd, field_manager=FIELD_MANAGER, force=True)
            ref = ObjectRef("apiextensions.k8s.io/v1", "CustomResourceDefinition", crd["metadata"]["name"])
            await wait_for(kube, ref, established, timeout=60, what="Established")
            await _listable(kube, crd)


async def _listable(kube: Kube, crd: Manifest) -> None:
    """Wait until discovery serves a new CRD and its watch cache stops answering 429 "storage is (re)initializing"."""
    version = crd["spec"]["versions"][0]["name"]
    api_version = f"{crd['spec']['group']}/{version}"
    async with asyncio.timeout(60):
        while True:
            try:
                await kube.list(api_version, crd["spec"]["names"]["kind"], limit=1)
                return
            except (TooManyRequests, NotFound):
                await asyncio.sleep(0.2)


Reflow = Callable[..., Awaitable[Outcome]]


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


ObjectFactory = Callable[..., Awaitable[Manifest]]


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


def ready_condition(status: str = "True", message: str = "ok", reason: str = "Succeeded") -> Manifest:
    return {
        "type": "Ready",
        "status": status,
        "reason": reason,
        "message": message,
        "lastTransitionTime": "2026-01-01T00:00:00Z",
    }


def git_repository(name: str, *, url: str = "https://example.invalid/repo", suspend: bool = False) -> Manifest:
    spec: Manifest = {"url": url, "interval": "1m0s", "ref": {"branch": "main"}}
    if suspend:
        spec["suspend"] = True
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "GitRepository",
        "metadata": {"name": name},
        "spec": spec,
    }


def kustomization(name: str, source: str = "repo", *, path: str = "./") -> Manifest:
    return {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "metadata": {"name": name},
        "spec": {
            "interval": "10m0s",
            "path": path,
            "prune": True,
            "sourceRef": {"kind": "GitRepository", "name": source},
        },
    }


def artifact(revision: str, size: int = 1024) -> Manifest:
    return {
        "path": "gitrepository/x/y/abc.tar.gz",
        "url": "http://source-controller/abc.tar.gz",
        "revision": revision,
        "digest": "sha256:" + "0" * 64,
        "lastUpdateTime": "2026-01-01T00:00:00Z",
        "size": size,
    }


def lines(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]


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
