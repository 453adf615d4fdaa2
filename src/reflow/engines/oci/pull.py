"""Pull a Flux artifact: its manifest's metadata, and its first layer unpacked into a directory by the safe
extraction (no climbing out, no links out, bounded size)."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.artifact import ExtractLimits, extract_into
from reflow.engines.oci.artifact import REVISION, SOURCE
from reflow.engines.oci.client import RegistryClient
from reflow.engines.oci.manifest import select_layer
from reflow.engines.oci.reference import Reference


@dataclass(frozen=True, slots=True, kw_only=True)
class Pulled:
    """What a pull read and wrote: the image manifest's digest and annotations, and the files unpacked."""

    digest: str
    annotations: Mapping[str, str]
    files: int

    @property
    def source(self) -> str:
        return self.annotations.get(SOURCE, "")

    @property
    def revision(self) -> str:
        return self.annotations.get(REVISION, "")


async def pull_artifact(
    client: RegistryClient, reference: Reference, output: Path, *, max_size: int, limits: ExtractLimits | None = None
) -> Pulled:
    """Download the first layer of the artifact (at most `max_size` bytes) and unpack it into `output`.

    Raises `OCIError` when the registry fails and `ArtifactError` when the layer is not a safe tarball."""
    described, manifest = await client.image_manifest(reference)
    layer = select_layer(manifest, None)
    with tempfile.TemporaryDirectory(prefix="reflow-pull-") as scratch:
        blob = Path(scratch) / "layer.tgz"
        await client.download_blob(layer, blob, max_size=max_size)
        extracted = await asyncio.to_thread(extract_into, blob, output, limits)
    return Pulled(digest=described.digest, annotations=dict(manifest.annotations), files=extracted.files)
