"""The Flux objects CLI tests create (GitRepositories, Kustomizations, artifacts, Ready conditions), and their CRDs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound, TooManyRequests

ObjectFactory = Callable[..., Awaitable[Manifest]]
"""The `make` fixture: `await make(manifest, status=None)` creates the object in the test namespace."""


async def served(kube: Kube, crd: Manifest) -> None:
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


def ready_condition(status: str = "True", message: str = "ok", reason: str = "Succeeded") -> Manifest:
    """A Ready condition as Flux's controllers write it."""
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
