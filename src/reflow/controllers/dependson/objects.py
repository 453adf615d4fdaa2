"""Objects of other kinds that dependents wait on: one shared informer per kind, waking dependents on change."""

from __future__ import annotations

from collections.abc import Callable

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.health import health_status
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.informer import Change, Informer, Scope

Listener = Callable[[ObjectRef], None]
"""Told the reference of a dependency whose readiness may have changed."""


def dependency_key(ref: ObjectRef) -> str:
    """The index key of a dependency: `Kind/namespace/name`."""
    return f"{ref.kind}/{ref.namespace or ''}/{ref.name}"


class DependencyObjects:
    """Reads dependencies of any namespaced kind from the manager's cache.

    The first read of a kind starts an informer held for the process's life; from then on every change
    to an object of that kind that moves its readiness (or adds or deletes it) is passed to the listeners,
    so dependents run the moment a dependency becomes ready, without a requeue timer.
    """

    def __init__(self, cache: Cache, kube: Kube, namespace: str | None) -> None:
        self.cache = cache
        self.kube = kube
        self.namespace = namespace
        self._informers: dict[tuple[str, str], Informer] = {}
        self._listeners: list[Listener] = []

    def on_change(self, listener: Listener) -> None:
        """Call `listener` for every dependency whose readiness may have changed."""
        self._listeners.append(listener)

    def get(self, ref: ObjectRef) -> Manifest | None:
        """The cached object (with its apiVersion and kind), or None when absent or not listed yet."""
        found = self._informer(ref.api_version, ref.kind).get(ref.namespace, ref.name)
        return None if found is None else {**found, "apiVersion": ref.api_version, "kind": ref.kind}

    def _informer(self, api_version: str, kind: str) -> Informer:
        key = (api_version, kind)
        informer = self._informers.get(key)
        if informer is None:
            scope = Scope(api_version=api_version, kind=kind, namespace=self.namespace)
            informer = self._informers[key] = self.cache.informer(self.kube, scope)

            def readiness(obj: Manifest) -> tuple[object, ...]:
                status = health_status({**obj, "apiVersion": api_version, "kind": kind})
                return status.status, status.message

            def changed(change: Change, old: Manifest | None, new: Manifest) -> None:
                if change is Change.UPDATED and old is not None and readiness(old) == readiness(new):
                    return
                ref = ObjectRef(api_version, kind, new["metadata"]["name"], new["metadata"].get("namespace"))
                for listener in self._listeners:
                    listener(ref)

            informer.add_handler(changed)
        return informer
