"""The ImagePolicy reconciler: read the ImageRepository's scanned tags, choose the latest, record `latestRef`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from reflow.api.conditions import DEPENDENCY_NOT_READY
from reflow.api.image import FAILURE, INVALID_POLICY, ImagePolicy, ImageRepository
from reflow.api.meta import Manifest
from reflow.api.wire import render
from reflow.controllers.image.access import check_access
from reflow.controllers.image.registry import image_repository, registry_access
from reflow.engines.image.policy import InvalidPolicy, NoTagSelected, select_latest
from reflow.engines.image.tagstore import TagStore
from reflow.engines.oci import AuthCache, OCIError, Reference
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Result

Lookup = Callable[[str, str], Manifest | None]
"""Reads an ImageRepository from the controller's cache by (namespace, name)."""


def ready_message(latest: Manifest, previous: Manifest | None) -> str:
    """Flux's Ready message: the chosen tag, its digest, and what it replaced."""
    message = f"Latest image tag for {latest['name']} resolved to {latest['tag']}"
    if latest.get("digest"):
        message += f" with digest {latest['digest']}"
    if previous and previous != latest:
        message += f" (previously {previous.get('name')}:{previous.get('tag')}"
        message += f"@{previous['digest']})" if previous.get("digest") else ")"
    return message


def _same_with_digest(previous: Manifest | None, latest: Manifest) -> bool:
    """`IfNotPresent` keeps the recorded digest while the image and tag stay the same."""
    return (
        previous is not None
        and bool(previous.get("digest"))
        and (previous.get("name"), previous.get("tag"))
        == (
            latest["name"],
            latest["tag"],
        )
    )


class ImagePolicyReconciler(Reconciler[ImagePolicy]):
    """Chooses the latest tag of an ImageRepository and records it in `status.latestRef`."""

    api_version = ImagePolicy.KIND.api_version
    kind = "ImagePolicy"
    finalizer = None

    def __init__(
        self,
        kube: Kube,
        store: TagStore,
        repositories: Lookup,
        *,
        no_cross_namespace_refs: bool = False,
        requeue_dependency: float = 30.0,
        cache: AuthCache | None = None,
    ) -> None:
        self.kube = kube
        self.cache = cache or AuthCache()
        self.store = store
        self.repositories = repositories
        self.no_cross_namespace_refs = no_cross_namespace_refs
        self.requeue_dependency = requeue_dependency

    def parse(self, obj: Manifest) -> ImagePolicy:
        return parse_kind(ImagePolicy, obj)

    def interval(self, policy: ImagePolicy) -> float | None:
        return policy.spec.interval

    async def reconcile(self, policy: ImagePolicy, progress: Progress) -> Result:
        namespace = policy.metadata.namespace or ""
        ref = policy.spec.image_repository_ref
        repo_namespace = ref.namespace or namespace
        where = f"{ImageRepository.KIND.kind}/{repo_namespace}/{ref.name}"
        repository = self.repositories(repo_namespace, ref.name)
        if repository is None:
            raise Waiting(f"failed to get the referred ImageRepository: '{where}' not found",
                          reason=DEPENDENCY_NOT_READY, requeue_after=self.requeue_dependency)  # fmt: skip
        await check_access(self.kube, repository, "ImageRepository", namespace,
                           no_cross_namespace_refs=self.no_cross_namespace_refs)  # fmt: skip
        stored = await asyncio.to_thread(self.store.read, repo_namespace, ref.name)
        if stored is None or not stored.tags:
            raise Waiting(f"'{where}' has no scanned tags yet", reason=DEPENDENCY_NOT_READY,
                          requeue_after=self.requeue_dependency)  # fmt: skip
        await progress(f"applying policy to {len(stored.tags)} tags of '{where}'")
        try:
            chosen = select_latest(stored.tags, policy.spec.policy, policy.spec.filter_tags)
        except InvalidPolicy as error:
            raise StalledError(str(error), reason=INVALID_POLICY) from error
        except NoTagSelected as error:
            raise ReconcileError(f"cannot choose a tag of '{where}': {error}", reason=FAILURE) from error
        previous = render(policy.status.latest_ref) if policy.status.latest_ref else None
        latest: Manifest = {"name": repository["spec"]["image"], "tag": chosen.tag}
        reflect = policy.spec.digest_reflection_policy
        if reflect == "Always" or (reflect == "IfNotPresent" and not _same_with_digest(previous, latest)):
            latest["digest"] = await self._digest(repository, chosen.tag)
        elif reflect == "IfNotPresent" and previous is not None:
            latest["digest"] = previous["digest"]
        changed = previous != latest
        status: Manifest = {"latestRef": latest}
        if changed:
            status["observedPreviousRef"] = previous
        observed = policy.status.observed_previous_ref
        message = ready_message(latest, previous if changed else (render(observed) if observed else None))
        return Result(ready=message, status=status, event=message if changed else None)

    async def _digest(self, repository: Manifest, tag: str) -> str:
        """The manifest digest of the chosen tag, asked of the registry with the ImageRepository's access."""
        repo = parse_kind(ImageRepository, repository)
        where = f"{repo.spec.image}:{tag}"
        registry = image_repository(repo.spec.image)
        access = await registry_access(self.kube, repo, registry)
        try:
            async with access.client(self.cache) as client:
                return await client.resolve(Reference(registry, tag=tag))
        except (OCIError, TimeoutError) as error:
            raise ReconcileError(
                f"failed fetching digest of {where}: {error or 'timed out'}", reason=FAILURE
            ) from error
