"""Flux's OCI artifact format: media types, the `org.opencontainers.image.*` annotations, and the config and
manifest documents byte for byte as `flux push artifact` (go-containerregistry v0.21.6) writes them.

That library keeps the config blob of an artifact whose config media type is not an image config as
it started: the empty image config, so the `created` time lives in the manifest annotation only.
`created` is the push time unless `--reproducible` (the Unix epoch) or an
`org.opencontainers.image.created` annotation fixes it; only a fixed `created` gives a second push of
the same content the same digest, as in Flux.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

from reflow.engines.oci.manifest import OCI_MANIFEST, Descriptor

CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json"
CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip"
CREATED = "org.opencontainers.image.created"
SOURCE = "org.opencontainers.image.source"
REVISION = "org.opencontainers.image.revision"
EMPTY_CONFIG = (
    b'{"architecture":"","created":"0001-01-01T00:00:00Z","os":"",'
    b'"rootfs":{"type":"layers","diff_ids":null},"config":{}}'
)
"""The config blob of every Flux artifact pushed with go-containerregistry v0.21.6 or later."""
EPOCH = "1970-01-01T00:00:00Z"
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def go_string(value: str) -> str:
    """A JSON string as Go's encoding/json writes it: UTF-8 kept, `<`, `>`, `&`, U+2028 and U+2029 escaped."""
    encoded = json.dumps(value, ensure_ascii=False)
    return "".join(_GO_ESCAPES.get(char, char) for char in encoded)


def created_now() -> str:
    """The current time in RFC 3339 seconds, UTC, as Flux stamps a push."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def artifact_annotations(*, source: str, revision: str, created: str, extra: Mapping[str, str]) -> dict[str, str]:
    """The manifest annotations: created, source and revision, then `--annotations` (which may replace them)."""
    merged = {CREATED: created, SOURCE: source, REVISION: revision, **extra}
    if not merged[CREATED]:
        merged[CREATED] = created
    return merged


def check_created(value: str) -> str:
    """`created` must be RFC 3339, as Flux parses it before pushing."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueError(f"invalid created timestamp '{value}': it must be RFC 3339") from error
    if "T" not in value:
        raise ValueError(f"invalid created timestamp '{value}': it must be RFC 3339")
    return value


def _descriptor(descriptor: Descriptor) -> str:
    return (
        f'{{"mediaType":{go_string(descriptor.media_type)},"size":{descriptor.size},'
        f'"digest":{go_string(descriptor.digest)}}}'
    )


def config_descriptor() -> Descriptor:
    digest = "sha256:" + hashlib.sha256(EMPTY_CONFIG).hexdigest()
    return Descriptor(media_type=CONFIG_MEDIA_TYPE, digest=digest, size=len(EMPTY_CONFIG))


def manifest_bytes(layer: Descriptor, notes: Mapping[str, str]) -> bytes:
    """The OCI image manifest of a Flux artifact with one layer, in go-containerregistry's JSON."""
    pairs = ",".join(f"{go_string(key)}:{go_string(notes[key])}" for key in sorted(notes))
    document = (
        f'{{"schemaVersion":2,"mediaType":{go_string(OCI_MANIFEST)},"config":{_descriptor(config_descriptor())},'
        f'"layers":[{_descriptor(layer)}]' + (f',"annotations":{{{pairs}}}' if notes else "") + "}"
    )
    return document.encode()
