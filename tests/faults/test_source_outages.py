"""Faults at the sources: a git server that goes down and comes back, and an artifact store that fills up.

In each, the last good artifact stays served byte for byte, Ready says what is wrong, and the source
recovers on the next trigger without a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from tests.controllers.source.gitrepositories import fetch, git_repository, ref, until
from tests.gitservers import GitHttpServer, Repo, serve_git_http
from tests.managers import StartControllers

pytestmark = pytest.mark.faults


def stored(revision: str) -> Callable[[Manifest | None], bool]:
    def check(obj: Manifest | None) -> bool:
        ready = condition(obj, "Ready") or {}
        artifact = ((obj or {}).get("status") or {}).get("artifact") or {}
        return ready.get("status") == "True" and artifact.get("revision") == revision

    return check


def failing(obj: Manifest | None) -> bool:
    return (condition(obj, "Ready") or {}).get("status") == "False"


async def trigger(kube: Kube, namespace: str, token: str) -> None:
    await kube.patch(ref(namespace, "app"), {"metadata": {"annotations": {REQUESTED_AT: token}}})


async def served_digest(obj: Manifest) -> str:
    """The sha256 of what the artifact URL serves, as `sha256:<hex>`."""
    return f"sha256:{hashlib.sha256(await fetch(obj['status']['artifact']['url'])).hexdigest()}"


async def test_a_git_server_down_keeps_the_last_artifact_and_the_next_trigger_recovers(
    kube: Kube, namespace: str, start_controllers: StartControllers, git_root: Path, make_repo: Callable[[], Repo]
) -> None:
    repo = make_repo()
    first = f"main@sha1:{repo.commit({'a.txt': 'one'}, 'one')}"
    server = GitHttpServer(root=git_root)
    async with serve_git_http(server):
        await start_controllers("source")
        await kube.create(git_repository(namespace, "app", server.url(repo.bare.name), ref={"branch": "main"}))
        good = await until(kube, namespace, "app", stored(first))
    second = f"main@sha1:{repo.commit({'a.txt': 'two'}, 'two')}"

    await trigger(kube, namespace, "while-down")
    down = await until(kube, namespace, "app", failing)

    ready = condition(down, "Ready")
    assert ready is not None
    assert ready["reason"] == "GitOperationFailed"
    assert "127.0.0.1" in ready["message"]
    assert down["status"]["artifact"] == good["status"]["artifact"]
    assert await served_digest(down) == good["status"]["artifact"]["digest"]

    async with serve_git_http(server):
        await trigger(kube, namespace, "back-up")
        back = await until(kube, namespace, "app", stored(second))
    assert await served_digest(back) == back["status"]["artifact"]["digest"]


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
        good = await until(kube, namespace, "app", stored(first))
        # Random bytes do not compress: the tarball of this commit cannot fit in what is left.
        second = f"main@sha1:{repo.commit({'big.bin': os.urandom(700 * 1024)}, 'big')}"

        await trigger(kube, namespace, "full")
        full = await until(kube, namespace, "app", failing)

        ready = condition(full, "Ready")
        assert ready is not None
        assert "No space left on device" in ready["message"]
        assert full["status"]["artifact"] == good["status"]["artifact"]
        assert await served_digest(full) == good["status"]["artifact"]["digest"]
        leftovers = await asyncio.to_thread(files_in, small_disk)
        assert all(not name.startswith(".tmp") for name in leftovers), leftovers

        await asyncio.to_thread(resize, small_disk, "16m")
        await trigger(kube, namespace, "space-again")
        back = await until(kube, namespace, "app", stored(second))
    assert await served_digest(back) == back["status"]["artifact"]["digest"]
