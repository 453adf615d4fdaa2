"""A tiny stand-in controller for CLI tests: it answers reconcile requests the way Flux controllers report them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from reflow.api.annotations import REQUESTED_AT
from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.kube.errors import Gone, NotFound, Unreachable
from tests.cli.objects import ready_condition

Outcome = Callable[[Manifest], Manifest]
"""Given the object, the status fields to write besides observedGeneration, lastHandledReconcileAt and Ready."""


def pending(obj: Manifest, done: set[tuple[str, str | None, int]]) -> bool:
    """Whether the object has a request or a generation the stand-in has not handled yet (once each)."""
    if (obj.get("spec") or {}).get("suspend"):
        return False
    status = obj.get("status") or {}
    token = (obj["metadata"].get("annotations") or {}).get(REQUESTED_AT)
    generation = int(obj["metadata"].get("generation") or 0)
    key = (obj["metadata"]["name"], token, generation)
    new_generation = int(status.get("observedGeneration") or -1) < generation
    if key in done or not (new_generation or (token is not None and token != status.get("lastHandledReconcileAt"))):
        return False
    done.add(key)
    return True


async def _handle(kube: Kube, obj: Manifest, ready: bool, message: str, fields: Manifest, delay: float) -> None:
    ref = ObjectRef.of(obj)
    progress = {"conditions": [ready_condition("Unknown", "reconciliation in progress", "Progressing")]}
    await kube.patch(ref, {"status": progress}, subresource="status")
    await asyncio.sleep(delay)
    status: Manifest = {
        "observedGeneration": obj["metadata"].get("generation"),
        "conditions": [
            ready_condition("True" if ready else "False", message, "Succeeded" if ready else "ReconciliationFailed")
        ],
        **fields,
    }
    token = (obj["metadata"].get("annotations") or {}).get(REQUESTED_AT)
    if token:
        status["lastHandledReconcileAt"] = token
    await kube.patch(ref, {"status": status}, subresource="status")


async def _loop(
    kube: Kube,
    api_version: str,
    kind: str,
    namespace: str,
    ready: bool,
    message: str,
    fields: Manifest,
    delay: float,
    seen: list[str],
) -> None:
    done: set[tuple[str, str | None, int]] = set()
    while True:
        page = await kube.list(api_version, kind, namespace)
        for item in page.get("items") or []:
            if pending(item, done):
                seen.append(item["metadata"]["name"])
                await _handle(kube, item, ready, message, fields, delay)
        try:
            async for event in kube.watch(
                api_version, kind, namespace, resource_version=page["metadata"]["resourceVersion"]
            ):
                if event.type in ("ADDED", "MODIFIED") and pending(event.object, done):
                    seen.append(event.object["metadata"]["name"])
                    with contextlib.suppress(NotFound):
                        await _handle(kube, event.object, ready, message, fields, delay)
                elif event.type == "ERROR":
                    break
        except (Gone, Unreachable):
            continue


@asynccontextmanager
async def stand_in(
    kube: Kube,
    api_version: str,
    kind: str,
    namespace: str,
    *,
    ready: bool = True,
    message: str = "ok",
    fields: Manifest | None = None,
    delay: float = 0.3,
) -> AsyncIterator[list[str]]:
    """Run the stand-in controller for one kind in a namespace; yields the names it reconciled, in order."""
    seen: list[str] = []
    task = asyncio.create_task(_loop(kube, api_version, kind, namespace, ready, message, fields or {}, delay, seen))
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
