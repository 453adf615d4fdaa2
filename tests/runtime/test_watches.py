"""A dynamic watch wakes a waiting reconcile when the watched object changes."""

from __future__ import annotations

import time

from reflow.api.conditions import condition_true
from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.manifests import available, deployment, ready_is

from .widget import API_VERSION, StartManager, widget


async def test_a_deployment_becoming_available_wakes_the_waiting_reconcile(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "waiter", deployment="web"))
    await wait_for(
        kube,
        ObjectRef(API_VERSION, "Widget", "waiter", namespace),
        ready_is("Unknown", "waiting for the deployment"),
        timeout=30,
        what="waiting for the deployment",
    )
    await kube.apply(deployment(namespace, "web"), field_manager="reflow-tests")
    web = await wait_for(
        kube, ObjectRef("apps/v1", "Deployment", "web", namespace), available, timeout=60, what="Available"
    )
    seen_available = time.monotonic()
    done = await wait_for(
        kube,
        ObjectRef(API_VERSION, "Widget", "waiter", namespace),
        lambda o: condition_true(o, "Ready"),
        timeout=30,
        what="Ready",
    )
    woke_after = time.monotonic() - seen_available
    assert web is not None
    assert done is not None
    assert reconciler.runs["waiter"] == 1
    print(f"reconcile finished {woke_after:.3f}s after the test saw the Deployment Available")
