"""One verified extraction per artifact digest, shared read-only by every consumer of that revision.

Two hundred Kustomizations on one source used to download and unpack the same tarball two hundred
times; here the first reconcile that needs a digest fetches it (download, digest check, safe unpack:
`fetch_artifact`, unchanged) and the others wait for that one fetch and read the same folder. A fetch
that fails leaves nothing behind, so a corrupt artifact is refused again on every attempt. An
extraction stays while someone uses it; once unused it is kept only while it is its source's current
revision and among the `max_unused` most recently used, so a source that moves on frees its old tree.

Consumers must never write into the folder they are given: the build pipeline builds on a private
copy, or mounts its own kustomization file over the shared tree inside the sandbox.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reflow.engines.artifact.fetch import FetchOptions, fetch_artifact

DEFAULT_MAX_UNUSED = 8
"""Extractions kept with no user: enough for a handful of sources whose consumers reconcile in turn."""


@dataclass(slots=True)
class _Entry:
    path: Path | None = None
    """The unpacked tree, once fetched: a folder of its own, so a new fetch never meets an old removal."""
    users: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Extractions:
    """The shared extractions of one controller, under a private folder removed by `close`."""

    def __init__(self, directory: Path | None = None, *, max_unused: int = DEFAULT_MAX_UNUSED,
                 options: FetchOptions | None = None) -> None:  # fmt: skip
        self._directory = directory
        self.max_unused = max_unused
        self.options = options or FetchOptions()
        self.fetches = 0
        """Downloads started, failed ones included: what sharing saves shows here."""
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._current: dict[str, str] = {}
        self._session: aiohttp.ClientSession | None = None

    @asynccontextmanager
    async def open(self, source: str, url: str, digest: str) -> AsyncIterator[Path]:
        """The extraction of `digest` (fetched from `url` unless already here), for `source`'s current revision.

        Raises what `fetch_artifact` raises; the folder is valid until the block ends.
        """
        self._current[source] = digest
        entry = self._entries.setdefault(digest, _Entry())
        self._entries.move_to_end(digest)
        entry.users += 1
        try:
            async with entry.lock:
                if entry.path is None:
                    entry.path = await self._fetch(url, digest)
            yield entry.path
        finally:
            entry.users -= 1
            await self._trim()

    async def _fetch(self, url: str, digest: str) -> Path:
        """Download, verify and unpack into a new private folder; on failure nothing is left."""
        self.fetches += 1
        if self._directory is None:
            self._directory = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-extractions-"))
        await asyncio.to_thread(self._directory.mkdir, 0o700, True, True)
        if self._session is None:
            self._session = aiohttp.ClientSession()
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="artifact-", dir=self._directory))
        try:
            await fetch_artifact(url, digest, folder / "tree", session=self._session, options=self.options)
        except BaseException:
            await asyncio.to_thread(shutil.rmtree, folder, True)
            raise
        return folder / "tree"

    def _doomed(self) -> list[str]:
        """Unused extractions to drop: failed or superseded revisions, then the oldest beyond the bound."""
        current = set(self._current.values())
        unused = [digest for digest, entry in self._entries.items() if entry.users == 0]
        kept = [digest for digest in unused if digest in current and self._entries[digest].path is not None]
        doomed = [digest for digest in unused if digest not in kept]
        return doomed + kept[: max(len(kept) - self.max_unused, 0)]

    async def _trim(self) -> None:
        for digest in self._doomed():
            path = self._entries.pop(digest).path
            if path is not None:
                await asyncio.to_thread(shutil.rmtree, path.parent, True)

    def __len__(self) -> int:
        return len(self._entries)

    async def run(self) -> None:
        """Hold the extractions until cancelled (a manager's service), then remove them all."""
        try:
            await asyncio.Event().wait()
        finally:
            await self.close()

    async def close(self) -> None:
        """Remove every extraction and the folder (call once no `open` block is running)."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._entries.clear()
        if self._directory is not None:
            await asyncio.to_thread(shutil.rmtree, self._directory, True)
