"""The consumer side: download an artifact by URL, check its digest, unpack it safely.

Kustomization and HelmRelease reconcilers use this to turn a source's `status.artifact` into files.
The download goes to a temp file while it is hashed; nothing is unpacked before the digest matches.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reflow.engines.artifact.errors import ArchiveTooLarge, ArtifactUnavailable, DigestMismatch
from reflow.engines.artifact.extract import Extracted, ExtractLimits, extract_tarball

MAX_DOWNLOAD = 100 << 20
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchOptions:
    """Bounds of one download."""

    timeout: float = 60.0
    """Seconds for the whole download."""
    max_download: int = MAX_DOWNLOAD
    """Bytes of the compressed file (100 MiB)."""
    limits: ExtractLimits = field(default_factory=ExtractLimits)
    """Bounds of what it may unpack to."""


def _hasher(digest: str) -> hashlib._Hash:
    algorithm, _, expected = digest.partition(":")
    if not expected:
        raise DigestMismatch(f"invalid digest '{digest}': expected '<algorithm>:<hex>'")
    try:
        return hashlib.new(algorithm)
    except ValueError:
        raise DigestMismatch(f"unsupported digest algorithm '{algorithm}'") from None


async def download(
    url: str, digest: str, target: Path, *, session: aiohttp.ClientSession, options: FetchOptions
) -> int:
    """Save `url` to `target`, checking size and digest; returns the size in bytes."""
    hashed = _hasher(digest)
    size = 0
    try:
        async with asyncio.timeout(options.timeout), session.get(url) as response:
            if response.status != 200:
                raise ArtifactUnavailable(f"failed to download artifact from '{url}': HTTP {response.status}")
            with target.open("wb") as out:
                async for chunk in response.content.iter_chunked(_CHUNK):
                    size += len(chunk)
                    if size > options.max_download:
                        raise ArchiveTooLarge(f"artifact from '{url}' is larger than {options.max_download} bytes")
                    hashed.update(chunk)
                    await asyncio.to_thread(out.write, chunk)
    except TimeoutError:
        raise ArtifactUnavailable(
            f"failed to download artifact from '{url}': timed out after {options.timeout:g}s"
        ) from None
    except aiohttp.ClientError as error:
        raise ArtifactUnavailable(f"failed to download artifact from '{url}': {error}") from error
    actual = f"{digest.partition(':')[0]}:{hashed.hexdigest()}"
    if actual != digest:
        raise DigestMismatch(f"artifact from '{url}' has digest '{actual}', expected '{digest}'")
    return size


async def fetch_artifact(
    url: str,
    digest: str,
    destination: Path,
    *,
    session: aiohttp.ClientSession | None = None,
    options: FetchOptions | None = None,
) -> Extracted:
    """Download, verify and unpack the artifact at `url` into `destination` (created; must be empty)."""
    options = options or FetchOptions()
    fd, name = tempfile.mkstemp(prefix="reflow-artifact-", suffix=".tar.gz")
    os.close(fd)
    archive = Path(name)
    own_session = session is None
    client = session or aiohttp.ClientSession()
    try:
        await download(url, digest, archive, session=client, options=options)
        return await asyncio.to_thread(extract_tarball, archive, destination, options.limits)
    finally:
        if own_session:
            await client.close()
        await asyncio.to_thread(archive.unlink, True)
