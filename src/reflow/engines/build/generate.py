"""Flux's kustomization file handling: generate one for a plain directory, then merge the spec's fields in.

A directory without a kustomization file gets one listing its manifests: `.yaml`/`.yml` files that
decode as Kubernetes objects, and sub-directories that hold their own kustomization (not descended
into). The Kustomization's targetNamespace, namePrefix/nameSuffix, patches, components, images and
buildMetadata are then written into the (generated or existing) file, as kustomize-controller does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from reflow.api.kustomize import Image, Patch, Selector
from reflow.engines.build.confine import (
    KUSTOMIZATION_FILES,
    find_kustomization,
    is_local_relative_path,
    load_kustomization,
)
from reflow.engines.build.errors import InvalidManifest
from reflow.engines.build.spec import BuildSpec

API_VERSION = "kustomize.config.k8s.io/v1beta1"
KIND = "Kustomization"
PLACEHOLDER_NAMESPACE = "_placeholder"
ORIGIN_ANNOTATIONS = "originAnnotations"


class FileAction(StrEnum):
    """Whether the kustomization file was generated or already there."""

    CREATED = "created"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class KustomizationFile:
    """The kustomization file to write for a directory: where, what, and whether it was generated."""

    path: Path
    content: dict[str, Any]
    action: FileAction


def _is_kubernetes_document(document: object) -> bool:
    if document is None:
        return True
    if not isinstance(document, dict):
        return False
    if isinstance(document.get("items"), list) and str(document.get("kind", "")).endswith("List"):
        return all(_is_kubernetes_document(item) for item in document["items"])
    metadata = document.get("metadata")
    return bool(document.get("kind")) and isinstance(metadata, dict) and bool(metadata.get("name"))


def _check_manifest(file: Path) -> None:
    try:
        documents = list(yaml.load_all(file.read_bytes(), Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InvalidManifest(f"failed to decode Kubernetes YAML from {file}: {err}") from err
    for document in documents:
        if not _is_kubernetes_document(document):
            raise InvalidManifest(
                f"failed to decode Kubernetes YAML from {file}: a document without kind and metadata.name"
            )


def scan_manifests(base: Path) -> list[Path]:
    """The resources of a generated kustomization under `base`, in lexical walk order (Flux's scan)."""
    found: list[Path] = []

    def walk(directory: Path) -> None:
        for entry in sorted(os.scandir(directory), key=lambda item: item.name):
            path = Path(entry.path)
            if entry.is_dir(follow_symlinks=False):
                if find_kustomization(path) is not None:
                    found.append(path)
                else:
                    walk(path)
            elif path.suffix in (".yaml", ".yml"):
                _check_manifest(path)
                found.append(path)

    walk(base)
    return found


def generated_kustomization(directory: Path) -> dict[str, Any]:
    """The kustomization Flux writes for a directory that has none; `_placeholder` keeps an empty one valid."""
    content: dict[str, Any] = {"apiVersion": API_VERSION, "kind": KIND}
    resources = [f"./{path.relative_to(directory).as_posix()}" for path in scan_manifests(directory)]
    if resources:
        content["resources"] = resources
    else:
        content["namespace"] = PLACEHOLDER_NAMESPACE
    return content


def _selector(target: Selector) -> dict[str, str]:
    fields = {
        "group": target.group,
        "version": target.version,
        "kind": target.kind,
        "name": target.name,
        "namespace": target.namespace,
        "labelSelector": target.label_selector,
        "annotationSelector": target.annotation_selector,
    }
    return {key: value for key, value in fields.items() if value}


def _patch(patch: Patch) -> dict[str, Any]:
    entry: dict[str, Any] = {"patch": patch.patch}
    if patch.target is not None and (target := _selector(patch.target)):
        entry["target"] = target
    return entry


def merge_images(existing: list[dict[str, Any]], images: tuple[Image, ...]) -> list[dict[str, Any]]:
    """Images by name: a spec entry overrides the fields it sets on an existing entry, or is appended."""
    merged = [dict(entry) for entry in existing]
    for image in images:
        fields = {"newName": image.new_name, "newTag": image.new_tag, "digest": image.digest}
        update = {key: value for key, value in fields.items() if value}
        for entry in merged:
            if entry.get("name") == image.name:
                entry.update(update)
                break
        else:
            merged.append({"name": image.name, **update})
    return merged


def merge_spec(content: dict[str, Any], spec: BuildSpec, directory: Path, *, existing: bool) -> dict[str, Any]:
    """The kustomization with the spec's build fields merged in, in the order kustomize-controller uses."""
    merged = {"apiVersion": API_VERSION, "kind": KIND, **content}
    if existing and not merged.get("resources"):
        merged["buildMetadata"] = [ORIGIN_ANNOTATIONS]  # keeps a resource-less kustomization buildable
    if spec.target_namespace is not None:
        merged["namespace"] = spec.target_namespace
    if spec.name_prefix is not None:
        merged["namePrefix"] = spec.name_prefix
    if spec.name_suffix is not None:
        merged["nameSuffix"] = spec.name_suffix
    if spec.patches:
        merged["patches"] = [*(merged.get("patches") or []), *map(_patch, spec.patches)]
    components = list(merged.get("components") or [])
    for component in spec.components:
        if not is_local_relative_path(component):
            raise InvalidManifest(f"component path '{component}' must be local and relative")
        if spec.ignore_missing_components and not (directory / component).exists():
            continue
        components.append(component)
    if components:
        merged["components"] = components
    if spec.images:
        merged["images"] = merge_images(merged.get("images") or [], spec.images)
    if spec.build_metadata:
        merged["buildMetadata"] = list(spec.build_metadata)
    return merged


def kustomization_file(directory: Path, spec: BuildSpec) -> KustomizationFile:
    """What the directory's kustomization file becomes for this spec, without writing anything."""
    found = find_kustomization(directory)
    if found is None:
        content = generated_kustomization(directory)
        return KustomizationFile(
            directory / KUSTOMIZATION_FILES[0], merge_spec(content, spec, directory, existing=False), FileAction.CREATED
        )
    content = merge_spec(load_kustomization(found), spec, directory, existing=True)
    return KustomizationFile(found, content, FileAction.UNCHANGED)


def keep_input_order(content: dict[str, Any]) -> dict[str, Any]:
    """Ask kustomize for objects in input order, as Flux's embedded kustomize gives them.

    Flux calls krusty with no reorder option, which leaves objects in the order they were loaded;
    `kubectl kustomize` defaults to kustomize's legacy kind order instead. A `fifo` sortOptions in
    the top kustomization restores Flux's order; one the user wrote is left alone.
    """
    if content.get("kind", KIND) != KIND or "sortOptions" in content:
        return content
    return {**content, "sortOptions": {"order": "fifo"}}


def kustomization_text(result: KustomizationFile) -> str:
    """The YAML kustomize reads for `result`: its content, in Flux's object order."""
    return yaml.dump(keep_input_order(result.content), Dumper=yaml.CSafeDumper, sort_keys=False, allow_unicode=True)


def write_kustomization(directory: Path, spec: BuildSpec) -> KustomizationFile:
    """Generate or update the directory's kustomization file in place (call it on a private copy only)."""
    result = kustomization_file(directory, spec)
    result.path.write_text(kustomization_text(result), encoding="utf-8")
    return result
