"""Watches of the ExternalArtifacts generators publish outside the namespace the controller watches.

With `--watch-all-namespaces=false` the shared informers see one namespace. Every other namespace a
generator publishes in gets an informer of its own for as long as some generator publishes there, so a
hand-deleted artifact is restored and an up-to-date one is not rebuilt. When the set of namespaces
changes, only the namespaces that came or went are started or stopped; the others keep their watch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from reflow.api.meta import Manifest
from reflow.api.source import ExternalArtifact
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Change, Informer, Scope

GeneratorKey = tuple[str, str]
"""(namespace, name) of a generator."""
Handler = Callable[[Change, "Manifest | None", Manifest], None]


class TargetWatches:
    """Holds one ExternalArtifact informer per namespace outside `watched` that a generator publishes in."""

    def __init__(self, cache: Cache, kube: Kube, watched: str | None, handler: Handler) -> None:
        self.cache = cache
        self.kube = kube
        self.watched = watched
        self.handler = handler
        self._wanted: dict[GeneratorKey, frozenset[str]] = {}
        self._stops: dict[str, asyncio.Event] = {}
        self._informers: dict[str, Informer] = {}
        self._starts: asyncio.Queue[str] = asyncio.Queue()
        self._listeners: list[Callable[[GeneratorKey], None]] = []

    def on_watch_started(self, listener: Callable[[GeneratorKey], None]) -> None:
        """Call `listener` for each generator publishing in a namespace once that namespace's watch has listed
        it, so a change made between publishing and the watch's start is not missed."""
        self._listeners.append(listener)

    def covers(self, namespace: str) -> bool:
        """Whether the shared informers already see this namespace."""
        return self.watched is None or namespace == self.watched

    def follow(self, generator: GeneratorKey, namespaces: Iterable[str]) -> tuple[list[str], list[str]]:
        """Record where a generator publishes now (nothing, once it is gone) and start or stop the difference;
        the namespaces whose watch this started and stopped, sorted."""
        if self.watched is None:
            return [], []
        wanted = frozenset(namespace for namespace in namespaces if not self.covers(namespace))
        if wanted:
            self._wanted[generator] = wanted
        else:
            self._wanted.pop(generator, None)
        needed = frozenset().union(*self._wanted.values())
        started, stopped = sorted(needed - self._stops.keys()), sorted(self._stops.keys() - needed)
        for namespace in started:
            self._stops[namespace] = asyncio.Event()
            self._starts.put_nowait(namespace)
        for namespace in stopped:
            self._stops.pop(namespace).set()
        return started, stopped

    def watching(self) -> list[str]:
        """The namespaces with a watch of their own now, sorted."""
        return sorted(self._stops)

    def get(self, namespace: str, name: str) -> Manifest | None:
        """The cached ExternalArtifact from this namespace's own informer; None while there is none."""
        informer = self._informers.get(namespace)
        return informer.get(namespace, name) if informer else None

    async def run(self) -> None:
        """Start a watch for each namespace that comes; each stops when its namespace goes (or on shutdown)."""
        async with asyncio.TaskGroup() as group:
            while True:
                namespace = await self._starts.get()
                stop = self._stops.get(namespace)
                if stop is not None:
                    group.create_task(self._watch(namespace, stop))

    async def _watch(self, namespace: str, stop: asyncio.Event) -> None:
        scope = Scope(api_version=ExternalArtifact.KIND.api_version, kind=ExternalArtifact.KIND.kind,
                      namespace=namespace)  # fmt: skip
        async with self.cache.watching(self.kube, scope) as informer:
            informer.add_handler(self.handler)
            self._informers[namespace] = informer
            for generator, namespaces in list(self._wanted.items()):
                if namespace in namespaces:
                    for listener in self._listeners:
                        listener(generator)
            try:
                await stop.wait()
            finally:
                informer.remove_handler(self.handler)
                if namespace not in self._stops:
                    self._informers.pop(namespace, None)
