"""Dynamic watches are shared by reference count and wake a waiting reconcile when the watched object changes."""

from __future__ import annotations

import time

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from reflow.runtime.watches import DynamicWatches
from tests.manifests import deployment

from .conftest import StartManager
from .widget import API_VERSION, deployment_available, widget


async def test_watches_on_one_kind_share_one_informer_until_the_last_user_leaves(kube: Kube, namespace: str) -> None:
    async with DynamicWatches() as watches:
        async with watches.watching(kube, "v1", "ConfigMap", namespace) as first:
            async with watches.watching(kube, "v1", "ConfigMap", namespace) as second:
                assert first is second
                assert watches.active == 1
            assert watches.active == 1
        assert watches.active == 0
        admin_as_someone = kube.impersonating("someone", ("system:masters",))
        async with (
            watches.watching(admin_as_someone, "v1", "ConfigMap", namespace),
            watches.watching(kube, "v1", "ConfigMap", namespace),
        ):
            assert watches.active == 2


async def test_a_deployment_becoming_available_wakes_the_waiting_reconcile(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "waiter", deployment="web"))
    await wait_for(
        kube,
        ObjectRef(API_VERSION, "Widget", "waiter", namespace),
        lambda o: "deployment" in str(((o or {}).get("status") or {}).get("conditions")),
        timeout=30,
        what="waiting for the deployment",
    )
    await kube.apply(deployment(namespace, "web"), field_manager="reflow-tests")
    available = await wait_for(
        kube, ObjectRef("apps/v1", "Deployment", "web", namespace), deployment_available, timeout=60, what="Available"
    )
    seen_available = time.monotonic()
    done = await wait_for(
        kube,
        ObjectRef(API_VERSION, "Widget", "waiter", namespace),
        lambda o: any(
            c["type"] == "Ready" and c["status"] == "True"
            for c in ((o or {}).get("status") or {}).get("conditions") or []
        ),
        timeout=30,
        what="Ready",
    )
    woke_after = time.monotonic() - seen_available
    assert available is not None
    assert done is not None
    assert reconciler.runs["waiter"] == 1
    print(f"reconcile finished {woke_after:.3f}s after the test saw the Deployment Available")
