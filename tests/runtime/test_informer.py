"""Informers keep an indexed cache current through list + watch, scoped and slimmed, and lose no delete."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from reflow.api.meta import Manifest, ObjectRef
from reflow.dev.plane import LocalPlane
from reflow.kube.client import Kube, connect
from reflow.kube.options import ConnectionOptions
from reflow.runtime.informer import Change, Informer, Scope
from tests.manifests import config_map

FIELD_MANAGER = "reflow-tests"


async def until(informer: Informer, check: Callable[[], bool], timeout: float = 60) -> None:
    """Wait for the informer's cache to satisfy `check`, woken by its changes."""
    changed = asyncio.Event()

    def on_change(_: Change, __: Manifest | None, ___: Manifest) -> None:
        changed.set()

    informer.add_handler(on_change)
    try:
        async with asyncio.timeout(timeout):
            while not check():
                changed.clear()
                await changed.wait()
    finally:
        informer.remove_handler(on_change)


async def test_cache_follows_creates_updates_and_deletes_with_an_index(kube: Kube, namespace: str) -> None:
    informer = Informer(kube, Scope(api_version="v1", kind="ConfigMap", namespace=namespace))
    informer.add_index("team", lambda obj: [(obj["metadata"].get("labels") or {}).get("team", "")])
    await kube.apply(config_map(namespace, "before", {"key": "before"}, {"team": "a"}), field_manager=FIELD_MANAGER)
    task = asyncio.ensure_future(informer.run())
    try:
        await informer.wait_synced()
        assert [o["metadata"]["name"] for o in informer.by_index("team", "a")] == ["before"]
        await kube.apply(config_map(namespace, "after", {"key": "after"}, {"team": "a"}), field_manager=FIELD_MANAGER)
        await kube.apply(config_map(namespace, "before", {"key": "before"}, {"team": "b"}), field_manager=FIELD_MANAGER)
        await until(informer, lambda: [o["metadata"]["name"] for o in informer.by_index("team", "a")] == ["after"])
        await kube.delete(ObjectRef("v1", "ConfigMap", "after", namespace))
        await until(informer, lambda: informer.get(namespace, "after") is None)
        assert informer.by_index("team", "a") == []
        cached = informer.get(namespace, "before")
        assert cached is not None
        assert "managedFields" not in cached["metadata"]
        assert cached["data"] == {"key": "before"}
    finally:
        task.cancel()


async def test_label_selector_and_metadata_only_scope_the_cache(kube: Kube, namespace: str) -> None:
    await kube.apply(
        config_map(namespace, "mine", {"key": "mine"}, {"sharding.fluxcd.io/key": "shard1"}),
        field_manager=FIELD_MANAGER,
    )
    await kube.apply(config_map(namespace, "other", {"key": "other"}), field_manager=FIELD_MANAGER)
    scope = Scope(
        api_version="v1",
        kind="ConfigMap",
        namespace=namespace,
        label_selector="sharding.fluxcd.io/key=shard1",
        metadata_only=True,
    )
    informer = Informer(kube, scope)
    task = asyncio.ensure_future(informer.run())
    try:
        await informer.wait_synced()
        cached = informer.items()
        assert [o["metadata"]["name"] for o in cached] == ["mine"]
        assert "data" not in cached[0]
        assert cached[0]["kind"] == "ConfigMap"
    finally:
        task.cancel()


async def test_informer_resumes_after_an_api_server_restart_and_sees_a_delete_made_meanwhile(
    private_plane: Callable[[], LocalPlane],
) -> None:
    plane = private_plane()
    async with connect(ConnectionOptions(kubeconfig=str(plane.kubeconfig))) as kube:
        for name in ("kept", "doomed"):
            await kube.apply(config_map("default", name, {"key": name}), field_manager=FIELD_MANAGER)
        informer = Informer(kube, Scope(api_version="v1", kind="ConfigMap", namespace="default"))
        task = asyncio.ensure_future(informer.run())
        try:
            await informer.wait_synced()
            assert informer.get("default", "doomed") is not None
            await asyncio.to_thread(plane.stop)
            await asyncio.to_thread(plane.start)
            await kube.delete(ObjectRef("v1", "ConfigMap", "doomed", "default"))
            await kube.apply(config_map("default", "born", {"key": "born"}), field_manager=FIELD_MANAGER)
            await until(
                informer,
                lambda: informer.get("default", "doomed") is None and informer.get("default", "born") is not None,
            )
            assert informer.get("default", "kept") is not None
            assert informer.relists >= 2
        finally:
            task.cancel()
