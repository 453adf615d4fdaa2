"""The reconcile loop: informer → work queue → workers → reconciler, with Flux's status, events and scheduling."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Generic, TypeVar, assert_never

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import READY
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import Conflict, NotFound
from reflow.runtime import conditions
from reflow.runtime.cache import Cache
from reflow.runtime.errors import ReconcileError, Waiting
from reflow.runtime.events import NORMAL, WARNING, EventRecorder, LocalEvents, event_for
from reflow.runtime.informer import Change, Key, Scope
from reflow.runtime.logs import bound
from reflow.runtime.metrics import Metrics
from reflow.runtime.outcome import Crashed, Ended, Failed, Stalled, Succeeded, Waited, failure, success
from reflow.runtime.queue import Backoff, Lane, ShutDown, WorkQueue
from reflow.runtime.reconciler import Reconciler
from reflow.runtime.settings import RuntimeSettings

T = TypeVar("T")
log = logging.getLogger("reflow.runtime.controller")

IN_PROGRESS = "reconciliation in progress"

RequeueObserver = Callable[[Key, float, str], None]
"""Told (key, delay in seconds, why) each time a key is scheduled again."""


def requested_at(obj: Manifest | None) -> str | None:
    """The object's `reconcile.fluxcd.io/requestedAt` token."""
    return ((obj or {}).get("metadata", {}).get("annotations") or {}).get(REQUESTED_AT)


def wants_reconcile(change: Change, old: Manifest | None, new: Manifest) -> bool:
    """Whether a change to the object calls for a reconcile: new objects, spec changes, requests, deletion.

    Status-only updates, including the controller's own, do not.
    """
    if change is Change.DELETED:
        return False
    if change is Change.ADDED or old is None:
        return True
    before, after = old["metadata"], new["metadata"]
    return (
        before.get("generation") != after.get("generation")
        or requested_at(old) != requested_at(new)
        or (after.get("deletionTimestamp") is not None and before.get("deletionTimestamp") is None)
    )


def observed_generation(obj: Manifest) -> int | None:
    """The generation the controller last acted on: `status.observedGeneration`, or for kinds whose status has no
    such field (ArtifactGenerator) the Ready condition's."""
    status = obj.get("status") or {}
    if "observedGeneration" in status:
        return int(status["observedGeneration"])
    ready = conditions.find(list(status.get("conditions") or []), READY)
    return None if ready is None or ready.get("observedGeneration") is None else int(ready["observedGeneration"])


def jittered(interval: float, percentage: float) -> float:
    """The interval moved by a random amount within ± `percentage` percent."""
    spread = interval * percentage / 100
    return max(0.0, interval + random.uniform(-spread, spread))


def controller_scope(reconciler: type[Reconciler[Any]] | Reconciler[Any], settings: RuntimeSettings) -> Scope:
    """What a controller of this reconciler watches: its kind, in the settings' namespace and label selector."""
    return Scope(
        api_version=reconciler.api_version,
        kind=reconciler.kind,
        namespace=settings.watch_namespace,
        label_selector=settings.watch_label_selector,
    )


def failing_workers(steady: int) -> int:
    """Workers for the failing lane beside `steady` steady ones: half as many, at least one."""
    return max(1, steady // 2)


class Controller(Generic[T]):
    """Runs one reconciler: follows its kind through the cache's informer, queues keys and reconciles them
    with N workers."""

    def __init__(
        self,
        name: str,
        kube: Kube,
        reconciler: Reconciler[T],
        settings: RuntimeSettings,
        *,
        cache: Cache,
        metrics: Metrics | None = None,
        recorder: EventRecorder | None = None,
        component: str | None = None,
        local_events: LocalEvents | None = None,
    ) -> None:
        self.name = name
        self.component = component or name
        """The Flux controller this belongs to (`source-controller`): it names the lease and reports events."""
        self.kube = kube
        self.reconciler = reconciler
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.recorder = recorder or EventRecorder(
            kube, self.component, events_addr=settings.events_addr, local=local_events
        )
        self.informer = cache.informer(kube, controller_scope(reconciler, settings))
        """The cache's informer of the reconciled kind; other parts of the process may read it too."""
        self.informer.add_handler(self._on_change)
        self.queue: WorkQueue[Key] = WorkQueue(Backoff(settings.min_retry_delay, settings.max_retry_delay))
        self.requeue_observers: list[RequeueObserver] = []

    def enqueue(self, namespace: str | None, name: str) -> None:
        """Reconcile the object as soon as a worker is free (used by watches of related objects)."""
        self.queue.add((namespace or "", name))
        self.metrics.queue_depth.labels(self.name).set(len(self.queue))

    def enqueue_after(self, namespace: str | None, name: str, delay: float) -> None:
        """Reconcile the object after `delay` seconds; an earlier pending run of it wins (so a burst of
        triggers within the delay ends in one run)."""
        self.queue.add_after((namespace or "", name), delay)

    def _on_change(self, change: Change, old: Manifest | None, new: Manifest) -> None:
        key = (new["metadata"].get("namespace") or "", new["metadata"]["name"])
        if change is Change.DELETED:
            self.queue.forget(key)
            self.metrics.forget_object(self.reconciler.kind, key[0], key[1])
            return
        resumed = old is not None and self.reconciler.suspended(old) and not self.reconciler.suspended(new)
        if wants_reconcile(change, old, new) or resumed:
            self.enqueue(*key)

    async def run_workers(self) -> None:
        """Reconcile queued keys until the queue shuts down: `settings.concurrent` workers for the steady lane,
        and half as many (at least one) for keys whose last run failed, so failures never hold up the rest."""
        steady = max(1, self.settings.concurrent)
        async with asyncio.TaskGroup() as workers:
            for _ in range(steady):
                workers.create_task(self._work(Lane.STEADY))
            for _ in range(failing_workers(steady)):
                workers.create_task(self._work(Lane.FAILING))

    def shut_down(self) -> None:
        """Stop taking keys; workers finish what they are reconciling, then return."""
        self.queue.shut_down()

    async def _work(self, lane: Lane) -> None:
        while True:
            try:
                key, waited = await self.queue.get(lane)
            except ShutDown:
                return
            self.metrics.queue_latency.labels(self.name).observe(waited)
            self.metrics.queue_adds.labels(self.name).inc()
            self.metrics.queue_depth.labels(self.name).set(len(self.queue))
            self.metrics.active_workers.labels(self.name).inc()
            try:
                await self._process(key)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("reconcile bookkeeping failed", extra={"controller": self.name})
                self._schedule_backoff(key, "internal error")
            finally:
                self.metrics.active_workers.labels(self.name).dec()
                self.queue.done(key)

    async def _process(self, key: Key) -> None:
        obj = self.informer.get(*key)
        if obj is None:
            self.queue.forget(key)
            return
        kind = self.reconciler.kind
        fields = {
            "controller": self.name,
            "controllerGroup": self.reconciler.api_version.split("/")[0],
            "controllerKind": kind,
            "namespace": key[0],
            "name": key[1],
            "reconcileID": str(uuid.uuid4()),
        }
        with bound(**fields):
            if obj["metadata"].get("deletionTimestamp"):
                await self._finalize(key, obj)
                return
            suspended = self.reconciler.suspended(obj)
            self.metrics.gotk_suspend.labels(kind, key[1], key[0]).set(1 if suspended else 0)
            if suspended:
                log.info("reconciliation is suspended for this object")
                return
            obj = await self._ensure_finalizer(obj)
            started = time.monotonic()
            outcome = await self._reconcile(key, obj)
            took = time.monotonic() - started
            self.metrics.reconcile_time.labels(self.name).observe(took)
            self.metrics.gotk_duration.labels(kind, key[1], key[0]).observe(took)
            await self._record(key, obj, outcome)

    async def _reconcile(self, key: Key, obj: Manifest) -> Ended:
        """Run the reconciler on the object, parsed once, and decide how it ended."""
        generation = int(obj["metadata"].get("generation") or 0)
        retrying = self.queue.failures(key) > 0
        current: dict[str, Manifest] = {"obj": obj}

        async def progress(message: str) -> None:
            live = current["obj"]
            status = live.get("status") or {}
            wanted = conditions.progressing(
                status, message, generation=generation, retrying=retrying, now=conditions.now_rfc3339()
            )
            current["obj"] = await self._write_status(key, live, wanted)

        if observed_generation(obj) != generation:
            await progress(IN_PROGRESS)
        parsed: T | None = None
        try:
            parsed = self.reconciler.parse(obj)
            timeout = self.reconciler.timeout(parsed)
            async with asyncio.timeout(timeout):
                result = await self.reconciler.reconcile(parsed, progress)
        except asyncio.CancelledError:
            raise
        except Waiting as waiting:
            return Ended(failure(waiting, NORMAL), Waited(waiting.requeue_after), current["obj"])
        except ReconcileError as error:
            if error.stalled:
                return Ended(failure(error, WARNING), Stalled(), current["obj"])
            return Ended(failure(error, WARNING), Failed(self._retry_interval(parsed)), current["obj"])
        except TimeoutError:
            timed_out = ReconcileError(f"reconciliation did not finish within {timeout:.0f}s")
            return Ended(failure(timed_out, WARNING), Failed(self._retry_interval(parsed)), current["obj"])
        except Exception as error:
            log.exception("reconcile failed", extra={"error": str(error)})
            unexpected = ReconcileError(str(error) or type(error).__name__)
            return Ended(failure(unexpected, WARNING), Crashed(), current["obj"])
        interval = result.requeue_after if result.requeue_after is not None else self.reconciler.interval(parsed)
        return Ended(success(result), Succeeded(interval), current["obj"])

    def _retry_interval(self, parsed: T | None) -> float | None:
        """The reconciler's retry interval; the queue's backoff when the object did not even parse."""
        return None if parsed is None else self.reconciler.retry_interval(parsed)

    async def _record(self, key: Key, obj: Manifest, ended: Ended) -> None:
        outcome, live = ended.outcome, ended.live
        generation = int(obj["metadata"].get("generation") or 0)
        fields = dict(outcome.fields or {})
        token = requested_at(obj)
        if token:
            fields["lastHandledReconcileAt"] = token
        wanted = conditions.finished(
            live.get("status") or {},
            ready=outcome.ready,
            reason=outcome.reason,
            message=outcome.message,
            stalled=outcome.stalled,
            generation=generation,
            fields=fields,
            extra={
                kind: None if state is None else (state.status, state.reason, state.message)
                for kind, state in (outcome.conditions or {}).items()
            },
            now=conditions.now_rfc3339(),
        )
        live = await self._write_status(key, live, wanted)
        ready = "True" if outcome.ready else "False"
        self.metrics.record_condition(self.reconciler.kind, key[0], key[1], READY, ready)
        for condition, state in (outcome.conditions or {}).items():
            if state is None:
                self.metrics.forget_condition(self.reconciler.kind, key[0], key[1], condition)
            else:
                self.metrics.record_condition(self.reconciler.kind, key[0], key[1], condition, state.status)
        self.metrics.reconcile_total.labels(self.name, "success" if outcome.ready else "error").inc()
        if ended.failed:
            self.metrics.reconcile_errors.labels(self.name).inc()
        related = self.reconciler.related_object(live)
        if outcome.event_type and outcome.event_reason and outcome.event_message:
            action = outcome.event_action if outcome.ready else self.reconciler.event_action(outcome.event_reason)
            event = event_for(
                live, outcome.event_type, outcome.event_reason, outcome.event_message, outcome.event_metadata,
                action=action,
            )  # fmt: skip
            await self.recorder.emit(replace(event, related=related))
        for notice in outcome.notices:
            kind = WARNING if notice.warning else NORMAL
            notified = event_for(live, kind, notice.reason, notice.message, notice.metadata, action=notice.action)
            await self.recorder.emit(replace(notified, related=related))
        self._schedule(key, ended)

    def _schedule(self, key: Key, ended: Ended) -> None:
        """Queue the next run as the outcome table says: success and waiting reset the backoff, failures grow it."""
        match ended.next:
            case Succeeded(interval=interval):
                self.queue.forget(key)
                if interval is not None:
                    self._schedule_after(key, jittered(interval, self.settings.interval_jitter_percentage), "success")
            case Waited(requeue_after=delay):
                self.queue.forget(key)
                self._schedule_after(key, delay, "waiting")
            case Stalled():
                self.queue.forget(key)
                log.info("stalled: no retry until the spec changes")
            case Failed(retry_interval=delay):
                if delay is None:
                    self._schedule_backoff(key, "failed")
                else:
                    self.queue.mark_failing(key)
                    self._schedule_after(key, delay, "failed")
            case Crashed():
                self._schedule_backoff(key, "error")
            case _:
                assert_never(ended.next)

    def _schedule_after(self, key: Key, delay: float, why: str) -> None:
        self.queue.add_after(key, delay)
        self._observe(key, delay, why)

    def _schedule_backoff(self, key: Key, why: str) -> None:
        delay = self.queue.add_rate_limited(key)
        self.metrics.queue_retries.labels(self.name).inc()
        self._observe(key, delay, why)

    def _observe(self, key: Key, delay: float, why: str) -> None:
        log.info("next run scheduled", extra={"requeueAfter": round(delay, 3), "why": why})
        for observer in self.requeue_observers:
            observer(key, delay, why)

    async def _write_status(self, key: Key, live: Manifest, wanted: Manifest) -> Manifest:
        """Patch the status subresource with what differs; returns the object as it stands afterwards."""
        patch = conditions.status_patch(live.get("status") or {}, wanted)
        if patch is None:
            return live
        ref = ObjectRef.of(live)
        try:
            updated = await self.kube.patch(ref, {"status": patch}, subresource="status")
        except NotFound:
            return live
        cached = self.informer.get(*key)
        if cached is not None and cached["metadata"].get("resourceVersion") == live["metadata"].get("resourceVersion"):
            updated["metadata"].pop("managedFields", None)
            self.informer.observe(updated)
        return updated

    async def _ensure_finalizer(self, obj: Manifest) -> Manifest:
        finalizer = self.reconciler.finalizer
        present = obj["metadata"].get("finalizers") or []
        if finalizer is None or finalizer in present:
            return obj
        patch = {
            "metadata": {"finalizers": [*present, finalizer], "resourceVersion": obj["metadata"]["resourceVersion"]}
        }
        return await self.kube.patch(ObjectRef.of(obj), patch)

    async def _finalize(self, key: Key, obj: Manifest) -> None:
        finalizer = self.reconciler.finalizer
        present = obj["metadata"].get("finalizers") or []
        if finalizer is None or finalizer not in present:
            return
        if self.reconciler.finalize_suspended or not self.reconciler.suspended(obj):
            try:
                await self.reconciler.finalize(self.reconciler.parse(obj))
            except ReconcileError as error:
                generation = int(obj["metadata"].get("generation") or 0)
                failed = conditions.finished(
                    obj.get("status") or {}, ready=False, reason=error.reason, message=error.message,
                    generation=generation, now=conditions.now_rfc3339(),
                )  # fmt: skip
                await self._write_status(key, obj, failed)
                await self.recorder.emit(event_for(obj, WARNING, error.reason, error.message))
                self._schedule_backoff(key, "finalize failed")
                return
        remaining = [name for name in present if name != finalizer]
        patch = {"metadata": {"finalizers": remaining, "resourceVersion": obj["metadata"]["resourceVersion"]}}
        try:
            await self.kube.patch(ObjectRef.of(obj), patch)
        except Conflict:
            self.queue.add(key)
        except NotFound:
            pass
        self.queue.forget(key)
