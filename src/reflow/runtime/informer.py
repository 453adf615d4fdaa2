"""Informers: a paged list, then a watch with bookmarks, kept in an indexed cache; relist on 410 loses no delete."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from reflow.api.meta import Manifest
from reflow.kube.client import Kube
from reflow.kube.errors import ApiError, Gone, Unreachable

log = logging.getLogger("reflow.runtime.informer")

Key = tuple[str, str]
"""(namespace, name); namespace is "" for cluster-wide objects."""

Indexer = Callable[[Manifest], Iterable[str]]
"""The index values of an object (for example its source reference, `Kind/namespace/name`)."""


class Change(StrEnum):
    """What happened to a cached object."""

    ADDED = "added"
    UPDATED = "updated"
    DELETED = "deleted"


Handler = Callable[[Change, Manifest | None, Manifest], None]
"""Called with (change, old object or None, new object — the last state for a delete)."""


def key_of(obj: Manifest) -> Key:
    """The cache key of an object."""
    metadata = obj["metadata"]
    return metadata.get("namespace") or "", metadata["name"]


def slim(obj: Manifest) -> Manifest:
    """The object without `managedFields`, which the cache never needs and which dominate its memory."""
    obj.get("metadata", {}).pop("managedFields", None)
    return obj


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """Which objects an informer sees."""

    api_version: str
    kind: str
    namespace: str | None = None
    """None: every namespace (`--watch-all-namespaces`)."""
    label_selector: str | None = None
    """For example `sharding.fluxcd.io/key=shard1` (`--watch-label-selector`)."""
    metadata_only: bool = False
    """Cache only apiVersion, kind and metadata (PartialObjectMetadata)."""


@dataclass(slots=True)
class _Index:
    of: Indexer
    entries: defaultdict[str, set[Key]] = field(default_factory=lambda: defaultdict(set))


class Informer:
    """Keeps a cache of one kind in one scope current and tells handlers what changed."""

    def __init__(self, kube: Kube, scope: Scope, *, watch_seconds: tuple[int, int] = (300, 600)) -> None:
        self.kube = kube
        self.scope = scope
        self._cache: dict[Key, Manifest] = {}
        self._indexes: dict[str, _Index] = {}
        self._handlers: list[Handler] = []
        self._synced = asyncio.Event()
        self._watch_seconds = watch_seconds
        self.relists = 0
        """How many times the informer listed (1 + one per expired or broken watch)."""

    def add_index(self, name: str, indexer: Indexer) -> None:
        """Register an index, also over the objects already cached; an informer is shared, so a name is
        registered once (again with the same function is a no-op, with another is an error)."""
        present = self._indexes.get(name)
        if present is not None:
            if present.of is not indexer:
                raise ValueError(f"index {name!r} on {self.scope.kind} is already registered with another function")
            return
        index = self._indexes[name] = _Index(indexer)
        for key, obj in self._cache.items():
            for value in indexer(obj):
                index.entries[value].add(key)

    def add_handler(self, handler: Handler) -> None:
        """Register a change handler; handlers must be quick and must not block."""
        self._handlers.append(handler)

    def remove_handler(self, handler: Handler) -> None:
        """Stop telling a handler about changes."""
        self._handlers.remove(handler)

    @property
    def synced(self) -> bool:
        """True once the first list has filled the cache."""
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        """Wait until the first list has filled the cache."""
        await self._synced.wait()

    def get(self, namespace: str | None, name: str) -> Manifest | None:
        """The cached object, or None."""
        return self._cache.get((namespace or "", name))

    def items(self) -> list[Manifest]:
        """Every cached object."""
        return list(self._cache.values())

    def by_index(self, index: str, value: str) -> list[Manifest]:
        """The cached objects whose index `index` contains `value`."""
        keys = self._indexes[index].entries.get(value, set())
        return [self._cache[key] for key in sorted(keys) if key in self._cache]

    def observe(self, obj: Manifest) -> None:
        """Take a newer version of an object that this process wrote itself, before its watch event arrives."""
        self._apply(Change.UPDATED, slim(_with_type(obj, self.scope)))

    async def run(self) -> None:
        """List and watch until cancelled, relisting whenever the watch's resourceVersion expires."""
        failures = 0
        while True:
            try:
                version = await self._relist()
                failures = 0
                await self._watch_from(version)
            except Gone:
                log.info("watch expired; relisting", extra={"kind": self.scope.kind})
            except (Unreachable, ApiError) as error:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6)) * random.uniform(0.8, 1.2)
                log.warning("list/watch failed; retrying", extra={"kind": self.scope.kind, "error": str(error)})
                await asyncio.sleep(delay)

    async def _relist(self) -> str:
        scope = self.scope
        whole = await self.kube.list_whole(
            scope.api_version,
            scope.kind,
            scope.namespace,
            label_selector=scope.label_selector,
            metadata_only=scope.metadata_only,
        )
        self.relists += 1
        fresh = {key_of(obj): slim(_with_type(obj, scope)) for obj in whole["items"]}
        for key in list(self._cache):
            if key not in fresh:
                self._apply(Change.DELETED, self._cache[key])
        for key, obj in fresh.items():
            cached = self._cache.get(key)
            if cached is None:
                self._apply(Change.ADDED, obj)
            elif _version(cached) != _version(obj):
                self._apply(Change.UPDATED, obj)
        self._synced.set()
        return str(whole["metadata"]["resourceVersion"])

    async def _watch_from(self, version: str) -> None:
        scope = self.scope
        while True:
            async for event in self.kube.watch(
                scope.api_version,
                scope.kind,
                scope.namespace,
                resource_version=version,
                label_selector=scope.label_selector,
                timeout_seconds=random.randint(*self._watch_seconds),
                metadata_only=scope.metadata_only,
            ):
                obj = event.object
                if event.type == "ERROR":
                    raise ApiError(int(obj.get("code") or 500), str(obj.get("reason")), str(obj.get("message")))
                version = obj["metadata"]["resourceVersion"]
                if event.type == "BOOKMARK":
                    continue
                obj = slim(_with_type(obj, scope))
                if event.type == "DELETED":
                    self._apply(Change.DELETED, obj)
                else:
                    self._apply(Change.UPDATED if key_of(obj) in self._cache else Change.ADDED, obj)

    def _apply(self, change: Change, obj: Manifest) -> None:
        key = key_of(obj)
        old = self._cache.get(key)
        if old is not None:
            self._unindex(key, old)
        if change is Change.DELETED:
            self._cache.pop(key, None)
        else:
            self._cache[key] = obj
            for index in self._indexes.values():
                for value in index.of(obj):
                    index.entries[value].add(key)
        for handler in self._handlers:
            try:
                handler(change, old, obj)
            except Exception:
                log.exception("informer handler failed", extra={"kind": self.scope.kind})

    def _unindex(self, key: Key, obj: Manifest) -> None:
        for index in self._indexes.values():
            for value in index.of(obj):
                index.entries[value].discard(key)
                if not index.entries[value]:
                    del index.entries[value]


def _version(obj: Manifest) -> str:
    return str(obj["metadata"].get("resourceVersion", ""))


def _with_type(obj: Manifest, scope: Scope) -> Manifest:
    """Name the object's own kind, also where the server sent PartialObjectMetadata."""
    if obj.get("kind") in (None, "PartialObjectMetadata"):
        obj["apiVersion"], obj["kind"] = scope.api_version, scope.kind
    return obj
