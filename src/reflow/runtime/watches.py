"""Dynamic watches: informers on any kind, started on demand and shared by reference count per cluster and identity.

The health checker, dependents and remote clusters use them to wait for objects by watching them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.runtime.informer import Change, Informer, Scope

WatchKey = tuple[tuple[str, str | None, tuple[str, ...]], str, str, str | None]
"""(cluster and identity, apiVersion, kind, namespace or None for all)."""


@dataclass(slots=True)
class _Shared:
    informer: Informer
    task: asyncio.Task[None]
    users: int = 0


class DynamicWatches:
    """Owns every on-demand informer of a process; use as `async with DynamicWatches() as watches`."""

    def __init__(self) -> None:
        self._shared: dict[WatchKey, _Shared] = {}
        self._group: asyncio.TaskGroup | None = None

    async def __aenter__(self) -> DynamicWatches:
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for shared in self._shared.values():
            shared.task.cancel()
        self._shared.clear()
        assert self._group is not None
        await self._group.__aexit__(None, None, None)
        self._group = None

    @property
    def active(self) -> int:
        """How many informers run now."""
        return len(self._shared)

    @asynccontextmanager
    async def watching(
        self, kube: Kube, api_version: str, kind: str, namespace: str | None = None
    ) -> AsyncIterator[Informer]:
        """A synced informer on the kind, shared with every other user of the same key until the last leaves."""
        if self._group is None:
            raise RuntimeError("DynamicWatches is used outside its `async with` block")
        key: WatchKey = (kube.identity, api_version, kind, namespace)
        shared = self._shared.get(key)
        if shared is None:
            informer = Informer(kube, Scope(api_version=api_version, kind=kind, namespace=namespace))
            shared = _Shared(informer, self._group.create_task(informer.run()))
            self._shared[key] = shared
        shared.users += 1
        try:
            await shared.informer.wait_synced()
            yield shared.informer
        finally:
            shared.users -= 1
            if shared.users == 0 and self._shared.get(key) is shared:
                del self._shared[key]
                shared.task.cancel()

    async def wait_for(
        self, kube: Kube, ref: ObjectRef, predicate: Callable[[Manifest | None], bool], *, timeout: float
    ) -> Manifest | None:
        """Return the object (None if absent) once `predicate` holds for it; raise TimeoutError after `timeout`.

        The watch is shared with other waiters on the same kind and namespace.
        """
        async with asyncio.timeout(timeout), self.watching(kube, ref.api_version, ref.kind, ref.namespace) as informer:
            changed = asyncio.Event()

            def on_change(_: Change, __: Manifest | None, new: Manifest) -> None:
                if new["metadata"]["name"] == ref.name:
                    changed.set()

            informer.add_handler(on_change)
            try:
                while True:
                    current = informer.get(ref.namespace, ref.name)
                    if predicate(current):
                        return current
                    changed.clear()
                    await changed.wait()
            finally:
                informer.remove_handler(on_change)
