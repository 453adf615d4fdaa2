"""After the build: the YAML stream into plain dicts, postBuild substitution, common metadata, owner labels."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from reflow.api.annotations import KUSTOMIZE_NAME, KUSTOMIZE_NAMESPACE
from reflow.api.meta import Manifest
from reflow.engines.build.errors import InvalidManifest, SubstitutionFailed
from reflow.engines.build.spec import Owner, Substitution
from reflow.engines.envsubst import SubstitutionSyntaxError, VariableNotSet, substitute, substitution_disabled
from reflow.engines.envsubst.postbuild import split_documents

# Applied to each object before substitution: SOPS decryption plugs in here (see `Decryptor`).
Transform = Callable[[Manifest], Manifest]


def documents(stream: str) -> list[str]:
    """The non-empty documents of a multi-document YAML stream, as text."""
    chunks, _ = split_documents(stream)
    return [chunk for chunk in chunks if chunk.strip()]


def object_id(manifest: Mapping[str, Any]) -> str:
    """`Kind/namespace/name` (or `Kind/name`) for messages."""
    metadata = manifest.get("metadata") or {}
    parts = [manifest.get("kind"), metadata.get("namespace"), metadata.get("name")]
    return "/".join(str(part) for part in parts if part)


def load(document: str) -> Manifest:
    """One built document as a dict; it must have apiVersion, kind and metadata.name."""
    try:
        loaded = yaml.load(document, Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        raise InvalidManifest(f"kustomize produced a document that does not parse: {err}") from err
    metadata = loaded.get("metadata") if isinstance(loaded, dict) else None
    if not (isinstance(metadata, dict) and metadata.get("name") and loaded.get("kind") and loaded.get("apiVersion")):
        raise InvalidManifest(f"failed to decode Kubernetes apiVersion, kind and name from: {document[:200]}")
    manifest: Manifest = loaded
    return manifest


def dump(manifest: Manifest) -> str:
    """One object as block-style YAML, keys in their order."""
    return yaml.dump(manifest, Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True, width=1 << 16)


def substitute_document(document: str, manifest: Manifest, substitution: Substitution) -> Manifest:
    """The object with `${...}` expanded in its YAML text, unless it opts out or nothing applies."""
    if not substitution.active or substitution_disabled(manifest) or "$" not in document:
        return manifest
    try:
        text = substitute(document, substitution.variables, strict=substitution.strict)
    except (VariableNotSet, SubstitutionSyntaxError, ValueError) as err:
        raise SubstitutionFailed(f"{object_id(manifest)}: postBuild substitution failed: {err}") from err
    try:
        return load(text)
    except InvalidManifest as err:
        raise SubstitutionFailed(f"{object_id(manifest)}: the substituted object is not valid: {err}") from err


def build_objects(
    stream: str, substitution: Substitution | None = None, transform: Transform | None = None
) -> list[Manifest]:
    """The built objects: each document parsed, passed through `transform`, then substituted."""
    objects = []
    for document in documents(stream):
        manifest = load(document)
        if transform is not None:
            manifest = transform(manifest)
            document = dump(manifest)
        if substitution is not None:
            manifest = substitute_document(document, manifest, substitution)
        objects.append(manifest)
    return objects


def _merge(metadata: dict[str, Any], key: str, values: Mapping[str, str]) -> None:
    if values:
        metadata[key] = {**(metadata.get(key) or {}), **values}


def set_common_metadata(
    objects: Iterable[Manifest], labels: Mapping[str, str], annotations: Mapping[str, str] | None = None
) -> None:
    """Add labels and annotations to every object, overriding keys the object already has."""
    for manifest in objects:
        metadata = manifest.setdefault("metadata", {})
        _merge(metadata, "labels", labels)
        _merge(metadata, "annotations", annotations or {})


def set_owner_labels(objects: Iterable[Manifest], owner: Owner) -> None:
    """Flux's `kustomize.toolkit.fluxcd.io/name` and `/namespace` labels on every object."""
    set_common_metadata(objects, {KUSTOMIZE_NAME: owner.name, KUSTOMIZE_NAMESPACE: owner.namespace})
