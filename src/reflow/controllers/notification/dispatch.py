"""Dispatch: each admitted event to every Alert that takes it, through the Alert's Provider, in the background."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from reflow.api.meta import Manifest, ObjectRef
from reflow.api.notification import COMMIT_STATUS_TYPES, Alert, Provider
from reflow.api.wire import parse_object
from reflow.engines.notify import (
    CONVERSATIONS,
    DeliveryFailed,
    Event,
    ProviderError,
    Request,
    Route,
    build,
    call,
    combine_metadata,
    matches,
    route,
)
from reflow.engines.notify.alerts import Labels
from reflow.engines.notify.resolve import resolve
from reflow.engines.notify.send import send
from reflow.engines.notify.statuskey import status_key
from reflow.engines.notify.target import AlertRef
from reflow.engines.notify.template import render_message
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError, NotFound
from reflow.kube.secret import secret_data
from reflow.runtime.events import WARNING, EventRecorder, event_for
from reflow.runtime.informer import Informer

log = logging.getLogger("reflow.controllers.notification.dispatch")

COMPONENT = "notification-controller"
DISPATCH_FAILED = "NotificationDispatchFailed"
INVALID_CONFIG = "InvalidConfig"
METADATA_APPEND_FAILED = "MetadataAppendFailed"
CONFLICTS = (
    "metadata key conflicts detected (please refer to the Alert API docs and Flux RFC 0008 for more information)"
)


class Dispatcher:
    """Matches events against the cached Alerts and delivers them; failures become Warning events on the Alert."""

    def __init__(
        self,
        kube: Kube,
        alerts: Informer,
        providers: Informer,
        *,
        no_cross_namespace_refs: bool,
        concurrency: int = 16,
        backlog: int = 1000,
    ) -> None:
        self.kube = kube
        self.alerts = alerts
        self.providers = providers
        self.no_cross_namespace_refs = no_cross_namespace_refs
        self.recorder = EventRecorder(kube, COMPONENT)
        """Kubernetes Events only: the controller's own events about Alerts are not dispatched again."""
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=backlog)
        self._slots = asyncio.Semaphore(concurrency)

    def submit(self, event: Event) -> None:
        """Queue an admitted event; dropped with a log line when the backlog is full."""
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            log.warning("event dropped: dispatch backlog full", extra={"object": event.involved_ref})

    async def run(self) -> None:
        """Dispatch queued events until cancelled; each delivery is a task of this loop's group."""
        async with asyncio.TaskGroup() as deliveries:
            while True:
                event = await self._queue.get()
                for alert_obj in await self._matching(event):
                    await self._slots.acquire()
                    task = deliveries.create_task(self._deliver(event, alert_obj))
                    task.add_done_callback(lambda _: self._slots.release())

    async def _matching(self, event: Event) -> list[Manifest]:
        labels = await self._labels(event) if self._any_labels() else None
        matched: list[Manifest] = []
        for obj in self.alerts.items():
            try:
                alert = parse_object(Alert, obj)
            except ValueError as err:
                log.warning("invalid Alert skipped", extra={"error": str(err)})
                continue
            verdict = matches(event, alert, _constant(labels))
            for problem in verdict.problems:
                await self._warn(obj, INVALID_CONFIG, problem)
            if verdict.matched:
                matched.append(obj)
        if not matched:
            log.info("discarding event, no alerts found for the involved object", extra={"object": event.involved_ref})
        return matched

    def _any_labels(self) -> bool:
        return any(
            source.get("matchLabels") for obj in self.alerts.items() for source in obj["spec"].get("eventSources", ())
        )

    async def _labels(self, event: Event) -> dict[str, str] | None:
        ref = ObjectRef(str(event.involved.get("apiVersion", "")), event.kind, event.name, event.namespace)
        try:
            obj = await self.kube.get(ref)
        except KubeError as err:
            log.info("involved object unreadable for matchLabels", extra={"error": str(err), "object": str(ref)})
            return None
        return dict(obj["metadata"].get("labels") or {})

    async def _deliver(self, event: Event, alert_obj: Manifest) -> None:
        """Send one event through one Alert's Provider; every failure ends as a Warning event on the Alert."""
        involved = event.involved_ref
        try:
            await self._send(event, alert_obj)
        except asyncio.CancelledError:
            raise
        except (ProviderError, DeliveryFailed, KubeError) as err:
            message = str(err)  # DeliveryFailed comes masked; the others never hold a secret
            log.error("failed to send notification", extra={"error": message, "object": involved})
            await self._warn(alert_obj, DISPATCH_FAILED, f"failed to send notification for {involved}: {message}")
        except Exception as err:
            log.exception("notification dispatch crashed", extra={"object": involved})
            await self._warn(alert_obj, DISPATCH_FAILED, f"failed to dispatch notification for {involved}: "
                                                         f"{type(err).__name__}")  # fmt: skip

    async def _send(self, event: Event, alert_obj: Manifest) -> None:
        alert = parse_object(Alert, alert_obj)
        namespace = alert.metadata.namespace or ""
        if self.no_cross_namespace_refs and event.namespace != namespace:
            raise ProviderError(f"alert '{namespace}/{alert.metadata.name}' can't process event from "
                                f"'{event.kind}/{event.namespace}/{event.name}', cross-namespace references have "
                                "been blocked")  # fmt: skip
        provider_obj = self.providers.get(namespace, alert.spec.provider_ref.name)
        if provider_obj is None:
            raise ProviderError(f"failed to read provider: Provider '{namespace}/{alert.spec.provider_ref.name}' "
                                "not found")  # fmt: skip
        provider = parse_object(Provider, provider_obj)
        if provider.spec.suspend:
            return
        where = route(provider.spec.type, event)
        if where is not Route.SEND:
            log.debug("event not for this provider", extra={"route": str(where), "provider": provider.metadata.name})
            return
        combined = combine_metadata(event, alert)
        if combined.conflicts:
            await self._warn(alert_obj, METADATA_APPEND_FAILED, CONFLICTS)
        try:
            notification = render_message(combined.event, alert.spec.message_template)
        except ProviderError as err:
            await self._warn(alert_obj, INVALID_CONFIG, str(err))
            notification = combined.event
        key = ""
        if provider.spec.type in COMMIT_STATUS_TYPES:
            key = status_key(notification, alert_obj, provider_obj, provider.spec.commit_status_expr)
        spec = provider.spec
        resolved = resolve(
            provider,
            secret=await self._secret(namespace, spec.secret_ref.name if spec.secret_ref else None),
            cert=await self._secret(namespace, spec.cert_secret_ref.name if spec.cert_secret_ref else None),
            proxy=await self._secret(namespace, spec.proxy_secret_ref.name if spec.proxy_secret_ref else None),
            commit_status=key,
        )
        meta = alert.metadata
        target = replace(resolved.target, alert=AlertRef(namespace, meta.name, meta.uid or ""))
        conversation = CONVERSATIONS.get(target.type)
        if conversation is not None:

            async def answer(request: Request) -> str:
                return (await call(request, resolved.transport, secrets=resolved.secrets))[1]

            await conversation(notification, target, answer)
            return
        for request in build(notification, target):
            await send(request, resolved.transport, secrets=resolved.secrets)

    async def _secret(self, namespace: str, name: str | None) -> dict[str, bytes] | None:
        if name is None:
            return None
        try:
            return secret_data(await self.kube.get(ObjectRef("v1", "Secret", name, namespace)))
        except NotFound as err:
            raise ProviderError(f"failed to get secret '{namespace}/{name}': not found") from err

    async def _warn(self, alert_obj: Manifest, reason: str, message: str) -> None:
        await self.recorder.emit(event_for(alert_obj, WARNING, reason, message))


def _constant(labels: dict[str, str] | None) -> Labels:
    return lambda: labels
