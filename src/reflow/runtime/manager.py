"""The manager: runs controllers, their informers, leases and the shared endpoints, and shuts them down in order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Any

from reflow.kube.client import Kube
from reflow.runtime.controller import Controller
from reflow.runtime.leader import LeaderElector, LeadershipLost, default_identity
from reflow.runtime.metrics import Metrics
from reflow.runtime.servers import metrics_app, probes_app, serving
from reflow.runtime.settings import RuntimeSettings
from reflow.runtime.watches import DynamicWatches

log = logging.getLogger("reflow.runtime.manager")


class Manager:
    """Runs a set of controllers in one process until `stop()`.

    Shutdown order: workers finish what they are reconciling and stop, then informers, then the
    leases are released (so another replica takes over at once), then the endpoints close.
    """

    def __init__(
        self,
        kube: Kube,
        settings: RuntimeSettings,
        *,
        metrics: Metrics | None = None,
        watches: DynamicWatches | None = None,
        identity: str | None = None,
    ) -> None:
        self.kube = kube
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.watches = watches or DynamicWatches()
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
        self._lead_events: dict[str, asyncio.Event] = {}

    def add(self, controller: Controller[Any]) -> None:
        """Run this controller too; add before `run`."""
        self.controllers.append(controller)

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
        """True once every controller's cache is synced."""
        return all(controller.informer.synced for controller in self.controllers)

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

    async def run(self) -> None:
        """Run everything until `stop()` or cancellation."""
        async with AsyncExitStack() as stack:
            self.ports["metrics"] = await stack.enter_async_context(
                serving(metrics_app(self.metrics), self.settings.metrics_addr)
            )
            self.ports["health"] = await stack.enter_async_context(
                serving(probes_app(self.ready), self.settings.health_addr)
            )
            await stack.enter_async_context(self.watches)
            async with asyncio.TaskGroup() as background:
                watching = [background.create_task(c.run_informer()) for c in self.controllers]
                watching += [background.create_task(c.recorder.run()) for c in self.controllers]
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
