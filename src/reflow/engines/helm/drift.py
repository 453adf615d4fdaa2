"""Drift of a release: the objects of its stored manifest compared with the cluster through a server-side dry-run.

Each object is dry-run applied as Helm's own field manager; when the answer differs from the live
object (the ignore rules' fields left out), the object drifted. Correcting it is the same apply for
real, so Helm keeps owning the fields. Objects labelled or annotated
`helm.toolkit.fluxcd.io/driftDetection: disabled` are left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from reflow.api.kustomize import ResourceInventory
from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.ssa.diff import FieldChange, diff, mask_secrets_for_diff
from reflow.engines.ssa.drift import drifted
from reflow.engines.ssa.ignore import IgnoreRules, removed
from reflow.engines.ssa.inventory import inventory_of
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

DRIFT_DETECTION_KEY = "helm.toolkit.fluxcd.io/driftDetection"
HELM_FIELD_MANAGER = "helm"
"""The field manager the helm CLI applies with (server-side apply)."""


@dataclass(frozen=True, slots=True)
class Drift:
    """An object whose cluster state differs from the release manifest, and the fields that differ."""

    ref: ObjectRef
    desired: Manifest
    changes: tuple[FieldChange, ...]

    def __str__(self) -> str:
        paths = ", ".join(change.path for change in self.changes[:10]) or "missing"
        return f"{self.ref} changed ({paths})"


def manifest_objects(manifest: str) -> list[Manifest]:
    """The objects of a release manifest (Helm's rendered YAML stream)."""
    documents = yaml.load_all(manifest, Loader=yaml.CSafeLoader)
    return [doc for doc in documents if isinstance(doc, dict) and doc.get("kind")]


def excluded(obj: Manifest) -> bool:
    """Whether the object opted out of drift detection."""
    metadata = obj.get("metadata") or {}
    return any((metadata.get(key) or {}).get(DRIFT_DETECTION_KEY) == "disabled" for key in ("labels", "annotations"))


def owned(obj: Manifest, release: str, namespace: str, namespaced: bool) -> Manifest:
    """The object as Helm applies it: with its release's ownership label and annotations, in the namespace."""
    metadata = dict(obj.get("metadata") or {})
    metadata["labels"] = {**(metadata.get("labels") or {}), "app.kubernetes.io/managed-by": "Helm"}
    metadata["annotations"] = {**(metadata.get("annotations") or {}), "meta.helm.sh/release-name": release,
                               "meta.helm.sh/release-namespace": namespace}  # fmt: skip
    if namespaced and not metadata.get("namespace"):
        metadata["namespace"] = namespace
    return {**obj, "metadata": metadata}


async def release_objects(kube: Kube, manifest: str, release: str, namespace: str) -> list[Manifest]:
    """The objects of a release manifest as Helm applies them (ownership metadata, namespace filled in)."""
    objects = []
    for obj in manifest_objects(manifest):
        resource = await kube.resource(obj["apiVersion"], obj["kind"])
        objects.append(owned(obj, release, namespace, resource.namespaced))
    return objects


def inventory(objects: Sequence[Manifest]) -> ResourceInventory:
    """`status.inventory` of a release: its manifest's objects, as Flux lists them."""
    return inventory_of((ObjectRef.of(obj), str(obj["apiVersion"])) for obj in objects)


async def detect(kube: Kube, objects: Sequence[Manifest], ignore: IgnoreRules) -> list[Drift]:
    """The objects (see `release_objects`) that drifted, in manifest order."""
    found: list[Drift] = []
    for desired in objects:
        if excluded(desired):
            continue
        ref = ObjectRef.of(desired)
        try:
            live: Manifest | None = await kube.get(ref)
        except NotFound:
            live = None
        dry_run, _ = await kube.dry_run_apply(desired, field_manager=HELM_FIELD_MANAGER)
        pointers = ignore.pointers(desired)
        if drifted(live, dry_run, pointers):
            before, after = mask_secrets_for_diff(live, dry_run)
            if pointers:
                before, after = (removed(before, pointers) if before else None), removed(after, pointers)
            found.append(Drift(ref, desired, diff(before, after)))
    return found


async def correct(kube: Kube, drifts: Sequence[Drift]) -> None:
    """Apply the drifted objects' desired state as Helm's field manager."""
    for drift in drifts:
        await kube.apply(drift.desired, field_manager=HELM_FIELD_MANAGER, force=True)
