"""Tag an artifact: store its manifest, byte for byte, under more tags of the same repository."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from reflow.engines.oci.client import RegistryClient
from reflow.engines.oci.errors import ReferenceNotFound
from reflow.engines.oci.manifest import parse_manifest
from reflow.engines.oci.reference import Reference


async def tag_artifact(client: RegistryClient, reference: Reference, tags: Iterable[str]) -> AsyncIterator[Reference]:
    """Read the manifest at `reference` once, then put it under each tag in turn, yielding each new reference."""
    found = await client.fetch_manifest(reference.identifier)
    if found is None:
        raise ReferenceNotFound(f"'{reference}' not found: no such tag or digest in the repository")
    body, media_type = found
    media_type = media_type or parse_manifest(body).media_type
    for tag in tags:
        await client.put_manifest(tag, body, media_type)
        yield Reference(reference.repository, tag=tag)
