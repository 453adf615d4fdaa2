"""The client against a real API server: each failure as its error class, and the REST mapper's mappings."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
import yaml

from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.discovery import Resource
from reflow.kube.errors import AlreadyExists, Conflict, Forbidden, Gone, NotFound, Unreachable
from reflow.kube.options import ConnectionOptions
from tests.manifests import config_map

FIELD_MANAGER = "reflow-tests"


def closed_loopback_port() -> int:
    """A loopback port nothing listens on: bound to learn a free number, then closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def compact_history(plane: LocalPlane) -> int:
    """Compact the plane's etcd, physically, to its current revision through etcd's HTTP gateway; that revision."""
    config = next(
        doc
        for doc in yaml.safe_load_all((plane.cluster_dir / "kwok.yaml").read_text())
        if doc and doc.get("kind") == "KwokctlConfiguration"
    )
    etcd = f"http://127.0.0.1:{config['options']['etcdPort']}/v3/kv"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{etcd}/range", json={"key": "AA=="}
        ) as answer:  # any key: the header says the revision
            revision = int((await answer.json())["header"]["revision"])
        async with session.post(f"{etcd}/compaction", json={"revision": revision, "physical": True}) as answer:
            assert answer.status == 200, await answer.text()
    return revision


async def test_creating_an_existing_object_is_already_exists_a_conflict(kube: Kube, namespace: str) -> None:
    await kube.create(config_map(namespace, "cm", {"a": "1"}))
    with pytest.raises(AlreadyExists) as raised:
        await kube.create(config_map(namespace, "cm", {"a": "2"}))
    assert isinstance(raised.value, Conflict)
    assert (raised.value.status, raised.value.reason) == (409, "AlreadyExists")
    assert raised.value.details["name"] == "cm"


async def test_replacing_with_a_stale_resource_version_is_a_conflict_and_writes_nothing(
    kube: Kube, namespace: str
) -> None:
    first = await kube.create(config_map(namespace, "cm", {"a": "1"}))
    await kube.replace({**first, "data": {"a": "2"}})
    with pytest.raises(Conflict) as raised:
        await kube.replace({**first, "data": {"a": "3"}})
    assert not isinstance(raised.value, AlreadyExists)
    assert (raised.value.status, raised.value.reason) == (409, "Conflict")
    assert "the object has been modified" in raised.value.message
    assert (await kube.get(ObjectRef.of(first)))["data"] == {"a": "2"}


async def test_getting_a_missing_object_is_not_found(kube: Kube, namespace: str) -> None:
    with pytest.raises(NotFound) as raised:
        await kube.get(ObjectRef("v1", "ConfigMap", "ghost", namespace))
    assert (raised.value.status, raised.value.reason) == (404, "NotFound")
    assert raised.value.message == 'configmaps "ghost" not found'


async def test_a_user_without_rights_is_forbidden(kube: Kube, namespace: str) -> None:
    nobody = kube.impersonating("no-rights")
    with pytest.raises(Forbidden) as raised:
        await nobody.list("v1", "ConfigMap", namespace)
    assert (raised.value.status, raised.value.reason) == (403, "Forbidden")
    assert f'User "no-rights" cannot list resource "configmaps" in API group "" in the namespace "{namespace}"' in (
        raised.value.message
    )


async def test_a_closed_port_is_unreachable_for_requests_and_watches(kubeconfig: Path) -> None:
    server = f"https://127.0.0.1:{closed_loopback_port()}"
    options = ConnectionOptions(kubeconfig=str(kubeconfig), server=server, request_timeout=5)
    async with connect(options) as nowhere:
        with pytest.raises(Unreachable, match=f"cannot reach the API server at {server}"):
            await nowhere.get(ObjectRef("v1", "Namespace", "default"))
        with pytest.raises(Unreachable, match=f"cannot reach the API server at {server}"):
            await nowhere.list("v1", "ConfigMap")


@pytest.mark.parametrize(
    ("api_version", "kind", "expected"),
    [
        pytest.param("v1", "ConfigMap", Resource("v1", "ConfigMap", "configmaps", True), id="core-namespaced"),
        pytest.param("v1", "Namespace", Resource("v1", "Namespace", "namespaces", False), id="core-cluster"),
        pytest.param(
            "apps/v1", "Deployment", Resource("apps/v1", "Deployment", "deployments", True), id="group-namespaced"
        ),
        pytest.param(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            Resource("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles", False),
            id="group-cluster",
        ),
    ],
)
async def test_rest_mapper_maps_built_in_kinds(kube: Kube, api_version: str, kind: str, expected: Resource) -> None:
    assert await kube.resource(api_version, kind) == expected


async def test_rest_mapper_maps_a_crd_kind(kube: Kube, flux_crds: list[Manifest]) -> None:
    resource = await kube.resource("kustomize.toolkit.fluxcd.io/v1", "Kustomization")
    assert resource == Resource("kustomize.toolkit.fluxcd.io/v1", "Kustomization", "kustomizations", True)
    assert resource.object_path("apps", "n") == "/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/n/kustomizations/apps"


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [
        pytest.param("v1", "Widget", id="unknown-kind-in-core"),
        pytest.param("apps/v1", "Widget", id="unknown-kind-in-a-group"),
        pytest.param("widgets.example.com/v1", "Widget", id="unknown-group"),
    ],
)
async def test_rest_mapper_says_which_kind_is_not_served(kube: Kube, api_version: str, kind: str) -> None:
    with pytest.raises(NotFound, match=f"the server does not serve kind {kind} in {api_version}"):
        await kube.resource(api_version, kind)


async def test_a_watch_from_compacted_history_is_gone(private_plane: Callable[..., LocalPlane]) -> None:
    """Without the watch cache the API server watches etcd itself, which answers a watch from a revision older
    than its last compaction with a 410 Status inside the stream; the client raises that as `Gone`."""
    plane = private_plane(apiserver_flags={"watch-cache": "false"})
    async with connect(ConnectionOptions(kubeconfig=str(plane.kubeconfig), user_agent="reflow-tests")) as kube:
        first = await kube.create(config_map("default", "cm", {"a": "1"}))
        for value in ("2", "3"):
            await kube.patch(ObjectRef.of(first), {"data": {"a": value}})
        old = first["metadata"]["resourceVersion"]
        # The watch starts at the first write after `old`. Compacting exactly there keeps that write's event but not
        # the value before it, which the API server needs (it then sends a 500), so the compaction lies one write later.
        assert int(old) + 1 < await compact_history(plane)
        with pytest.raises(Gone) as raised:
            _ = [event async for event in kube.watch("v1", "ConfigMap", "default", resource_version=old)]
    assert (raised.value.status, raised.value.reason) == (410, "Expired")
    assert raised.value.message == "The resourceVersion for the provided watch is too old."
