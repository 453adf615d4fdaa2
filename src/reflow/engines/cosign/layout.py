"""Where cosign stores signatures in a registry, and reading the OCI manifests and indexes that hold them.

cosign 2 and `cosign sign --new-bundle-format=false` push a manifest tagged `sha256-<hex>.sig` in
the artifact's repository; each layer is a simple-signing payload with the signature in an
annotation. cosign 3 signs with a Sigstore bundle instead, pushed as an OCI 1.1 referrer of the
artifact: found through the registry's referrers API, or, on a registry without it, through the
image index tagged `sha256-<hex>` that lists the referrers.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any

SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json"
SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
BUNDLE_MEDIA_TYPE_PREFIX = "application/vnd.dev.sigstore.bundle"
_DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


class LayoutError(ValueError):
    """A manifest, index or digest that does not have the shape cosign writes."""


@dataclass(frozen=True, slots=True)
class Descriptor:
    """A pointer to a blob or manifest: its digest, media type, artifact type and annotations."""

    digest: str
    media_type: str = ""
    artifact_type: str = ""
    annotations: dict[str, str] = field(default_factory=dict)


def check_digest(digest: str) -> str:
    """The digest itself when it is `sha256:<64 hex>`, the only algorithm cosign's tags encode."""
    if not _DIGEST.match(digest):
        raise LayoutError(f"{digest!r} is not a sha256 digest")
    return digest


def signature_tag(digest: str) -> str:
    """The tag of the legacy signature manifest of the artifact with this digest: `sha256-<hex>.sig`."""
    return check_digest(digest).replace(":", "-") + ".sig"


def referrers_tag(digest: str) -> str:
    """The tag of the referrers index a registry without the referrers API holds: `sha256-<hex>`."""
    return check_digest(digest).replace(":", "-")


def blob_matches(digest: str, data: bytes) -> bool:
    """True when `data` hashes to `digest`, so a registry cannot swap one blob for another."""
    return digest == "sha256:" + hashlib.sha256(data).hexdigest()


def _descriptors(document: dict[str, Any], key: str) -> tuple[Descriptor, ...]:
    items = document.get(key)
    if not isinstance(items, list):
        raise LayoutError(f"the {key} list is missing")
    found = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("digest"), str):
            raise LayoutError(f"an entry of {key} has no digest")
        annotations = item.get("annotations") or {}
        if not isinstance(annotations, dict):
            raise LayoutError(f"an entry of {key} has annotations that are not a map")
        found.append(
            Descriptor(
                digest=item["digest"],
                media_type=str(item.get("mediaType", "")),
                artifact_type=str(item.get("artifactType", "")),
                annotations={str(k): str(v) for k, v in annotations.items()},
            )
        )
    return tuple(found)


def json_object(data: bytes, what: str) -> dict[str, Any]:
    """`data` parsed as a JSON object; `LayoutError` names `what` it should have been."""
    try:
        document = json.loads(data)
    except ValueError as err:
        raise LayoutError(f"the {what} is not JSON: {err}") from err
    if not isinstance(document, dict):
        raise LayoutError(f"the {what} is not a JSON object")
    return document


def manifest_layers(data: bytes) -> tuple[Descriptor, ...]:
    """The layers of an OCI or Docker image manifest."""
    return _descriptors(json_object(data, "manifest"), "layers")


def index_manifests(data: bytes) -> tuple[Descriptor, ...]:
    """The manifests an OCI image index (a referrers list) points to."""
    return _descriptors(json_object(data, "index"), "manifests")


def is_bundle(descriptor: Descriptor) -> bool:
    """True for a referrer or layer that holds a Sigstore bundle."""
    return (descriptor.artifact_type or descriptor.media_type).startswith(BUNDLE_MEDIA_TYPE_PREFIX)
