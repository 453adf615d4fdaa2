"""The consumer side: download an artifact by URL, check its digest, unpack it safely.

Kustomization and HelmRelease reconcilers use this to turn a source's `status.artifact` into files.
The download goes to a temp file while it is hashed; nothing is unpacked before the digest matches.
Redirects are not followed: the source's status names the one URL to read. Digests are checked as
Flux's consumers check them (OCI `go-digest` rules): sha256, sha384 or sha512 with lowercase hex of the
algorithm's length. Flux also accepts blake3, which Python's standard library lacks; reflow's sources
never write it, so it is refused with a message rather than pulled in as a dependency.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reflow.engines.artifact.errors import ArchiveTooLarge, ArtifactUnavailable, DigestMismatch
from reflow.engines.artifact.extract import Extracted, ExtractLimits, extract_tarball

MAX_DOWNLOAD = 100 << 20
DIGEST_ALGORITHMS = {"sha256": 64, "sha384": 96, "sha512": 128}
"""The accepted algorithms and the length of their hex encoding."""
_CHUNK = 1 << 16
_HEX = re.compile(r"[0-9a-f]+")


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
    """A fresh hash for `digest` (`<algorithm>:<hex>`), or `DigestMismatch` saying why it is not accepted."""
    algorithm, _, encoded = digest.partition(":")
    length = DIGEST_ALGORITHMS.get(algorithm)
    if length is None:
        accepted = ", ".join(DIGEST_ALGORITHMS)
        raise DigestMismatch(f"unsupported digest algorithm '{algorithm[:32]}': artifacts are verified with {accepted}")
    if len(encoded) != length or not _HEX.fullmatch(encoded):
        raise DigestMismatch(f"invalid {algorithm} digest: expected '{algorithm}:' and {length} lowercase hex digits")
    return hashlib.new(algorithm)


async def download(
    url: str, digest: str, target: Path, *, session: aiohttp.ClientSession, options: FetchOptions
) -> int:
    """Save `url` to `target`, checking size and digest; returns the size in bytes."""
    hashed = _hasher(digest)
    size = 0
    try:
        async with asyncio.timeout(options.timeout), session.get(url, allow_redirects=False) as response:
            if 300 <= response.status < 400:
                where = response.headers.get("Location", "nowhere")
                raise ArtifactUnavailable(
                    f"failed to download artifact from '{url}': HTTP {response.status} redirects to '{where[:200]}', "
                    "and redirects are not followed"
                )
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
