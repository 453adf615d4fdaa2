"""Compare a local directory or file with a remote Flux artifact: would pushing it change the content?

The local layer is built as a push builds it. Equal layer digests and sizes mean no change without a
download. Otherwise the remote layer is downloaded and its uncompressed tar stream compared with the
local one, so an artifact `flux push` wrote (Go's gzip makes other compressed bytes for the same tar
stream) is not reported as changed when its files are the same.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from reflow.engines.oci.client import RegistryClient
from reflow.engines.oci.layer import Layer, build_layer, tar_digest
from reflow.engines.oci.manifest import Descriptor, select_layer
from reflow.engines.oci.reference import Reference
from reflow.engines.sourceignore import Matcher


def same_layer(local: Layer, remote: Descriptor) -> bool:
    """Whether the remote layer is byte for byte the local one."""
    return local.digest == remote.digest and local.size == remote.size


async def artifact_differs(
    client: RegistryClient, reference: Reference, source: Path, *, matcher: Matcher, max_size: int
) -> bool:
    """Whether the first layer of the artifact at `reference` holds other content than `source` would."""
    with tempfile.TemporaryDirectory(prefix="reflow-diff-") as scratch:
        local = await asyncio.to_thread(build_layer, source, Path(scratch) / "local.tgz", matcher)
        _, manifest = await client.image_manifest(reference)
        remote = select_layer(manifest, None)
        if same_layer(local, remote):
            return False
        blob = Path(scratch) / "remote.tgz"
        await client.download_blob(remote, blob, max_size=max_size)
        return await asyncio.to_thread(tar_digest, blob, local.tar_size) != local.diff_id
