"""OCI and Docker manifests: the media types a registry is asked for, parsing, and Flux's layer selection."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from reflow.engines.oci.errors import LayerFailed, OCIError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST))
"""What a manifest request accepts: an image manifest or an index, OCI or Docker v2."""
INDEXES = frozenset({OCI_INDEX, DOCKER_LIST})
DEFAULT_PLATFORM = ("linux", "amd64")
"""The platform picked from an index, as go-containerregistry's `remote.Image` does."""
MAX_MANIFEST_SIZE = 4 << 20
"""Largest manifest read, bytes (as the distribution spec suggests)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Descriptor:
    """A pointer to a blob or manifest: its media type, `sha256:` digest and size in bytes."""

    media_type: str
    digest: str
    size: int
    annotations: Mapping[str, str] = field(default_factory=dict)
    platform: tuple[str, str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """An image manifest (`layers` set) or an index (`manifests` set), with its annotations."""

    media_type: str
    config: Descriptor | None = None
    layers: tuple[Descriptor, ...] = ()
    manifests: tuple[Descriptor, ...] = ()
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEXES


def _descriptor(raw: object, where: str) -> Descriptor:
    if not isinstance(raw, Mapping):
        raise OCIError(f"{where} is not an object")
    try:
        platform = raw.get("platform") or None
        return Descriptor(
            media_type=str(raw.get("mediaType") or ""),
            digest=str(raw["digest"]),
            size=int(raw["size"]),
            annotations={str(k): str(v) for k, v in (raw.get("annotations") or {}).items()},
            platform=(str(platform.get("os")), str(platform.get("architecture"))) if platform else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise OCIError(f"{where} lacks a valid digest or size") from error


def parse_manifest(body: bytes, content_type: str | None = None) -> Manifest:
    """A manifest or index from its JSON; the body's `mediaType` wins over the response's Content-Type."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise OCIError("the manifest is not valid JSON") from error
    if not isinstance(document, Mapping):
        raise OCIError("the manifest is not a JSON object")
    media_type = str(document.get("mediaType") or (content_type or "").partition(";")[0].strip() or OCI_MANIFEST)
    if "manifests" in document and "layers" not in document and media_type not in INDEXES:
        media_type = OCI_INDEX
    annotations = {str(k): str(v) for k, v in (document.get("annotations") or {}).items()}
    if media_type in INDEXES:
        entries = document.get("manifests") or []
        manifests = tuple(_descriptor(entry, f"manifests[{i}]") for i, entry in enumerate(entries))
        return Manifest(media_type=media_type, manifests=manifests, annotations=annotations)
    layers = tuple(_descriptor(entry, f"layers[{i}]") for i, entry in enumerate(document.get("layers") or []))
    config = _descriptor(document["config"], "config") if document.get("config") else None
    return Manifest(media_type=media_type, config=config, layers=layers, annotations=annotations)


def platform_manifest(index: Manifest) -> Descriptor:
    """The linux/amd64 entry of an index, or its only entry."""
    for entry in index.manifests:
        if entry.platform == DEFAULT_PLATFORM:
            return entry
    if len(index.manifests) == 1:
        return index.manifests[0]
    raise LayerFailed("the reference is an image index without a linux/amd64 manifest; point spec.ref at one manifest")


def select_layer(manifest: Manifest, media_type: str | None) -> Descriptor:
    """The layer `layerSelector.mediaType` names (the first with it), or the first layer when none is named."""
    if not manifest.layers:
        raise LayerFailed("no layers found in artifact")
    if not media_type:
        return manifest.layers[0]
    for layer in manifest.layers:
        if layer.media_type == media_type:
            return layer
    found = ", ".join(sorted({layer.media_type for layer in manifest.layers}))
    raise LayerFailed(f"failed to find layer with media type '{media_type}' in artifact (it has: {found})")
