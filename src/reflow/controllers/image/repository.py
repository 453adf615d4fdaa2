"""The ImageRepository reconciler: list the registry's tags, drop the excluded ones, keep them in the tag store.

A reconcile scans only when Flux would (first scan, a requested reconcile, a new image name or exclusion
list, lost tags, or the interval passed); an unchanged tag list rewrites neither the tag file nor the
status. A registry that is down or refuses the credentials leaves the last scan in place.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from reflow.api.annotations import REQUESTED_AT
from reflow.api.conditions import AUTHENTICATION_FAILED, READ_OPERATION_FAILED
from reflow.api.image import ImageRepository
from reflow.api.meta import Manifest
from reflow.controllers.image.registry import image_repository, registry_access
from reflow.engines.image.extract import InvalidPattern
from reflow.engines.image.scan import canonical_name, excluded, latest_tags, scan_reason
from reflow.engines.image.tagstore import TagStore
from reflow.engines.oci import AuthCache, AuthenticationFailed, OCIError
from reflow.kube.client import Kube
from reflow.runtime.conditions import now_rfc3339
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Result


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


class ImageRepositoryReconciler(Reconciler[ImageRepository]):
    """Scans an image repository's tags into the tag store and summarises the scan in the status."""

    api_version = ImageRepository.KIND.api_version
    kind = "ImageRepository"

    def __init__(self, kube: Kube, store: TagStore, cache: AuthCache | None = None) -> None:
        self.kube = kube
        self.store = store
        self.cache = cache or AuthCache()

    def parse(self, obj: Manifest) -> ImageRepository:
        return parse_kind(ImageRepository, obj)

    def interval(self, repo: ImageRepository) -> float:
        return repo.spec.interval

    def timeout(self, repo: ImageRepository) -> float:
        return repo.spec.timeout or repo.spec.interval

    async def reconcile(self, repo: ImageRepository, progress: Progress) -> Result:
        spec, status, meta = repo.spec, repo.status, repo.metadata
        namespace = meta.namespace or ""
        repository = image_repository(spec.image)
        canonical = canonical_name(repository.registry, repository.path)
        last = status.last_scan_result
        stored = await asyncio.to_thread(self.store.read, namespace, meta.name)
        reason = scan_reason(
            last_scan=_time(last.scan_time) if last else None,
            now=datetime.now(UTC),
            interval=spec.interval,
            requested=meta.annotations.get(REQUESTED_AT, status.last_handled_reconcile_at)
            != status.last_handled_reconcile_at,
            name_changed=canonical != status.canonical_image_name,
            exclusions_changed=tuple(spec.exclusion_list) != tuple(status.observed_exclusion_list),
            stored=stored is not None and stored.canonical_image_name == canonical,
        )
        if reason is None and last is not None:
            elapsed = (datetime.now(UTC) - (_time(last.scan_time) or datetime.now(UTC))).total_seconds()
            return Result(ready=f"successful scan: found {last.tag_count} tags",
                          requeue_after=max(1.0, spec.interval - elapsed))  # fmt: skip
        await progress(f"scanning: {reason}")
        access = await registry_access(self.kube, repo, repository)
        try:
            async with access.client(self.cache) as client:
                tags = await client.tags()
        except AuthenticationFailed as error:
            raise ReconcileError(f"scan failed: {error}", reason=AUTHENTICATION_FAILED) from error
        except (OCIError, TimeoutError) as error:
            raise ReconcileError(f"scan failed: {error or 'timed out'}", reason=READ_OPERATION_FAILED) from error
        try:
            kept = excluded(tags, spec.exclusion_list)
        except InvalidPattern as error:
            raise StalledError(str(error), reason=READ_OPERATION_FAILED) from error
        changed = await asyncio.to_thread(self.store.write, namespace, meta.name, canonical, kept)
        ready = f"successful scan: found {len(kept)} tags"
        observed = {"canonicalImageName": canonical, "observedExclusionList": list(spec.exclusion_list)}
        if not changed and last is not None and reason not in ("first scan", "no tags in storage"):
            return Result(ready=ready, status=observed)
        stored_now = await asyncio.to_thread(self.store.read, namespace, meta.name)
        scan = {
            "tagCount": len(kept),
            "scanTime": now_rfc3339(),
            "latestTags": latest_tags(kept) or None,
            "revision": stored_now.revision if stored_now else None,
        }
        return Result(ready=ready, status={**observed, "lastScanResult": scan}, event=ready)

    async def finalize(self, repo: ImageRepository) -> None:
        await asyncio.to_thread(self.store.remove, repo.metadata.namespace or "", repo.metadata.name)
