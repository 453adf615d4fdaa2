"""A dynamic watch wakes a waiting reconcile when the watched object changes."""

from __future__ import annotations

import time

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.manifests import deployment

from .conftest import StartManager
from .widget import API_VERSION, deployment_available, widget


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
