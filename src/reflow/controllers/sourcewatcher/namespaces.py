"""The Namespaces a generator manages: applied with the controller's own credentials, pruned when let go.

A managed Namespace carries the generator's labels. On the live Namespace, `…/ssa: Ignore` (or
`…/reconcile: Disabled`) leaves it untouched and `…/ssa: IfNotPresent` only creates it; `…/prune:
Disabled` keeps it when the generator lets it go, and so does an `…/externalFinalizer` naming an object
that exists with that UID (its owner deletes it). Only a Namespace labelled as this generator's is ever
deleted.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from reflow.api.annotations import GENERATOR, GENERATOR_RECONCILE, MANAGED_BY
from reflow.api.annotations import GENERATOR_EXTERNAL_FINALIZER as EXTERNAL_FINALIZER
from reflow.api.annotations import GENERATOR_PRUNE as PRUNE
from reflow.api.annotations import GENERATOR_SSA as SSA
from reflow.api.meta import Manifest, ObjectRef
from reflow.controllers.sourcewatcher.externalartifacts import FIELD_MANAGER
from reflow.engines.generator.namespaces import NamespaceMetadata, external_finalizer
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound


def ref(name: str) -> ObjectRef:
    return ObjectRef("v1", "Namespace", name)


def _says(obj: Manifest, key: str, value: str) -> bool:
    """Whether a label or annotation `key` of the object is `value`, compared case-insensitively as Flux does."""
    meta = obj.get("metadata") or {}
    return any(
        str((meta.get(where) or {}).get(key, "")).lower() == value.lower() for where in ("labels", "annotations")
    )


@dataclass(frozen=True, slots=True)
class Applied:
    """What applying a managed Namespace did, and whose it was before when it was someone else's."""

    action: str
    """`created`, `configured`, `unchanged` or `skipped` (the live Namespace asks to be left alone)."""
    previous_owner: str | None = None
    """None: new, or already this generator's; "": it had no generator (adopted); else the other generator's UID."""


async def apply(kube: Kube, name: str, metadata: NamespaceMetadata) -> Applied:
    """Create or update the Namespace with the controller's own credentials."""
    try:
        live: Manifest | None = await kube.get(ref(name))
    except NotFound:
        live = None
    previous: str | None = None
    if live is not None:
        ignored = _says(live, SSA, "Ignore") or _says(live, GENERATOR_RECONCILE, "Disabled")
        if ignored or _says(live, SSA, "IfNotPresent"):
            return Applied("skipped")
        owner = (live["metadata"].get("labels") or {}).get(GENERATOR, "")
        previous = None if owner == metadata.labels.get(GENERATOR) else owner
    manifest: Manifest = {"apiVersion": "v1", "kind": "Namespace",
                          "metadata": {"name": name, "labels": dict(metadata.labels)}}  # fmt: skip
    if metadata.annotations:
        manifest["metadata"]["annotations"] = dict(metadata.annotations)
    applied = await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
    if live is None:
        return Applied("created")
    same = applied["metadata"].get("resourceVersion") == live["metadata"].get("resourceVersion")
    return Applied("unchanged" if same else "configured", previous)


async def _handed_over(kube: Kube, live: Manifest) -> bool:
    """Whether the Namespace's `externalFinalizer` names an object that exists with that UID (a missing object,
    another UID or a malformed value leave the deletion to the generator, so nothing leaks)."""
    target = external_finalizer((live["metadata"].get("annotations") or {}).get(EXTERNAL_FINALIZER) or "")
    if target is None:
        return False
    try:
        found = await kube.get(ObjectRef(target.api_version, target.kind, target.name, target.namespace))
    except NotFound:
        return False
    return bool(found["metadata"].get("uid") == target.uid)


async def exists(kube: Kube, name: str) -> bool:
    try:
        await kube.get(ref(name))
    except NotFound:
        return False
    return True


async def remove(kube: Kube, name: str, generator_uid: str) -> bool:
    """Delete the Namespace if it is still this generator's and does not ask to be kept; whether it was deleted."""
    try:
        live = await kube.get(ref(name))
    except NotFound:
        return False
    labels = live["metadata"].get("labels") or {}
    if labels.get(GENERATOR) != generator_uid or labels.get(MANAGED_BY) != FIELD_MANAGER:
        return False
    if _says(live, PRUNE, "Disabled") or _says(live, SSA, "Ignore") or _says(live, GENERATOR_RECONCILE, "Disabled"):
        return False
    if await _handed_over(kube, live):
        return False
    with contextlib.suppress(NotFound):
        await kube.delete(ref(name))
    return True
