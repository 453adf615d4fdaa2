"""The notification controller's wiring: the event endpoint, the Alert and Provider caches, the Receiver
controller and its webhook server, and `setup`."""

from __future__ import annotations

import asyncio

from reflow.api.notification import Alert, Provider
from reflow.controllers.notification.dispatch import COMPONENT, Dispatcher
from reflow.controllers.notification.hooks import WEBHOOK_PATH_INDEX, ReceiverServer, webhook_path_of
from reflow.controllers.notification.ingest import EventIngest
from reflow.controllers.notification.receiver import ReceiverReconciler
from reflow.controllers.options import ControllerOptions
from reflow.kube.client import Kube
from reflow.runtime.informer import Scope
from reflow.runtime.manager import Manager
from reflow.runtime.servers import serving
from reflow.runtime.settings import RuntimeSettings


def setup(manager: Manager, kube: Kube, settings: RuntimeSettings, options: ControllerOptions) -> None:
    """Serve the event endpoint, take the events of this process's controllers in process, and dispatch them;
    reconcile Receivers and serve their webhooks."""
    notification = options.notification

    def cached(kind: type) -> Scope:
        info = kind.KIND  # type: ignore[attr-defined]
        return Scope(api_version=info.api_version, kind=info.kind, namespace=settings.watch_namespace)

    dispatcher = Dispatcher(
        kube,
        manager.cache.informer(kube, cached(Alert)),
        manager.cache.informer(kube, cached(Provider)),
        no_cross_namespace_refs=options.no_cross_namespace_refs,
    )
    ingest = EventIngest(dispatcher.submit, rate_limit_interval=notification.rate_limit_interval)
    manager.local_events.deliver = ingest.deliver

    async def serve_events() -> None:
        async with serving(ingest.app(), notification.events_addr) as port:
            manager.ports["events"] = port
            await asyncio.get_running_loop().create_future()  # serve until the manager cancels the service

    manager.add_service("notification-events", serve_events)
    manager.add_service("notification-dispatch", dispatcher.run)

    receivers = manager.informer_for(ReceiverReconciler)
    receivers.add_index(WEBHOOK_PATH_INDEX, webhook_path_of)
    manager.add_controller("receiver", ReceiverReconciler(kube), concurrent=options.concurrent, component=COMPONENT)
    server = ReceiverServer(kube, receivers, no_cross_namespace_refs=options.no_cross_namespace_refs,
                            gcr_jwks_url=notification.gcr_jwks_url)  # fmt: skip

    async def serve_hooks() -> None:
        async with serving(server.app(), notification.receiver_addr) as port:
            manager.ports["receiver"] = port
            await asyncio.get_running_loop().create_future()  # serve until the manager cancels the service

    manager.add_service("notification-receiver", serve_hooks)
