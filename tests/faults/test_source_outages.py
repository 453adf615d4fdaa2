"""Faults at the sources: a git server, a registry or an S3 server down and back, and a full artifact store.

In each, the last good artifact stays served byte for byte, Ready says what is wrong, and the source
recovers on the next trigger without a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from tests.controllers.source.buckets import bucket, create_keys, flux_revision
from tests.controllers.source.buckets import ref as bucket_ref
from tests.controllers.source.gitrepositories import fetch, git_repository
from tests.controllers.source.gitrepositories import ref as git_ref
from tests.controllers.source.ocirepositories import oci_repository, push_configmap
from tests.controllers.source.ocirepositories import ref as oci_ref
from tests.controllers.sourcewatcher.generators import until
from tests.gitservers import GitHttpServer, Repo, free_port, serve_git_http
from tests.managers import StartControllers
from tests.registries import Registry, serve_registry
from tests.s3server import PORTS, S3Server, free_ports, seaweedfs

T = TypeVar("T")

pytestmark = pytest.mark.faults


def stored(revision: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        ready = condition(obj, "Ready") or {}
        artifact = ((obj or {}).get("status") or {}).get("artifact") or {}
        return ready.get("status") == "True" and artifact.get("revision") == revision

    return check


def failing(obj: Manifest | None) -> bool:
    return (condition(obj, "Ready") or {}).get("status") == "False"


async def trigger(kube: Kube, target: ObjectRef, token: str) -> None:
    await kube.patch(target, {"metadata": {"annotations": {REQUESTED_AT: token}}})


async def served_digest(obj: Manifest) -> str:
    """The sha256 of what the artifact URL serves, as `sha256:<hex>`."""
    return f"sha256:{hashlib.sha256(await fetch(obj['status']['artifact']['url'])).hexdigest()}"


@asynccontextmanager
async def in_thread(serving: AbstractContextManager[T]) -> AsyncIterator[T]:
    """A blocking server's context (start, stop) entered off the event loop the controllers run on."""
    value = await asyncio.to_thread(serving.__enter__)
    try:
        yield value
    finally:
        await asyncio.to_thread(serving.__exit__, None, None, None)


@dataclass(frozen=True, slots=True)
class Outage:
    """One source object and the server it reads, as a fault test drives them.

    `serve` starts the server (the same address each time); `create` makes the object and returns the
    revision it should store; `change` updates the server's content and returns the next revision."""

    target: ObjectRef
    serve: Callable[[], AbstractAsyncContextManager[object]]
    create: Callable[[], Awaitable[str]]
    change: Callable[[], Awaitable[str]]
    reason: str
    address: str


async def down_and_back(kube: Kube, start_controllers: StartControllers, outage: Outage) -> None:
    """Up: the first artifact. Down: Ready=False with the reason, the last artifact still served. Back: the next."""
    async with outage.serve():
        await start_controllers("source")
        good = await until(kube, outage.target, stored(await outage.create()))
        second = await outage.change()

    await trigger(kube, outage.target, "while-down")
    down = await until(kube, outage.target, failing)

    ready = condition(down, "Ready")
    assert ready is not None
    assert ready["reason"] == outage.reason
    assert outage.address in ready["message"]
    assert down["status"]["artifact"] == good["status"]["artifact"]
    assert await served_digest(down) == good["status"]["artifact"]["digest"]

    async with outage.serve():
        await trigger(kube, outage.target, "back-up")
        back = await until(kube, outage.target, stored(second))
    assert await served_digest(back) == back["status"]["artifact"]["digest"]


async def test_a_git_server_down_keeps_the_last_artifact_and_the_next_trigger_recovers(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_root: Path, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    server = GitHttpServer(root=git_root)

    async def create() -> str:
        first = f"main@sha1:{repo.commit({'a.txt': 'one'}, 'one')}"
        await kube.create(git_repository(namespace, "app", server.url(repo.bare.name), ref={"branch": "main"}))
        return first

    async def change() -> str:
        return f"main@sha1:{repo.commit({'a.txt': 'two'}, 'two')}"

    outage = Outage(git_ref(namespace, "app"), lambda: serve_git_http(server), create, change,
                    "GitOperationFailed", "127.0.0.1")  # fmt: skip
    await down_and_back(kube, start_controllers, outage)


async def test_a_registry_down_keeps_the_last_artifact_and_the_next_trigger_recovers(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    port = free_port()

    def serve() -> AbstractAsyncContextManager[Registry]:
        return in_thread(serve_registry(tmp_path / "registry", port=port))

    registry = Registry(host=f"127.0.0.1:{port}", tls=False)

    async def create() -> str:
        pushed = await push_configmap(registry, "app", "latest", "one", tmp_path / "push")
        await kube.create(oci_repository(namespace, "app", registry.oci_url("app"), insecure=True))
        return f"latest@{pushed.digest}"

    async def change() -> str:
        pushed = await push_configmap(registry, "app", "latest", "two", tmp_path / "push")
        return f"latest@{pushed.digest}"

    outage = Outage(oci_ref(namespace, "app"), serve, create, change, "OCIArtifactPullFailed", registry.host)
    await down_and_back(kube, start_controllers, outage)


async def test_an_s3_server_down_keeps_the_last_artifact_and_the_next_trigger_recovers(
    kube: Kube, namespace: str, start_controllers: StartControllers, tmp_path: Path
) -> None:
    ports = dict(zip(PORTS, free_ports(len(PORTS)), strict=True))
    server = S3Server(f"127.0.0.1:{ports['s3']}", ports)

    def serve() -> AbstractAsyncContextManager[S3Server]:
        return in_thread(seaweedfs(tmp_path, ports))

    async def create() -> str:
        await asyncio.to_thread(server.create_bucket, "app", {"a.yaml": b"one"})
        await create_keys(kube, namespace)
        await kube.create(bucket(namespace, "app", server, "app", secretRef={"name": "s3-keys"}))
        return await asyncio.to_thread(flux_revision, server, "app")

    async def change() -> str:
        await asyncio.to_thread(server.put, "app", "a.yaml", b"two")
        return await asyncio.to_thread(flux_revision, server, "app")

    outage = Outage(bucket_ref(namespace, "app"), serve, create, change, "BucketOperationFailed", server.endpoint)
    await down_and_back(kube, start_controllers, outage)


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.is_file())


def resize(mountpoint: Path, size: str) -> None:
    subprocess.run(["mount", "-o", f"remount,size={size}", str(mountpoint)], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 512 KiB tmpfs where the controllers keep their artifacts (the `start_controllers` storage path)."""
    if os.geteuid() != 0:
        pytest.fail("this test mounts a small tmpfs to fill the artifact store: run it as root (CI does)")
    mountpoint = tmp_path / "artifacts"
    mountpoint.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(mountpoint)], check=True)
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=True)


async def test_a_full_artifact_store_keeps_the_last_artifact_and_recovers_when_space_returns(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_http: GitHttpServer,
    make_repo: Callable[[], Repo], small_disk: Path,
) -> None:  # fmt: skip
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'small.txt': 'fits'}, 'small')}"
    server = GitHttpServer(root=git_http.root)
    async with serve_git_http(server):
        await start_controllers("source")
        await kube.create(git_repository(namespace, "app", server.url(repo.bare.name), ref={"branch": "main"}))
        good = await until(kube, git_ref(namespace, "app"), stored(first))
        # Random bytes do not compress: the tarball of this commit cannot fit in what is left.
        second = f"main@sha1:{repo.commit({'big.bin': os.urandom(700 * 1024)}, 'big')}"

        await trigger(kube, git_ref(namespace, "app"), "full")
        full = await until(kube, git_ref(namespace, "app"), failing)

        ready = condition(full, "Ready")
        assert ready is not None
        assert "No space left on device" in ready["message"]
        assert full["status"]["artifact"] == good["status"]["artifact"]
        assert await served_digest(full) == good["status"]["artifact"]["digest"]
        leftovers = await asyncio.to_thread(files_in, small_disk)
        assert all(not name.startswith(".tmp") for name in leftovers), leftovers

        await asyncio.to_thread(resize, small_disk, "16m")
        await trigger(kube, git_ref(namespace, "app"), "space-again")
        back = await until(kube, git_ref(namespace, "app"), stored(second))
    assert await served_digest(back) == back["status"]["artifact"]["digest"]
