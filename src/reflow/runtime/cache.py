"""The informer cache: one per manager, handing out one shared informer per (cluster and identity, scope).

Controllers, the kustomize controller's source watches and the dynamic watches of health checks all
ask it, so a kind is listed and watched once however many parts of the process read it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from reflow.kube.client import Kube
from reflow.runtime.informer import Informer, Scope

log = logging.getLogger("reflow.runtime.cache")

Identity = tuple[str, str | None, tuple[str, ...]]
"""Which cluster and which user a client acts as (`Kube.identity`): objects differ by both."""


@dataclass(frozen=True, slots=True)
class InformerKey:
    """What makes two informers the same one."""

    identity: Identity
    scope: Scope


@dataclass(slots=True)
class _Entry:
    informer: Informer
    held: bool = False
    """Held for the cache's lifetime (controllers, source watches); else it stops when its last user leaves."""
    users: int = 0
    task: asyncio.Task[None] | None = None


class Cache:
    """Owns every informer of a process; informers run while it is entered (`async with cache:`).

    `informer` holds one for the cache's lifetime (a controller's own kind, the sources a controller
    follows): ask for it while setting up, add indexes and handlers, and it starts with the cache.
    `watching` borrows one for as long as a block runs (a health check waiting on a Deployment), counted
    by users. Both hand out the same informer for the same key.
    """

    def __init__(self) -> None:
        self._entries: dict[InformerKey, _Entry] = {}
        self._group: asyncio.TaskGroup | None = None

    async def __aenter__(self) -> Cache:
        self._group = asyncio.TaskGroup()
        await self._group.__aenter__()
        for entry in self._entries.values():
            self._start(entry)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for entry in self._entries.values():
            if entry.task is not None:
                entry.task.cancel()
                entry.task = None
        self._entries = {key: entry for key, entry in self._entries.items() if entry.held}
        assert self._group is not None
        group, self._group = self._group, None
        await group.__aexit__(None, None, None)

    def informer(self, kube: Kube, scope: Scope) -> Informer:
        """The shared informer for this scope, held until the cache closes; it runs while the cache is entered."""
        entry = self._entry(kube, scope)
        entry.held = True
        if self._group is not None:
            self._start(entry)
        return entry.informer

    @asynccontextmanager
    async def watching(self, kube: Kube, scope: Scope) -> AsyncIterator[Informer]:
        """The shared informer for this scope, synced, for the block; it stops after its last user leaves
        unless the cache holds it."""
        if self._group is None:
            raise RuntimeError("the informer cache is used outside its `async with` block")
        key = InformerKey(kube.identity, scope)
        entry = self._entry(kube, scope)
        self._start(entry)
        entry.users += 1
        try:
            await entry.informer.wait_synced()
            yield entry.informer
        finally:
            entry.users -= 1
            if entry.users == 0 and not entry.held and self._entries.get(key) is entry:
                del self._entries[key]
                if entry.task is not None:
                    entry.task.cancel()

    def informer_keys(self) -> list[InformerKey]:
        """The key of every informer the cache has now."""
        return list(self._entries)

    @property
    def synced(self) -> bool:
        """True once every held informer has filled its cache (borrowed ones sync before their users see them)."""
        return all(entry.informer.synced for entry in self._entries.values() if entry.held)

    def _entry(self, kube: Kube, scope: Scope) -> _Entry:
        key = InformerKey(kube.identity, scope)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry(Informer(kube, scope))
            log.debug("new informer", extra={"kind": scope.kind, "namespace": scope.namespace})
        return entry

    def _start(self, entry: _Entry) -> None:
        if entry.task is None:
            assert self._group is not None
            entry.task = self._group.create_task(entry.informer.run())
