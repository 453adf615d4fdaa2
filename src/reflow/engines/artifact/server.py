"""The artifact HTTP server: files of the storage root by path, with digest ETags and byte ranges.

Only regular files are served (a symlink such as `latest.tar.gz` is followed when it stays inside the
root), and never a hidden path (a part starting with `.`): neither the `.tmp-*` files storage is still
writing nor what other controllers keep beside the artifacts (`.image-tags`). Directories are never
listed. `GET /` answers 200 so it can serve as the readiness probe, as Flux's file server does. The ETag
is the file's sha256 digest, cached per inode, size and mtime.
"""

from __future__ import annotations

import asyncio
import mimetypes
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from reflow.engines.artifact.archive import file_digest

_CHUNK = 256 << 10
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_DIGITS = 18  # a position with more digits is past any file (and Python refuses to parse > 4300)
_DIGESTS: web.AppKey[dict[tuple[int, int, int, str], str]] = web.AppKey("digests", dict)
_ROOT: web.AppKey[Path] = web.AppKey("root", Path)


def _hidden(parts: tuple[str, ...] | list[str]) -> bool:
    return any(part.startswith(".") for part in parts)


def _resolve(root: Path, tail: str) -> Path | None:
    """The real file for a request path, or None when it is missing, not a file, or outside the root."""
    parts = [part for part in tail.split("/") if part]
    if _hidden(parts) or any("\0" in part or "\\" in part for part in parts) or not parts:
        return None
    real = Path(os.path.realpath(root.joinpath(*parts)))
    if root not in real.parents or not real.is_file() or _hidden(real.relative_to(root).parts):
        return None
    return real


async def _etag(app: web.Application, path: Path) -> tuple[str, os.stat_result]:
    status = await asyncio.to_thread(os.stat, path)
    key = (status.st_ino, status.st_size, status.st_mtime_ns, str(path))
    cache = app[_DIGESTS]
    if key not in cache:
        if len(cache) > 4096:
            cache.clear()
        cache[key] = await asyncio.to_thread(file_digest, path)
    return f'"{cache[key]}"', status


def _position(digits: str) -> int:
    """A byte position; one too long to be a real offset counts as just past any file."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= _DIGITS else 10**_DIGITS


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) of a single `bytes=` range, or None when it cannot be satisfied."""
    match = _RANGE.match(header.strip())
    if not match or not (match[1] or match[2]):
        return None
    if not match[1]:
        length = _position(match[2])
        return (max(0, size - length), size - 1) if length and size else None
    first = _position(match[1])
    last = min(_position(match[2]), size - 1) if match[2] else size - 1
    return (first, last) if first <= last and first < size else None


def _matches(header: str, etag: str) -> bool:
    return header.strip() == "*" or etag in (tag.strip().removeprefix("W/") for tag in header.split(","))


async def _serve(request: web.Request) -> web.StreamResponse:
    tail = request.match_info["tail"]
    if not tail.strip("/"):
        return web.Response(text="ok\n")
    path = _resolve(request.app[_ROOT], tail)
    if path is None:
        raise web.HTTPNotFound(text="404 page not found\n")
    etag, status = await _etag(request.app, path)
    headers = {"ETag": etag, "Accept-Ranges": "bytes"}
    if (none_match := request.headers.get("If-None-Match")) and _matches(none_match, etag):
        return web.Response(status=304, headers=headers)
    size = status.st_size
    first, last, code = 0, size - 1, 200
    range_header = request.headers.get("Range")
    if_range = request.headers.get("If-Range")
    if range_header and (if_range is None or if_range.strip() == etag):
        wanted = _byte_range(range_header, size)
        if wanted is None:
            if _RANGE.match(range_header.strip()):
                raise web.HTTPRequestRangeNotSatisfiable(headers={**headers, "Content-Range": f"bytes */{size}"})
        else:
            first, last, code = wanted[0], wanted[1], 206
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    gzipped = path.name.endswith((".tar.gz", ".tgz"))
    content_type = "application/gzip" if gzipped else mimetypes.guess_type(path.name)[0]
    response = web.StreamResponse(status=code, headers=headers)
    response.content_type = content_type or "application/octet-stream"
    response.content_length = max(0, last - first + 1)
    await response.prepare(request)
    if request.method == "HEAD":
        return response
    with path.open("rb") as handle:
        handle.seek(first)
        remaining = last - first + 1
        while remaining > 0:
            chunk = await asyncio.to_thread(handle.read, min(_CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            await response.write(chunk)
    await response.write_eof()
    return response


def artifact_app(root: Path) -> web.Application:
    """An aiohttp application serving the files under `root` read-only."""
    app = web.Application()
    app[_ROOT] = Path(os.path.realpath(root))
    app[_DIGESTS] = {}
    app.router.add_route("GET", "/{tail:.*}", _serve)
    return app


@dataclass(frozen=True, slots=True)
class ArtifactServer:
    """A running artifact server: the host and port it listens on."""

    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


@asynccontextmanager
async def serve_artifacts(root: Path, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[ArtifactServer]:
    """Listen on `host:port` (0: a free port) while the context is open."""
    runner = web.AppRunner(artifact_app(root), handle_signals=False, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        yield ArtifactServer(host=host, port=int(bound))
    finally:
        await runner.cleanup()
