"""Sources as one interface, whatever their kind: the artifact a consumer should read, and its changes.

Kustomizations and ArtifactGenerators both read their sources through it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from reflow.api.conditions import ARTIFACT_FAILED
from reflow.api.helmsource import HelmChart
from reflow.api.meta import Manifest
from reflow.api.schema import KindInfo
from reflow.api.source import Bucket, ExternalArtifact, GitRepository, OCIRepository
from reflow.kube.client import Kube
from reflow.runtime.cache import Cache
from reflow.runtime.errors import Waiting
from reflow.runtime.informer import Change, Scope

SOURCE_KINDS: tuple[KindInfo, ...] = (GitRepository.KIND, OCIRepository.KIND, Bucket.KIND, ExternalArtifact.KIND)
"""The kinds a Kustomization's sourceRef may name."""
GENERATOR_SOURCE_KINDS: tuple[KindInfo, ...] = (*SOURCE_KINDS, HelmChart.KIND)
"""The kinds an ArtifactGenerator may read."""

SourceKey = tuple[str, str, str]
"""(kind, namespace, name) of a source."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceArtifact:
    """What a Kustomization needs from its source: where the artifact is and what it holds."""

    url: str
    revision: str
    digest: str | None
    origin_revision: str | None = None


class Sources:
    """Follows every source kind of `kinds` (in the controller's scope) on the manager's informer cache, shared with the
    source controller in the same process, and tells who cares when an artifact changes."""

    def __init__(
        self, cache: Cache, kube: Kube, namespace: str | None, kinds: Iterable[KindInfo] = SOURCE_KINDS
    ) -> None:
        self.informers = {
            kind.kind: cache.informer(kube, Scope(api_version=kind.api_version, kind=kind.kind, namespace=namespace))
            for kind in kinds
        }
        self._listeners: list[Callable[[SourceKey], None]] = []
        self._revision_events: dict[SourceKey, set[asyncio.Event]] = {}
        for informer in self.informers.values():
            informer.add_handler(self.observe)

    def on_new_artifact(self, listener: Callable[[SourceKey], None]) -> None:
        """Call `listener` with the source's key whenever its artifact revision, digest or URL changes (a new
        URL for the same revision: the source controller restarted elsewhere and stored it again)."""
        self._listeners.append(listener)

    def observe(self, change: Change, old: Manifest | None, new: Manifest) -> None:
        """Tell the listeners about a source change; an informer this class does not own may call it too."""
        before = ((old or {}).get("status") or {}).get("artifact") or {}
        after = (new.get("status") or {}).get("artifact") or {}
        moved = change is Change.DELETED or any(before.get(key) != after.get(key) for key in ("revision", "digest"))
        if not moved and before.get("url") == after.get("url"):
            return
        key: SourceKey = (new["kind"], new["metadata"].get("namespace") or "", new["metadata"]["name"])
        for listener in self._listeners:
            listener(key)
        if moved:
            for event in self._revision_events.get(key, ()):
                event.set()

    def get(self, key: SourceKey) -> Manifest | None:
        """The cached source object."""
        kind, namespace, name = key
        informer = self.informers.get(kind)
        return informer.get(namespace, name) if informer else None

    def ready_artifact(self, key: SourceKey, *, requeue_after: float, reason: str = ARTIFACT_FAILED) -> SourceArtifact:
        """The artifact the cached source offers now; Waiting(`reason`) while there is none, as Flux does."""
        source = self.get(key)
        kind, namespace, name = key
        if source is None:
            raise Waiting(f"Source '{kind}/{namespace}/{name}' not found", reason=reason, requeue_after=requeue_after)
        artifact = (source.get("status") or {}).get("artifact")
        if not artifact:
            raise Waiting(f"Source '{kind}/{namespace}/{name}' is not ready, artifact not found", reason=reason,
                          requeue_after=requeue_after)  # fmt: skip
        metadata = artifact.get("metadata") or {}
        return SourceArtifact(
            url=artifact["url"],
            revision=artifact["revision"],
            digest=artifact.get("digest"),
            origin_revision=metadata.get("org.opencontainers.image.revision"),
        )

    @contextmanager
    def new_artifact(self, key: SourceKey) -> Iterator[asyncio.Event]:
        """An event set when this source's artifact next changes while the block runs."""
        event = asyncio.Event()
        self._revision_events.setdefault(key, set()).add(event)
        try:
            yield event
        finally:
            events = self._revision_events[key]
            events.discard(event)
            if not events:
                del self._revision_events[key]
