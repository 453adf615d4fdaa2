"""Push a directory or file as a Flux artifact: one content layer, the empty config, Flux's annotations."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.oci.artifact import CONTENT_MEDIA_TYPE, EMPTY_CONFIG, config_descriptor, manifest_bytes
from reflow.engines.oci.client import RegistryClient
from reflow.engines.oci.layer import Layer, build_layer
from reflow.engines.oci.manifest import OCI_MANIFEST, Descriptor
from reflow.engines.sourceignore import Matcher


@dataclass(frozen=True, slots=True)
class Pushed:
    """What a push stored: the manifest digest and the content layer."""

    digest: str
    layer: Layer


async def push_artifact(
    client: RegistryClient, tag: str, source: Path, *, matcher: Matcher, annotations: dict[str, str]
) -> Pushed:
    """Build the layer of `source` in a private temporary file, upload what the registry lacks, tag the manifest."""
    with tempfile.TemporaryDirectory(prefix="reflow-push-") as scratch:
        tarball = Path(scratch) / "artifact.tgz"
        layer = await asyncio.to_thread(build_layer, source, tarball, matcher)
        config = config_descriptor()
        await client.upload_blob(config.digest, config.size, lambda: EMPTY_CONFIG)
        await client.upload_blob(layer.digest, layer.size, lambda: tarball.open("rb"))
        content = Descriptor(media_type=CONTENT_MEDIA_TYPE, digest=layer.digest, size=layer.size)
        digest = await client.put_manifest(tag, manifest_bytes(content, annotations), OCI_MANIFEST)
    return Pushed(digest=digest, layer=layer)
