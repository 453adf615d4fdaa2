"""The UI's view of the cluster: one informer per Flux kind the API server serves, and the pages listening to them.

Every change a watch brings becomes one overview row pushed to each listener's queue; nothing polls. A watch of
CustomResourceDefinitions follows the Flux groups: a kind whose CRD is installed after the UI started gets its
informer once the API server serves it, and a kind whose CRD is removed loses it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.flux.state import API_VERSIONS
from reflow.kube.client import Kube
from reflow.kube.discovery import Resource
from reflow.kube.errors import Forbidden, NotFound
from reflow.runtime.informer import Change, Informer, Scope
from reflow.ui.views import object_id, row

log = logging.getLogger("reflow.ui.store")

QUEUE_SIZE = 10_000
"""Changes buffered for one page; a page that falls this far behind is sent a fresh snapshot instead."""
CRDS = Scope(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition", metadata_only=True)
"""Names are enough: a CRD is named `<plural>.<group>`, and discovery says what is served."""
FLUX_GROUPS = frozenset(api_version.partition("/")[0] for api_version in API_VERSIONS.values())


class Store:
    """Informers for every served Flux kind, and the queues of the pages that follow their changes."""

    def __init__(self, kube: Kube, namespace: str | None) -> None:
        self.kube = kube
        self.namespace = namespace
        """None: every namespace."""
        self.informers: dict[str, Informer] = {}
        self.resources: dict[str, Resource] = {}
        """The REST mapping of each watched kind (its group and plural are what access reviews ask about)."""
        self._listeners: set[asyncio.Queue[Manifest]] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._group: asyncio.TaskGroup | None = None
        self._crds_changed = asyncio.Event()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Store]:
        """Watch every Flux kind the API server serves, and the CRDs of the Flux groups, until the block ends."""
        async with asyncio.TaskGroup() as group:
            self._group = group
            following: list[asyncio.Task[None]] = []
            try:
                await self._follow_kinds()
                for informer in list(self.informers.values()):
                    await informer.wait_synced()
                if await self._may_watch_crds():
                    crds = Informer(self.kube, CRDS)
                    crds.add_handler(self._crd_changed)
                    following = [group.create_task(crds.run()), group.create_task(self._refollow())]
                yield self
            finally:
                for task in [*following, *self._tasks.values()]:
                    task.cancel()
                self._tasks.clear()
                self._group = None

    def objects(self) -> list[Manifest]:
        """Every cached Flux object."""
        return [obj for informer in self.informers.values() for obj in informer.items()]

    def get(self, kind: str, namespace: str, name: str) -> Manifest | None:
        """One cached object, or None."""
        informer = self.informers.get(kind)
        return informer.get(namespace, name) if informer else None

    @contextmanager
    def listening(self) -> Iterator[asyncio.Queue[Manifest]]:
        """A queue receiving `{"type": "upsert", "row": …}`, `{"type": "delete", "id", "kind", "namespace"}` for
        each change, and `{"type": "reset"}` when the page must start again from a snapshot."""
        queue: asyncio.Queue[Manifest] = asyncio.Queue(QUEUE_SIZE)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    def close_listeners(self) -> None:
        """Tell every page's stream to end (the server is shutting down)."""
        for queue in self._listeners:
            _replace(queue, {"type": "close"})

    async def _may_watch_crds(self) -> bool:
        try:
            await self.kube.list(CRDS.api_version, CRDS.kind, limit=1, metadata_only=True)
        except Forbidden as err:
            log.warning("may not watch CRDs: kinds installed later show after a restart", extra={"error": err.message})
            return False
        return True

    async def _may_list(self, kind: str, resource: Resource) -> bool:
        """Whether the UI's own identity may list the kind; an informer it may not list would never sync."""
        try:
            await self.kube.list(resource.api_version, kind, self.namespace, limit=1, metadata_only=True)
        except Forbidden as err:
            log.warning("may not list a Flux kind: left out of the UI", extra={"kind": kind, "error": err.message})
            return False
        return True

    def _crd_changed(self, _change: Change, _old: Manifest | None, new: Manifest) -> None:
        if new["metadata"]["name"].partition(".")[2] in FLUX_GROUPS:
            self._crds_changed.set()

    async def _refollow(self) -> None:
        while True:
            await self._crds_changed.wait()
            self._crds_changed.clear()
            for api_version in set(API_VERSIONS.values()):
                self.kube.mapper.forget(api_version)
            await self._follow_kinds()

    async def _follow_kinds(self) -> None:
        """Start an informer for each Flux kind served and not watched yet; stop those of kinds no longer served."""
        for kind, api_version in API_VERSIONS.items():
            try:
                resource: Resource | None = await self.kube.resource(api_version, kind)
            except NotFound:
                resource = None
            if resource is not None and kind not in self.informers and await self._may_list(kind, resource):
                self._start(kind, resource)
            elif resource is None and kind in self.informers:
                self._stop(kind)

    def _start(self, kind: str, resource: Resource) -> None:
        assert self._group is not None
        informer = Informer(self.kube, Scope(api_version=resource.api_version, kind=kind, namespace=self.namespace))
        informer.add_handler(self._changed)
        self.informers[kind], self.resources[kind] = informer, resource
        self._tasks[kind] = self._group.create_task(informer.run())
        log.info("watching a Flux kind", extra={"kind": kind})

    def _stop(self, kind: str) -> None:
        self._tasks.pop(kind).cancel()
        left = self.informers.pop(kind).items()
        del self.resources[kind]
        log.info("no longer served: stopped watching", extra={"kind": kind})
        if left:  # its objects went with the CRD; the pages start again without them
            for queue in self._listeners:
                _replace(queue, {"type": "reset"})

    def _changed(self, change: Change, _old: Manifest | None, new: Manifest) -> None:
        ref = ObjectRef.of(new)
        message: Manifest
        if change is Change.DELETED:
            message = {"type": "delete", "id": object_id(ref), "kind": ref.kind, "namespace": ref.namespace or ""}
        else:
            message = {"type": "upsert", "row": row(new)}
        for queue in self._listeners:
            if queue.full():  # the page fell behind: it starts again from a snapshot
                _replace(queue, {"type": "reset"})
            else:
                queue.put_nowait(message)


def _replace(queue: asyncio.Queue[Manifest], message: Manifest) -> None:
    """Drop what the queue holds and leave only `message`."""
    while not queue.empty():
        queue.get_nowait()
    queue.put_nowait(message)
