"""Dynamic watches: wait for any object by watching it, on informers borrowed from the manager's cache.

The health checker, dependents and remote clusters use them, so waiting costs no polling and waiters
on the same kind and namespace share one informer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from reflow.api.meta import Manifest, ObjectRef
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Change, Scope


class DynamicWatches:
    """Waits on the manager's informer cache; an informer lives while someone waits on its kind and namespace."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache

    async def wait_for(
        self, kube: Kube, ref: ObjectRef, predicate: Callable[[Manifest | None], bool], *, timeout: float
    ) -> Manifest | None:
        """Return the object (None if absent) once `predicate` holds for it; raise TimeoutError after `timeout`."""
        scope = Scope(api_version=ref.api_version, kind=ref.kind, namespace=ref.namespace)
        async with asyncio.timeout(timeout), self.cache.watching(kube, scope) as informer:
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
