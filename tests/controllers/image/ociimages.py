"""Tiny OCI images built in Python and pushed to the test registry, for ImageRepository scans."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

from reflow.engines.helmrepo import TLSConfig
from reflow.engines.oci import Credentials, RegistryClient, Transport, parse_repository
from tests.registries import Registry

MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _layer(text: str) -> tuple[bytes, bytes]:
    """A gzipped tar holding one file, and the uncompressed tar (whose digest the config names)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        data = text.encode()
        member = tarfile.TarInfo("version.txt")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    plain = raw.getvalue()
    return gzip.compress(plain, mtime=0), plain


def image(tag: str) -> tuple[bytes, list[bytes]]:
    """The manifest of a one-layer linux/amd64 image whose file says `tag`, and its blobs."""
    layer, plain = _layer(f"{tag}\n")
    config = json.dumps(
        {"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [_digest(plain)]}}
    ).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": _digest(config),
            "size": len(config),
        },
        "layers": [
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": _digest(layer), "size": len(layer)}
        ],
    }
    return json.dumps(manifest).encode(), [config, layer]


async def push_images(registry: Registry, repository: str, *tags: str) -> dict[str, str]:
    """Push one tiny image per tag; the manifest digest of each tag."""
    credentials = Credentials(registry.username, registry.password) if registry.username and registry.password else None
    transport = Transport(tls=TLSConfig(ca=registry.ca.read_bytes())) if registry.ca else Transport()
    digests: dict[str, str] = {}
    target = parse_repository(registry.oci_url(repository))
    async with RegistryClient(target, credentials=credentials, transport=transport, actions="pull,push") as client:
        for tag in tags:
            manifest, blobs = image(tag)
            for blob in blobs:
                await client.upload_blob(_digest(blob), len(blob), lambda blob=blob: blob)
            digests[tag] = await client.put_manifest(tag, manifest, MANIFEST)
    return digests
