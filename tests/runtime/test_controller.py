"""The reconcile loop against the real API server: triggers, progress, status, backoff, events, finalizers."""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import condition
from reflow.kube.client import Kube
from reflow.kube.wait import wait_deleted, wait_for, wait_for_items
from reflow.runtime.controller import failing_workers
from tests.manifests import ready_is
from tests.metrics import metrics_until

from .widget import StartManager, ref, wait_ready, widget


async def request_reconcile(kube: Kube, namespace: str, name: str, token: str) -> None:
    await kube.patch(ref(namespace, name), {"metadata": {"annotations": {REQUESTED_AT: token}}})


async def test_a_requested_reconcile_runs_at_once_and_is_recorded(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "w"))
    await wait_ready(kube, namespace, "w", "run 1")

    await request_reconcile(kube, namespace, "w", "token-1")
    handled = await wait_for(
        kube,
        ref(namespace, "w"),
        lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "token-1",
        timeout=30,
        what="handled",
    )
    assert reconciler.runs["w"] == 2
    assert condition(handled, "Ready")["message"] == "widget reconciled (run 2)"  # type: ignore[index]


async def test_an_unchanged_object_is_not_reconciled_again_before_its_interval(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, controller, reconciler = await start_manager()
    await kube.create(widget(namespace, "quiet"))
    await wait_ready(kube, namespace, "quiet")
    await kube.patch(ref(namespace, "quiet"), {"status": {"note": "written by someone else"}}, subresource="status")
    await kube.patch(ref(namespace, "quiet"), {"metadata": {"labels": {"team": "a"}}})

    # A second object's requested reconcile is a barrier: once it is handled, the events above were seen.
    await kube.create(widget(namespace, "barrier"))
    await wait_ready(kube, namespace, "barrier")
    await request_reconcile(kube, namespace, "barrier", "after")
    await wait_for(
        kube,
        ref(namespace, "barrier"),
        lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "after",
        timeout=30,
        what="handled",
    )
    assert reconciler.runs["quiet"] == 1
    pending = controller.queue.pending_delay((namespace, "quiet"))
    assert pending is not None
    assert 3500 < pending <= 3600


async def test_a_spec_change_is_picked_up_from_the_watch(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "w"))
    await wait_ready(kube, namespace, "w")
    await kube.patch(ref(namespace, "w"), {"spec": {"color": "blue"}})
    updated = await wait_for(
        kube,
        ref(namespace, "w"),
        lambda o: (o or {}).get("status", {}).get("observedGeneration") == 2,
        timeout=30,
        what="observed at generation 2",
    )
    assert reconciler.runs["w"] == 2
    assert condition(updated, "Ready")["status"] == "True"  # type: ignore[index]


async def test_progress_is_recorded_while_a_slow_reconcile_runs(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    reconciler.gates["slow"] = asyncio.Event()
    await kube.create(widget(namespace, "slow"))
    working = await wait_for(kube, ref(namespace, "slow"), ready_is("Unknown", "gate"), timeout=30, what="in progress")
    reconciling = condition(working, "Reconciling")
    assert reconciling is not None
    assert (reconciling["status"], reconciling["reason"], reconciling["message"]) == (
        "True",
        "Progressing",
        "waiting at the gate",
    )

    reconciler.gates["slow"].set()
    done = await wait_ready(kube, namespace, "slow")
    assert condition(done, "Reconciling") is None
    assert done["status"]["observedGeneration"] == 1


async def test_failures_back_off_exponentially_and_recover(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, controller, reconciler = await start_manager()
    scheduled: list[tuple[float, str]] = []
    succeeded = asyncio.Event()

    def observe(key: tuple[str, str], delay: float, why: str) -> None:
        if key == (namespace, "flaky"):
            scheduled.append((delay, why))
            if why == "success":
                succeeded.set()

    controller.requeue_observers.append(observe)
    await kube.create(widget(namespace, "flaky", failures=5))
    failing = await wait_for(kube, ref(namespace, "flaky"), ready_is("False"), timeout=30, what="failing")
    assert condition(failing, "Ready")["reason"] == "TestFailure"  # type: ignore[index]

    done = await wait_ready(kube, namespace, "flaky", "run 6")
    await asyncio.wait_for(succeeded.wait(), timeout=30)
    assert [delay for delay, why in scheduled if why == "failed"] == [0.05, 0.1, 0.2, 0.4, 0.4]
    assert scheduled[-1] == (3600, "success")
    assert reconciler.runs["flaky"] == 6
    assert condition(done, "Stalled") is None

    events = await kube.list_all(
        "v1",
        "Event",
        namespace,
    )
    warnings = [e for e in events if e["involvedObject"]["name"] == "flaky" and e["type"] == "Warning"]
    assert warnings
    assert {e["reason"] for e in warnings} == {"TestFailure"}
    assert warnings[0]["source"]["component"] == "widget"


async def test_a_stalled_object_is_not_retried_until_its_spec_changes(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, controller, reconciler = await start_manager()
    await kube.create(widget(namespace, "stuck", stall=True))
    stuck = await wait_for(
        kube,
        ref(namespace, "stuck"),
        lambda o: condition(o, "Stalled") is not None,
        timeout=30,
        what="Stalled",
    )
    assert condition(stuck, "Ready")["status"] == "False"  # type: ignore[index]
    assert condition(stuck, "Stalled")["reason"] == "InvalidSpec"  # type: ignore[index]
    assert controller.queue.pending_delay((namespace, "stuck")) is None

    await kube.patch(ref(namespace, "stuck"), {"spec": {"stall": False}})
    fixed = await wait_ready(kube, namespace, "stuck")
    assert condition(fixed, "Stalled") is None
    assert reconciler.runs["stuck"] == 2


async def test_a_suspended_object_is_left_alone(kube: Kube, namespace: str, start_manager: StartManager) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "paused", suspend=True))
    await kube.create(widget(namespace, "active"))
    await wait_ready(kube, namespace, "active")
    await request_reconcile(kube, namespace, "paused", "ignored")
    await request_reconcile(kube, namespace, "active", "seen")
    await wait_for(
        kube,
        ref(namespace, "active"),
        lambda o: (o or {}).get("status", {}).get("lastHandledReconcileAt") == "seen",
        timeout=30,
        what="handled",
    )
    paused = await kube.get(ref(namespace, "paused"))
    assert reconciler.runs["paused"] == 0
    assert paused["status"] == {"observedGeneration": -1}


async def test_a_waiting_object_reports_the_dependency_without_a_warning(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, controller, _ = await start_manager()
    await kube.create(widget(namespace, "later", waitFor="dependency"))
    waiting = await wait_for(kube, ref(namespace, "later"), ready_is("False"), timeout=30, what="waiting")
    assert condition(waiting, "Ready")["reason"] == "DependencyNotReady"  # type: ignore[index]
    events = await wait_for_items(
        kube,
        "v1",
        "Event",
        namespace,
        lambda items: any(e["involvedObject"]["name"] == "later" for e in items),
        timeout=30,
        what="recorded",
    )
    assert {e["type"] for e in events if e["involvedObject"]["name"] == "later"} == {"Normal"}
    pending = controller.queue.pending_delay((namespace, "later"))
    assert pending is not None
    assert pending > 3500


async def test_finalizer_is_added_and_runs_before_the_object_goes(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    await kube.create(widget(namespace, "doomed"))
    ready = await wait_ready(kube, namespace, "doomed")
    assert ready["metadata"]["finalizers"] == ["finalizers.fluxcd.io"]
    await kube.delete(ref(namespace, "doomed"))
    await wait_deleted(kube, ref(namespace, "doomed"), timeout=30)
    assert reconciler.finalized == ["doomed"]


async def test_events_look_as_flux_writes_them_and_reach_the_events_address(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    received: asyncio.Queue[dict] = asyncio.Queue()  # type: ignore[type-arg]

    async def collect(request: web.Request) -> web.Response:
        await received.put(await request.json())
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/", collect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await start_manager(events_addr=f"http://127.0.0.1:{port}/")
        await kube.create(widget(namespace, "loud", announce=True))
        await wait_ready(kube, namespace, "loud")
        body = await asyncio.wait_for(received.get(), timeout=30)
    finally:
        await runner.cleanup()

    assert body["severity"] == "info"
    assert body["reason"] == "WidgetReady"
    assert body["action"] == "Reconcile"
    assert body["message"] == "widget reconciled (run 1)"
    assert body["reportingController"] == "widget"
    assert body["metadata"] == {"test.reflow.dev/revision": "run-1"}
    assert body["involvedObject"]["kind"] == "Widget"
    assert body["involvedObject"]["namespace"] == namespace
    events = [e for e in await kube.list_all("v1", "Event", namespace) if e["reason"] == "WidgetReady"]
    assert len(events) == 1
    assert events[0]["type"] == "Normal"
    assert events[0]["metadata"]["annotations"] == {"test.reflow.dev/revision": "run-1"}


async def test_metrics_and_health_endpoints_answer(kube: Kube, namespace: str, start_manager: StartManager) -> None:
    manager, _, _ = await start_manager()
    await kube.create(widget(namespace, "measured"))
    await wait_ready(kube, namespace, "measured")
    labels = f'kind="Widget",name="measured",namespace="{namespace}"'
    ready = f'gotk_reconcile_condition{{{labels},status="True",type="Ready"}} 1.0'
    metrics = await metrics_until(manager, ready)
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{manager.ports['health']}/healthz") as answer:
            assert answer.status == 200
        async with session.get(f"http://127.0.0.1:{manager.ports['health']}/readyz") as answer:
            assert answer.status == 200
    assert 'controller_runtime_reconcile_total{controller="widget",result="success"}' in metrics
    assert f"gotk_reconcile_duration_seconds_count{{{labels}}} 1.0" in metrics
    assert 'workqueue_adds_total{name="widget"}' in metrics


async def test_objects_that_keep_failing_never_hold_the_workers_of_healthy_ones(
    kube: Kube, namespace: str, start_manager: StartManager
) -> None:
    _, _, reconciler = await start_manager()
    failing = [f"failing-{i}" for i in range(5)]
    for name in failing:  # each fails once, then every retry hangs, as a health check waiting for its timeout
        await kube.create(widget(namespace, name, failures=1, hangAfterFailures=True))
    for name in failing:
        await wait_for(kube, ref(namespace, name), ready_is("False"), timeout=30, what="failed once")
    await asyncio.wait_for(reconciler.started_hanging.wait(), timeout=30)

    healthy = [f"healthy-{i}" for i in range(20)]
    for name in healthy:
        await kube.create(widget(namespace, name))

    for name in healthy:  # with one shared pool, both workers would hang on retries and none of these would run
        await wait_ready(kube, namespace, name)
    assert len(reconciler.hanging) == failing_workers(2) == 1
    assert all(reconciler.runs[name] == 1 for name in healthy)
