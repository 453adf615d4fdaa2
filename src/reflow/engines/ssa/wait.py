"""Waiting for applied objects to become Current (kstatus) or to be gone, by watching them, until told to stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from reflow.api.conditions import HEALTH_CHECK_CANCELED
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.health import Health, ObjectStatus, Status, Verdict, aggregate, health_status
from reflow.kube.client import Kube
from reflow.kube.wait import Predicate
from reflow.kube.wait import wait_for as watch_until

NOT_FOUND = ObjectStatus(Status.NOT_FOUND, "Resource not found")

StatusOverride = Callable[[Manifest], ObjectStatus | None]
"""Reads an object's status instead of kstatus (CEL `healthCheckExprs`); None leaves the object to kstatus."""


class ObjectWatcher(Protocol):
    """Resolves when `predicate` holds for an object (None while it does not exist); raises TimeoutError.

    The runtime satisfies it from its informer cache; `WatchWaiter` opens a watch per object.
    """

    async def wait_for(
        self, kube: Kube, ref: ObjectRef, predicate: Predicate, *, timeout: float
    ) -> Manifest | None: ...


@dataclass(frozen=True, slots=True)
class WatchWaiter:
    """An ObjectWatcher that lists and watches each object on its own (reflow.kube.wait)."""

    async def wait_for(self, kube: Kube, ref: ObjectRef, predicate: Predicate, *, timeout: float) -> Manifest | None:
        return await watch_until(kube, ref, predicate, timeout=timeout, what="Current")


@dataclass(frozen=True, slots=True)
class NotReady:
    """An object that was not Current when the wait ended, with its kstatus status and message."""

    ref: ObjectRef
    status: Status
    message: str

    def __str__(self) -> str:
        return f"{self.ref} status: '{self.status}'" + (f": {self.message}" if self.message else "")


@dataclass(frozen=True, slots=True)
class WaitResult:
    """The outcome of waiting: the verdict with Flux's message, and each object that is not Current."""

    health: Health
    not_ready: tuple[NotReady, ...]

    @property
    def ready(self) -> bool:
        return self.health.verdict is Verdict.HEALTHY


class WaitCanceled(Exception):
    """`cancel_when` was set before the objects settled, so the wait was given up (Flux's HealthCheckCanceled)."""

    reason: ClassVar[str] = HEALTH_CHECK_CANCELED


class _Stop(Exception):
    """Stop waiting for the other objects: one failed with fail-fast on, or the wait was canceled."""


def status_of(obj: Manifest | None, override: StatusOverride | None = None) -> ObjectStatus:
    """The status a health check sees: the override's when it has one, else kstatus's; NotFound when absent."""
    if obj is None:
        return NOT_FOUND
    status = override(obj) if override is not None else None
    return health_status(obj) if status is None else status


async def wait_ready(
    kube: Kube,
    refs: Iterable[ObjectRef],
    *,
    timeout: float,
    watcher: ObjectWatcher | None = None,
    fail_fast: bool = True,
    status_override: StatusOverride | None = None,
    cancel_when: asyncio.Event | None = None,
) -> WaitResult:
    """Wait until every object is Current, one fails (with `fail_fast`), or `timeout` seconds pass.

    `status_override` judges the objects it knows (see `StatusOverride`); kstatus judges the rest.
    Once `cancel_when` is set (a newer revision to apply, say), the wait stops and raises WaitCanceled.

    Cancelling the caller cancels every watch; nothing is left running.
    """
    watcher = watcher or WatchWaiter()
    observed: dict[ObjectRef, ObjectStatus | None] = dict.fromkeys(refs)
    timed_out = False
    canceled = False

    async def one(ref: ObjectRef) -> None:
        nonlocal timed_out

        def settled(obj: Manifest | None) -> bool:
            status = status_of(obj, status_override)
            observed[ref] = status
            return status.status is Status.CURRENT or (fail_fast and status.status is Status.FAILED)

        try:
            await watcher.wait_for(kube, ref, settled, timeout=timeout)
        except TimeoutError:
            timed_out = True
            return
        status = observed[ref]
        if fail_fast and status is not None and status.status is Status.FAILED:
            raise _Stop

    async def cancel(event: asyncio.Event) -> None:
        nonlocal canceled
        await event.wait()
        canceled = True
        raise _Stop

    try:
        async with asyncio.TaskGroup() as group:
            waits = [group.create_task(one(ref)) for ref in observed]
            if cancel_when is not None and waits:
                canceller = group.create_task(cancel(cancel_when))
                await asyncio.wait(waits)
                canceller.cancel()
    except* _Stop:
        pass
    if canceled:
        raise WaitCanceled(f"canceled while waiting for {len(observed)} objects to become Current")
    health = aggregate(observed, timed_out=timed_out, fail_fast=fail_fast)
    not_ready = tuple(
        NotReady(ref, Status.UNKNOWN if s is None else s.status, "" if s is None else s.message)
        for ref, s in observed.items()
        if s is None or s.status is not Status.CURRENT
    )
    return WaitResult(health, not_ready)


async def wait_terminated(
    kube: Kube, refs: Iterable[ObjectRef], *, timeout: float, watcher: ObjectWatcher | None = None
) -> tuple[ObjectRef, ...]:
    """Wait until every object is gone; returns those still there after `timeout` seconds."""
    watcher = watcher or WatchWaiter()
    remaining: list[ObjectRef] = []

    async def one(ref: ObjectRef) -> None:
        try:
            await watcher.wait_for(kube, ref, lambda obj: obj is None, timeout=timeout)
        except TimeoutError:
            remaining.append(ref)

    async with asyncio.TaskGroup() as group:
        for ref in refs:
            group.create_task(one(ref))
    return tuple(remaining)
