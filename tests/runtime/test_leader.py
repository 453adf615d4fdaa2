"""Two managers: exactly one leads; when it stops, the other takes over within the lease duration."""

from __future__ import annotations

import asyncio

from reflow.api.meta import ObjectRef
from reflow.kube.client import Kube

from .widget import StartManager, wait_ready, widget


async def test_exactly_one_manager_leads_and_hands_over_when_it_stops(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    election = {"enable_leader_election": True, "lease_duration": 5.0, "renew_deadline": 4.0, "retry_period": 0.5}
    one = await start_manager(**election)
    two = await start_manager(**election)
    waits = {
        asyncio.ensure_future(m.wait_leading("widget")): (m, r, other) for (m, _, r), other in ((one, two), (two, one))
    }
    done, pending = await asyncio.wait(waits, timeout=15, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    assert len(done) == 1
    leader, leader_reconciler, (follower, _, follower_reconciler) = waits[done.pop()]
    lease = await kube.get(ObjectRef("coordination.k8s.io/v1", "Lease", "widget-leader-election", namespace))
    assert follower.leading == set()
    assert leader.leading == {"widget"}
    assert lease["spec"]["holderIdentity"] == leader.identity

    await kube.create(widget(namespace, "before"))
    await wait_ready(kube, namespace, "before")
    assert (leader_reconciler.runs["before"], follower_reconciler.runs["before"]) == (1, 0)
    leader.stop()
    await asyncio.wait_for(follower.wait_leading("widget"), timeout=5.0)
    assert leader.leading == set()
    after = await kube.get(ObjectRef("coordination.k8s.io/v1", "Lease", "widget-leader-election", namespace))
    assert after["spec"]["holderIdentity"] == follower.identity
    assert after["spec"]["leaseTransitions"] == lease["spec"]["leaseTransitions"] + 1
    await kube.create(widget(namespace, "after"))
    await wait_ready(kube, namespace, "after")
    assert (leader_reconciler.runs["after"], follower_reconciler.runs["after"]) == (0, 1)
