"""The objects Flux appliers applied, read from the cluster: the inventories behind `reflow tree` and the UI."""

from __future__ import annotations

from reflow.api.meta import ObjectRef
from reflow.engines.flux.state import API_VERSIONS, source_of
from reflow.engines.inventory import entries
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

APPLIERS = ("Kustomization", "HelmRelease")


async def inventories(kube: Kube, root: ObjectRef) -> dict[ObjectRef, list[ObjectRef]]:
    """The inventory of the root and of every Kustomization and HelmRelease reachable from it (read once each)."""
    found: dict[ObjectRef, list[ObjectRef]] = {}
    pending = [root]
    while pending:
        ref = pending.pop()
        if ref in found:
            continue
        try:
            obj = await kube.get(ref)
        except NotFound:
            if ref == root:
                raise
            found[ref] = []
            continue
        found[ref] = entries(obj)
        pending.extend(child for child in found[ref] if child.kind in APPLIERS and child not in found)
    return found


async def consumers(kube: Kube, artifact: ObjectRef) -> list[ObjectRef]:
    """The Kustomizations and HelmReleases in the artifact's namespace that read it."""
    found: list[ObjectRef] = []
    for kind in APPLIERS:
        api_version = API_VERSIONS[kind]
        for obj in await kube.list_all(api_version, kind, artifact.namespace):
            if source_of(obj) == artifact:
                found.append(ObjectRef(api_version, kind, obj["metadata"]["name"], artifact.namespace))
    return sorted(found, key=str)


async def generator_inventories(kube: Kube, root: ObjectRef) -> dict[ObjectRef, list[ObjectRef]]:
    """Under one ArtifactGenerator: its ExternalArtifacts, the appliers reading each, and what those applied."""
    generator = await kube.get(root)
    children: dict[ObjectRef, list[ObjectRef]] = {root: []}
    for entry in (generator.get("status") or {}).get("inventory") or []:
        if entry.get("kind", "ExternalArtifact") != "ExternalArtifact":
            continue
        artifact = ObjectRef(API_VERSIONS["ExternalArtifact"], "ExternalArtifact", entry["name"],
                             entry.get("namespace") or root.namespace)  # fmt: skip
        children[root].append(artifact)
        children[artifact] = await consumers(kube, artifact)
        for applier in children[artifact]:
            children.update(await inventories(kube, applier))
    return children
