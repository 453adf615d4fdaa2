"""Two managers: exactly one leads; when it stops, the other takes over within the lease duration."""

from __future__ import annotations

import asyncio

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube

from .conftest import StartManager
from .test_controller import wait_ready
from .widget import widget


async def test_exactly_one_manager_leads_and_hands_over_when_it_stops(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    election = {"enable_leader_election": True, "lease_duration": 5.0, "renew_deadline": 4.0, "retry_period": 0.5}
    first, _, first_reconciler = await start_manager(**election)
    second, _, second_reconciler = await start_manager(**election)
    await asyncio.wait_for(first.wait_leading("widget"), timeout=15)
    lease = await kube.get(ObjectRef("coordination.k8s.io/v1", "Lease", "widget-leader-election", namespace))
    assert second.leading == set()
    assert lease["spec"]["holderIdentity"]

    await kube.create(widget(namespace, "before"))
    await wait_ready(kube, namespace, "before")
    assert (first_reconciler.runs["before"], second_reconciler.runs["before"]) == (1, 0)
    first.stop()
    await asyncio.wait_for(second.wait_leading("widget"), timeout=5.0)
    assert first.leading == set()
    after = await kube.get(ObjectRef("coordination.k8s.io/v1", "Lease", "widget-leader-election", namespace))
    assert after["spec"]["holderIdentity"] != lease["spec"]["holderIdentity"]
    assert after["spec"]["leaseTransitions"] == lease["spec"]["leaseTransitions"] + 1
    await kube.create(widget(namespace, "after"))
    await wait_ready(kube, namespace, "after")
    assert (first_reconciler.runs["after"], second_reconciler.runs["after"]) == (0, 1)
