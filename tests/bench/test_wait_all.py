"""The bench's wait for many objects with `reached`: each counts once it has held, on the real plane."""

from __future__ import annotations

import asyncio

from bench.cluster import wait_all

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube


def config_map(name: str, namespace: str, value: str) -> Manifest:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace},
            "data": {"value": value}}  # fmt: skip


def marked(obj: Manifest) -> bool:
    return (obj.get("data") or {}).get("value") == "marked"


async def set_value(kube: Kube, namespace: str, name: str, value: str) -> None:
    await kube.patch(ObjectRef("v1", "ConfigMap", name, namespace), {"data": {"value": value}})


async def test_reached_counts_each_object_that_held_once_though_never_all_at_one_moment(
    kube: Kube, namespace: str
) -> None:
    for name in ("a", "b"):
        await kube.create(config_map(name, namespace, "plain"))
    reached: set[str] = set()
    a_seen = asyncio.Event()

    def seen(obj: Manifest) -> bool:
        if marked(obj) and obj["metadata"]["name"] == "a":
            a_seen.set()
        return marked(obj)

    waiting = asyncio.create_task(
        wait_all(kube, "v1", "ConfigMap", namespace, seen, count=2, timeout=60, reached=reached)
    )
    await set_value(kube, namespace, "a", "marked")
    await asyncio.wait_for(a_seen.wait(), 30)
    await set_value(kube, namespace, "a", "plain")
    await set_value(kube, namespace, "b", "marked")
    await waiting
    assert reached == {"a", "b"}
