"""Session fixtures: one real local control plane per test run, a namespace per test, private planes on demand."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane, PlaneError
from reflow.kube.client import Kube, connect
from reflow.kube.errors import NotFound
from reflow.kube.options import ConnectionOptions
from tests.manifests import install_crds

pytest_plugins = [
    "tests.fixtures_git",
    "tests.fixtures_controllers",
    "tests.fixtures_registry",
    "tests.fixtures_sources",
]


def _start(plane: LocalPlane, **options: Any) -> LocalPlane:
    try:
        plane.up(nodes=1, audit=True, **options)
    except PlaneError as error:
        plane.down()
        pytest.fail(f"the local control plane could not start: {error}", pytrace=False)
    return plane


@pytest.fixture(scope="session")
def plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlane]:
    """The session's control plane: etcd, kube-apiserver, controller-manager, scheduler, kwok, one node."""
    started = _start(LocalPlane.for_tests(tmp_path_factory.mktemp("kwok")))
    yield started
    started.down()


@pytest.fixture(scope="session")
def kubeconfig(plane: LocalPlane) -> Path:
    """The admin kubeconfig of the session's plane."""
    return plane.kubeconfig


@pytest.fixture(scope="session")
async def kube(kubeconfig: Path) -> AsyncIterator[Kube]:
    """An admin client of the session's plane."""
    async with connect(ConnectionOptions(kubeconfig=str(kubeconfig), user_agent="reflow-tests")) as client:
        yield client


@pytest.fixture
async def counted(kubeconfig: Path) -> AsyncIterator[tuple[Kube, str]]:
    """A client with its own user agent, so the audit log tells which requests it sent (`tests.audit`)."""
    agent = f"reflow-counted-{secrets.token_hex(4)}"
    async with connect(ConnectionOptions(kubeconfig=str(kubeconfig), user_agent=agent)) as client:
        yield client, agent


@contextlib.asynccontextmanager
async def _fresh_namespace(kube: Kube) -> AsyncIterator[str]:
    name = f"t-{secrets.token_hex(4)}"
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    with contextlib.suppress(NotFound):
        await kube.delete(ObjectRef("v1", "Namespace", name))


@pytest.fixture
async def namespace(kube: Kube) -> AsyncIterator[str]:
    """A fresh namespace for one test, deleted afterwards."""
    async with _fresh_namespace(kube) as name:
        yield name


@pytest.fixture
async def other_namespace(kube: Kube) -> AsyncIterator[str]:
    """A second fresh namespace, for tests that cross namespaces; deleted afterwards."""
    async with _fresh_namespace(kube) as name:
        yield name


@pytest.fixture(scope="session")
async def flux_crds(kube: Kube) -> list[Manifest]:
    """Every reflow CRD applied to the session's plane and Established; they stay for the whole session."""
    return await install_crds(kube)


@pytest.fixture
def private_plane(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LocalPlane]]:
    """Start extra planes for tests that disrupt one (restarts, CRD removal, a remote cluster).

    Keyword arguments go to `LocalPlane.up` (such as extra kube-apiserver flags).
    """
    started: list[LocalPlane] = []

    def start(**options: Any) -> LocalPlane:
        plane = _start(LocalPlane.for_tests(tmp_path_factory.mktemp("kwok-private"), purpose="private"), **options)
        started.append(plane)
        return plane

    yield start
    for plane in started:
        plane.down()
