"""The manager: runs controllers, the informer cache, leases and the shared endpoints, and shuts them down in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from typing import Any, TypeVar

from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.controller import Controller, controller_scope
from reflow.runtime.events import LocalEvents
from reflow.runtime.informer import Informer
from reflow.runtime.leader import LeaderElector, LeadershipLost, default_identity
from reflow.runtime.metrics import Metrics
from reflow.runtime.reconciler import Reconciler
from reflow.runtime.servers import metrics_app, probes_app, serving
from reflow.runtime.settings import RuntimeSettings
from reflow.runtime.watches import DynamicWatches

T = TypeVar("T")
log = logging.getLogger("reflow.runtime.manager")


class Manager:
    """Runs a set of controllers in one process: `async with manager.running(): ...`.

    Every informer of the process comes from `cache`: a controller's own kind, the objects other parts
    follow (a Kustomization's sources) and the dynamic watches of health checks. So a kind in a scope
    is listed and watched once, whoever reads it.

    Shutdown, one part at a time: the queues stop taking keys and workers finish what they are
    reconciling (cancelled after `shutdown_grace`); each lease is released as soon as its workers have
    stopped, so another replica takes over at once; then the event recorders and services stop, then
    the informers, and the metrics and health endpoints close last.
    """

    def __init__(
        self,
        kube: Kube,
        settings: RuntimeSettings,
        *,
        metrics: Metrics | None = None,
        identity: str | None = None,
    ) -> None:
        self.kube = kube
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.cache = Cache()
        """The process's informers, shared by cluster, identity, kind and scope."""
        self.watches = DynamicWatches(self.cache)
        self.local_events = LocalEvents()
        """Where every controller's recorder hands events when the notification controller runs in this process."""
        self.identity = identity or default_identity()
        """This manager's candidate name in every lease it competes for."""
        self.controllers: list[Controller[Any]] = []
        self.services: dict[str, Callable[[], Coroutine[Any, Any, None]]] = {}
        self.ports: dict[str, int] = {}
        """Bound ports of the endpoints, by name (`metrics`, `health`), once running."""
        self.leading: set[str] = set()
        """Names of the components whose lease this manager holds."""
        self._stop = asyncio.Event()
        self._started = asyncio.Event()
        self._stopped = asyncio.Event()
        self._lead_events: dict[str, asyncio.Event] = {}

    def informer_for(self, reconciler: type[Reconciler[Any]]) -> Informer:
        """The cache's informer of the kind this reconciler reconciles, in the manager's watch scope: the
        one its controller reads, available before the controller exists (for the reconciler's lookups)."""
        return self.cache.informer(self.kube, controller_scope(reconciler, self.settings))

    def add_controller(
        self, name: str, reconciler: Reconciler[T], *, concurrent: int | None = None, component: str | None = None
    ) -> Controller[T]:
        """Run a controller for this reconciler too, on the manager's cache and metrics; add before running.

        `concurrent` overrides the settings' workers per kind; `component` is the Flux controller it
        belongs to (it names the lease and reports the events), the controller's name when None.
        """
        settings = self.settings if concurrent is None else replace(self.settings, concurrent=concurrent)
        controller = Controller(
            name, self.kube, reconciler, settings, cache=self.cache, metrics=self.metrics, component=component,
            local_events=self.local_events,
        )  # fmt: skip
        self.controllers.append(controller)
        return controller

    def components(self) -> dict[str, list[Controller[Any]]]:
        """The controllers grouped by the component (Flux controller) they belong to; one lease each."""
        grouped: dict[str, list[Controller[Any]]] = {}
        for controller in self.controllers:
            grouped.setdefault(controller.component, []).append(controller)
        return grouped

    def add_service(self, name: str, run: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run a background service beside the controllers (an artifact server, an event receiver);
        it is cancelled after the workers have stopped."""
        self.services[name] = run

    def ready(self) -> bool:
        """True once every informer the cache holds has listed its objects (`/readyz`)."""
        return self.cache.synced

    async def wait_leading(self, name: str) -> None:
        """Wait until this manager holds the named component's lease (at once without leader election)."""
        await self._lead_event(name).wait()

    def _lead_event(self, name: str) -> asyncio.Event:
        return self._lead_events.setdefault(name, asyncio.Event())

    def stop(self) -> None:
        """Ask the manager to shut down gracefully."""
        self._stop.set()

    async def wait_started(self) -> None:
        """Wait until the endpoints listen and the informers run."""
        await self._started.wait()

    async def stopped(self) -> None:
        """Wait until the manager has stopped: after `stop()`, or when a part of it failed."""
        await self._stopped.wait()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Manager]:
        """Run everything in the background for the block, then stop in order and wait for it.

        Entering returns once the endpoints listen and the informers run, and raises what prevented
        that (a port in use). When a part of the manager fails meanwhile, the block is cancelled, so
        nothing waits forever on controllers that are gone; leaving re-raises that failure.
        """
        task = asyncio.ensure_future(self.run())
        body = asyncio.current_task()
        cut_short = False

        def cut_block_short(_: asyncio.Future[None]) -> None:
            nonlocal cut_short
            if not self._stop.is_set() and body is not None:
                cut_short = True
                body.cancel()

        try:
            started = asyncio.ensure_future(self.wait_started())
            await asyncio.wait({task, started}, return_when=asyncio.FIRST_COMPLETED)
            started.cancel()
            if task.done():
                task.result()
            task.add_done_callback(cut_block_short)
            yield self
        except asyncio.CancelledError:
            if not cut_short or body is None:
                raise
            body.uncancel()
        finally:
            task.remove_done_callback(cut_block_short)
            self.stop()
            try:
                await asyncio.wait({task})
            finally:
                if not task.done():
                    task.cancel()
                    await asyncio.wait({task})
        error = None if task.cancelled() else task.exception()
        if error is not None:
            raise error

    async def run(self) -> None:
        """Run everything until `stop()` or cancellation."""
        try:
            await self._run()
        finally:
            self._stopped.set()

    async def _run(self) -> None:
        async with AsyncExitStack() as stack:
            self.ports["metrics"] = await stack.enter_async_context(
                serving(metrics_app(self.metrics), self.settings.metrics_addr)
            )
            self.ports["health"] = await stack.enter_async_context(
                serving(probes_app(self.ready), self.settings.health_addr)
            )
            await stack.enter_async_context(self.cache)
            async with asyncio.TaskGroup() as background:
                watching = [background.create_task(c.recorder.run()) for c in self.controllers]
                watching += [background.create_task(run()) for run in self.services.values()]
                self._started.set()
                async with asyncio.TaskGroup() as workers:
                    working = [
                        workers.create_task(self._lead_and_work(component, members))
                        for component, members in self.components().items()
                    ]
                    await self._stop.wait()
                    for controller in self.controllers:
                        controller.shut_down()
                    if working:  # a process may run services only (the notification controller's endpoints)
                        _, unfinished = await asyncio.wait(working, timeout=self.settings.shutdown_grace)
                        for task in unfinished:
                            task.cancel()
                for task in watching:
                    task.cancel()
            log.info("manager stopped", extra={"controllers": [c.name for c in self.controllers]})

    async def _run_workers(self, controllers: list[Controller[Any]]) -> None:
        async with asyncio.TaskGroup() as group:
            for controller in controllers:
                group.create_task(controller.run_workers())

    async def _lead_and_work(self, component: str, controllers: list[Controller[Any]]) -> None:
        """Run a component's workers; with leader election, only while this manager holds its lease."""
        if not self.settings.enable_leader_election:
            self._lead_event(component).set()
            await self._run_workers(controllers)
            return
        elector = LeaderElector(
            self.kube,
            self.settings.runtime_namespace,
            f"{component}-leader-election",
            identity=self.identity,
            lease_duration=self.settings.lease_duration,
            renew_deadline=self.settings.renew_deadline,
            retry_period=self.settings.retry_period,
        )
        acquiring = asyncio.ensure_future(elector.acquire())
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({acquiring, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not acquiring.done():
            acquiring.cancel()
            return
        acquiring.result()
        self.leading.add(component)
        self._lead_event(component).set()
        try:
            async with elector.holding() as renewing:
                working = asyncio.ensure_future(self._run_workers(controllers))
                done, _ = await asyncio.wait({working, renewing}, return_when=asyncio.FIRST_COMPLETED)
                if renewing in done and not working.done():
                    log.error("leadership lost; stopping workers", extra={"component": component})
                    for controller in controllers:
                        controller.shut_down()
                    await working
                    renewing.result()
                await working
        except LeadershipLost:
            self.stop()
        finally:
            self.leading.discard(component)
            self._lead_event(component).clear()
