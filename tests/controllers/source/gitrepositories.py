"""GitRepositories as source-controller tests make and read them: manifests, credentials, artifacts."""

from __future__ import annotations

import base64
import io
import tarfile
from collections.abc import Callable

import aiohttp

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.fixtures_git import GIT_USERNAME
from tests.gitservers import GitHttpServer

SOURCE = "source.toolkit.fluxcd.io/v1"


def git_repository(namespace: str, name: str, url: str, **spec: object) -> Manifest:
    return {
        "apiVersion": SOURCE,
        "kind": "GitRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": url, "interval": "1h", **spec},
    }


def secret(namespace: str, name: str, data: dict[str, bytes]) -> Manifest:
    encoded = {key: base64.b64encode(value).decode() for key, value in data.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace}, "data": encoded}


async def create_creds(kube: Kube, namespace: str, server: GitHttpServer) -> None:
    """The basic-auth Secret `creds` for the HTTP git server."""
    password = (server.password or "").encode()
    await kube.create(secret(namespace, "creds", {"username": GIT_USERNAME.encode(), "password": password}))


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, "GitRepository", name, namespace)


async def until(kube: Kube, namespace: str, name: str, check: Callable[[Manifest | None], bool]) -> Manifest:
    obj = await wait_for(kube, ref(namespace, name), check, timeout=60, what="as expected")
    assert obj is not None
    return obj


async def fetch(url: str) -> bytes:
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        assert answer.status == 200
        return await answer.read()


def members(tarball: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}  # type: ignore[union-attr]
