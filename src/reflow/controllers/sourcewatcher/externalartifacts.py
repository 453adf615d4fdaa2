"""The ExternalArtifacts a generator owns: their manifests, their status, and removing them with their files."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from reflow.api.annotations import GENERATOR, MANAGED_BY
from reflow.api.artifact import Artifact
from reflow.api.conditions import READY, SUCCEEDED
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import ExternalArtifact
from reflow.api.sourceext import ArtifactGenerator
from reflow.api.wire import render
from reflow.engines.artifact import Storage
from reflow.kube.client import JSON_PATCH, Kube
from reflow.kube.errors import NotFound
from reflow.runtime.conditions import now_rfc3339, set_condition

FIELD_MANAGER = "source-watcher"
KIND = ExternalArtifact.KIND.kind
API_VERSION = ExternalArtifact.KIND.api_version


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(API_VERSION, KIND, name, namespace)


def owner_labels(generator: ArtifactGenerator) -> dict[str, str]:
    """The labels that mark an object as this generator's; they win over any label the spec sets."""
    return {MANAGED_BY: FIELD_MANAGER, GENERATOR: generator.metadata.uid or ""}


def external_artifact(generator: ArtifactGenerator, name: str, namespace: str, labels: Mapping[str, str]) -> Manifest:
    """The ExternalArtifact for one output: labelled as the generator's, owned by it, pointing back at it."""
    meta = generator.metadata
    common = generator.spec.common_metadata
    metadata: Manifest = {
        "name": name,
        "namespace": namespace,
        "labels": {
            **(common.labels if common else {}),
            **labels,
            **owner_labels(generator),
        },
    }
    if common and common.annotations:
        metadata["annotations"] = dict(common.annotations)
    if namespace == meta.namespace:
        metadata["ownerReferences"] = [
            {
                "apiVersion": ArtifactGenerator.KIND.api_version,
                "kind": ArtifactGenerator.KIND.kind,
                "name": meta.name,
                "uid": meta.uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    source_ref = {"apiVersion": ArtifactGenerator.KIND.api_version, "kind": ArtifactGenerator.KIND.kind,
                  "name": meta.name, "namespace": meta.namespace}  # fmt: skip
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": {"sourceRef": source_ref}}


def published_status(live: Manifest, artifact: Artifact, inputs: Manifest | None) -> Manifest:
    """The status of an ExternalArtifact serving `artifact`: Ready=True, and the exported inputs if any."""
    old = live.get("status") or {}
    generation = int(live["metadata"].get("generation") or 0)
    message = f"Artifact {artifact.revision} is available"
    conditions = set_condition(
        list(old.get("conditions") or []), READY, "True", SUCCEEDED, message, generation=generation, now=now_rfc3339()
    )
    status: Manifest = {"artifact": render(artifact), "conditions": conditions}
    if inputs:
        status["exportedInputs"] = inputs
    return status


async def publish(kube: Kube, manifest: Manifest, artifact: Artifact, inputs: Manifest | None) -> tuple[Manifest, bool]:
    """Apply the ExternalArtifact and set its status; the object and whether its artifact changed."""
    live = await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
    old: Manifest = live.get("status") or {}
    new = published_status(live, artifact, inputs)
    changed = _comparable(old.get("artifact") or {}) != _comparable(new["artifact"])
    operations: list[Any] = []
    if not old:
        operations.append({"op": "add", "path": "/status", "value": new})
    else:
        operations += [
            {"op": "add", "path": f"/status/{name}", "value": value}
            for name, value in new.items()
            if old.get(name) != value and not (name == "artifact" and not changed)
        ]
        operations += [{"op": "remove", "path": f"/status/{name}"} for name in old if name not in new]
    if operations:
        live = await kube.patch(ObjectRef.of(live), operations, content_type=JSON_PATCH, subresource="status")
    return live, changed


def _comparable(artifact: Manifest) -> Manifest:
    """An artifact without its timestamp: what must match for the served file to be the same."""
    return {key: value for key, value in artifact.items() if key != "lastUpdateTime"}


async def remove(kube: Kube, storage: Storage, namespace: str, name: str) -> None:
    """Delete an ExternalArtifact and every file stored for it."""
    with contextlib.suppress(NotFound):
        await kube.delete(ref(namespace, name))
    await storage.remove_all(KIND, namespace, name)
