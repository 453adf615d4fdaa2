"""The UI's view of the cluster: one informer per Flux kind the API server serves, and the pages listening to them.

Every change a watch brings becomes one overview row pushed to each listener's queue; nothing polls.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.flux.state import API_VERSIONS
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Change, Informer, Scope
from reflow.ui.views import object_id, row

QUEUE_SIZE = 10_000
"""Changes buffered for one page; a page that falls this far behind is sent a fresh snapshot instead."""


class Store:
    """Informers for every served Flux kind, and the queues of the pages that follow their changes."""

    def __init__(self, kube: Kube, namespace: str | None) -> None:
        self.kube = kube
        self.namespace = namespace
        """None: every namespace."""
        self.informers: dict[str, Informer] = {}
        self._listeners: set[asyncio.Queue[Manifest]] = set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Store]:
        """Watch every Flux kind the API server serves until the block ends."""
        async with Cache() as cache:
            for kind, api_version in API_VERSIONS.items():
                try:
                    await self.kube.resource(api_version, kind)
                except NotFound:
                    continue
                informer = cache.informer(
                    self.kube, Scope(api_version=api_version, kind=kind, namespace=self.namespace)
                )
                informer.add_handler(self._changed)
                self.informers[kind] = informer
            for informer in self.informers.values():
                await informer.wait_synced()
            yield self

    def objects(self) -> list[Manifest]:
        """Every cached Flux object."""
        return [obj for informer in self.informers.values() for obj in informer.items()]

    def get(self, kind: str, namespace: str, name: str) -> Manifest | None:
        """One cached object, or None."""
        informer = self.informers.get(kind)
        return informer.get(namespace, name) if informer else None

    @contextmanager
    def listening(self) -> Iterator[asyncio.Queue[Manifest]]:
        """A queue receiving `{"type": "upsert", "row": …}` and `{"type": "delete", "id": …}` for each change."""
        queue: asyncio.Queue[Manifest] = asyncio.Queue(QUEUE_SIZE)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def close_listeners(self) -> None:
        """Tell every page's stream to end (the server is shutting down)."""
        for queue in self._listeners:
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait({"type": "close"})

    def _changed(self, change: Change, _old: Manifest | None, new: Manifest) -> None:
        message: Manifest
        if change is Change.DELETED:
            message = {"type": "delete", "id": object_id(ObjectRef.of(new))}
        else:
            message = {"type": "upsert", "row": row(new)}
        for queue in self._listeners:
            if queue.full():  # the page fell behind: it starts again from a snapshot
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait({"type": "reset"})
            else:
                queue.put_nowait(message)
