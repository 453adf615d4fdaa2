"""Events as Flux emits them: a Kubernetes Event for each outcome, and the same event POSTed to `--events-addr`."""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import aiohttp

from reflow.api.annotations import EVENT_PREFIX
from reflow.api.meta import Manifest, group_of
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError

log = logging.getLogger("reflow.runtime.events")

NORMAL = "Normal"
WARNING = "Warning"
MESSAGE_LIMIT = 39000
"""The notification controller's limit on an event message."""
COMMIT_STATUS = "commit_status"
COMMIT_STATUS_UPDATE = "update"
"""Event metadata `<group>/commit_status: update`: the run finished, so commit-status providers report the commit."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One event about one object, before it is written anywhere."""

    involved: Manifest
    """The object's apiVersion, kind, name, namespace, uid and resourceVersion."""
    type: str
    reason: str
    message: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    """Keys are prefixed with the object's API group, as `kustomize.toolkit.fluxcd.io/revision`."""
    timestamp: str
    action: str | None = None
    """What the controller was doing (Flux 2.10's `action`, e.g. `HelmInstall`), sent to the notification
    controller; a core/v1 Event has no place for it, as in Flux."""

    def notification(self, controller: str, instance: str) -> Manifest:
        """The JSON body the notification controller's event endpoint takes."""
        return {
            "involvedObject": self.involved,
            "severity": "error" if self.type == WARNING else "info",
            "timestamp": self.timestamp,
            "message": self.message[:MESSAGE_LIMIT],
            "reason": self.reason,
            **({"action": self.action} if self.action else {}),
            "metadata": dict(self.metadata),
            "reportingController": controller,
            "reportingInstance": instance,
        }

    def kubernetes_event(self, controller: str, instance: str) -> Manifest:
        """The core/v1 Event written to the object's namespace."""
        namespace = self.involved.get("namespace") or "default"
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {
                "name": f"{self.involved['name']}.{secrets.token_hex(8)}",
                "namespace": namespace,
                "annotations": dict(self.metadata),
            },
            "involvedObject": self.involved,
            "type": self.type,
            "reason": self.reason,
            "message": self.message[:MESSAGE_LIMIT],
            "source": {"component": controller},
            "reportingComponent": controller,
            "reportingInstance": instance,
            "firstTimestamp": self.timestamp,
            "lastTimestamp": self.timestamp,
            "count": 1,
        }


def event_for(
    obj: Manifest,
    type_: str,
    reason: str,
    message: str,
    metadata: Mapping[str, str] | None = None,
    *,
    action: str | None = None,
) -> Event:
    """An event about `obj`: metadata keys get the object's group prefix, and its event annotations are copied."""
    meta = obj.get("metadata") or {}
    group = group_of(obj["apiVersion"])
    keyed = {(key if "/" in key else f"{group}/{key}"): value for key, value in (metadata or {}).items()}
    for key, value in (meta.get("annotations") or {}).items():
        if key.startswith(EVENT_PREFIX):
            keyed[key] = value
    involved = {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": meta["name"],
        "namespace": meta.get("namespace", ""),
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    timestamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Event(
        involved=involved,
        type=type_,
        reason=reason,
        message=message,
        metadata=keyed,
        timestamp=timestamp,
        action=action,
    )


class EventRecorder:
    """Writes events to the API server and forwards them to the notification controller in the background."""

    def __init__(self, kube: Kube, controller: str, *, events_addr: str | None = None, backlog: int = 1000) -> None:
        self.kube = kube
        self.controller = controller
        self.events_addr = events_addr
        self.instance = socket.gethostname()
        self._outbox: asyncio.Queue[Event] = asyncio.Queue(maxsize=backlog)

    async def emit(self, event: Event) -> None:
        """Record the event as a Kubernetes Event now; queue it for `--events-addr` (Warnings and Normals)."""
        try:
            await self.kube.create(event.kubernetes_event(self.controller, self.instance))
        except KubeError as error:
            log.warning("event could not be recorded", extra={"error": str(error), "reason": event.reason})
        if self.events_addr:
            try:
                self._outbox.put_nowait(event)
            except asyncio.QueueFull:
                log.warning("event dropped: notification backlog full", extra={"reason": event.reason})

    async def run(self) -> None:
        """Forward queued events to `--events-addr` until cancelled (a no-op without an address)."""
        if not self.events_addr:
            return
        async with aiohttp.ClientSession() as session:
            while True:
                event = await self._outbox.get()
                await self._post(session, event.notification(self.controller, self.instance))

    async def _post(self, session: aiohttp.ClientSession, body: Manifest) -> None:
        assert self.events_addr is not None
        for attempt in range(4):
            try:
                async with session.post(self.events_addr, json=body, timeout=aiohttp.ClientTimeout(total=15)) as answer:
                    if answer.status < 500:
                        return
            except (aiohttp.ClientError, TimeoutError) as error:
                log.debug("event post failed", extra={"error": str(error), "attempt": attempt})
            await asyncio.sleep(0.5 * 2**attempt)
        log.warning("event not delivered to the notification controller", extra={"reason": body["reason"]})
