"""Garbage collection: deleting what left the set, and what a Kustomization's deletion policy removes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

from reflow.api import annotations as keys
from reflow.api.conditions import PRUNE_FAILED
from reflow.api.kustomize import ResourceInventory
from reflow.api.meta import Manifest, ObjectRef, group_of
from reflow.kube.client import Kube
from reflow.kube.errors import KubeError, NotFound

from .apply import in_metadata
from .changeset import Action, Change, ChangeSet
from .order import kind_rank


class DeletionPolicy(StrEnum):
    """What deleting a Kustomization does to the objects it applied (`spec.deletionPolicy`)."""

    MIRROR_PRUNE = "MirrorPrune"  # delete them when `spec.prune` is true (the default)
    DELETE = "Delete"
    WAIT_FOR_TERMINATION = "WaitForTermination"  # delete them and wait until they are gone
    ORPHAN = "Orphan"


@dataclass(frozen=True, slots=True, kw_only=True)
class PruneOptions:
    """How to prune."""

    owner_labels: Mapping[str, str]
    """Labels an object must carry to be deleted: the owning Kustomization's name and namespace."""
    propagation: str = "Background"
    """Deletion propagation for dependents (Background, as Flux; Foreground or Orphan)."""
    concurrency: int = 4
    """API calls in flight at once."""


class PruneError(Exception):
    """Some objects could not be deleted; `change_set` holds what happened to every object."""

    reason: ClassVar[str] = PRUNE_FAILED

    def __init__(self, messages: Iterable[str], change_set: ChangeSet) -> None:
        self.messages = tuple(messages)
        super().__init__("\n".join(self.messages))
        self.change_set = change_set


def owner_labels(name: str, namespace: str) -> dict[str, str]:
    """The labels a Kustomization puts on everything it applies."""
    return {keys.KUSTOMIZE_NAME: name, keys.KUSTOMIZE_NAMESPACE: namespace}


def protected(obj: Manifest) -> bool:
    """`prune: disabled`, `reconcile: disabled` or `ssa: Ignore`: never garbage collected."""
    return (
        in_metadata(obj, keys.PRUNE, keys.DISABLED)
        or in_metadata(obj, keys.RECONCILE, keys.DISABLED)
        or in_metadata(obj, keys.SSA, keys.SSA_IGNORE)
    )


def prune_action(live: Manifest | None, owner: Mapping[str, str]) -> Action:
    """What pruning does to a stale object: DELETED (also when already gone) or SKIPPED when it is not
    ours (labels differ) or protected."""
    if live is None:
        return Action.DELETED
    labels = (live.get("metadata") or {}).get("labels") or {}
    if any(labels.get(key) != value for key, value in owner.items()) or protected(live):
        return Action.SKIPPED
    return Action.DELETED


def deletes_on_finalize(
    policy: str | None, *, prune: bool, suspended: bool, inventory: ResourceInventory | None
) -> bool:
    """Whether deleting the Kustomization deletes its objects: never when suspended or nothing was applied;
    MirrorPrune follows `spec.prune`; Delete and WaitForTermination always; Orphan never."""
    if suspended or inventory is None or not inventory.entries:
        return False
    match DeletionPolicy(policy or DeletionPolicy.MIRROR_PRUNE):
        case DeletionPolicy.MIRROR_PRUNE:
            return prune
        case DeletionPolicy.DELETE | DeletionPolicy.WAIT_FOR_TERMINATION:
            return True
        case DeletionPolicy.ORPHAN:
            return False


def waits_for_termination(policy: str | None) -> bool:
    """Whether finalizing waits (up to the timeout) until the deleted objects are gone."""
    return policy == DeletionPolicy.WAIT_FOR_TERMINATION


def deletion_order(refs: Iterable[ObjectRef]) -> list[ObjectRef]:
    """The reverse of the apply order: webhooks first, namespaces and CRDs last."""
    return sorted(
        refs,
        key=lambda r: (kind_rank(r.kind), group_of(r.api_version), r.kind, r.namespace or "", r.name),
        reverse=True,
    )


async def prune(kube: Kube, refs: Iterable[ObjectRef], options: PruneOptions) -> ChangeSet:
    """Delete the stale objects that are ours and not protected; raises PruneError after trying them all."""
    ordered = deletion_order(refs)
    slots = asyncio.Semaphore(options.concurrency)
    changes: list[Change | None] = [None] * len(ordered)
    failures: list[str] = []

    async def one(index: int, ref: ObjectRef) -> None:
        async with slots:
            try:
                try:
                    live: Manifest | None = await kube.get(ref)
                except NotFound:
                    live = None
                action = prune_action(live, options.owner_labels)
                if live is not None and action is Action.DELETED:
                    with contextlib.suppress(NotFound):
                        await kube.delete(ref, propagation=options.propagation)
            except KubeError as err:
                failures.append(f"{ref} delete failed: {err}")
                changes[index] = Change.of(ref, Action.UNKNOWN)
                return
            changes[index] = Change.of(ref, action)

    async with asyncio.TaskGroup() as group:
        for index, ref in enumerate(ordered):
            group.create_task(one(index, ref))
    change_set = ChangeSet.of(change for change in changes if change is not None)
    if failures:
        raise PruneError(failures, change_set)
    return change_set
