"""Build an artifact tarball from a directory: ignore rules applied, byte-for-byte reproducible.

Normalised as Flux's storage does, so the digest depends on content alone: paths relative to the
directory, uid/gid 0 with empty owner names, every time zeroed, directories 0750, files 0600 and
executables 0700. Only directories and regular files go in; symlinks and special files are left out.
Entries come in walk order (a directory, then its entries by name); the root itself has no entry.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import stat
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reflow.engines.sourceignore import Matcher, load_ignore_patterns, read_patterns, source_matcher

DIR_MODE = 0o750
FILE_MODE = 0o600
EXECUTABLE_MODE = 0o700
COMPRESS_LEVEL = 6
DIGEST_ALGORITHM = "sha256"
_CHUNK = 1 << 20


@dataclass(frozen=True, slots=True)
class Archived:
    """What was written: the tarball's `<algo>:<hex>` digest and its size in bytes."""

    digest: str
    size: int


@dataclass(frozen=True, slots=True)
class Entry:
    """One path that goes into the tarball, relative and `/`-separated."""

    path: str
    is_dir: bool
    executable: bool = False


def artifact_matcher(source: Path, ignore: str | None = None) -> Matcher:
    """The ignore rules for `source`: its `.sourceignore` files, then `spec.ignore`, with Flux's fallback."""
    patterns = (*load_ignore_patterns(source), *(read_patterns(ignore) if ignore else ()))
    return source_matcher(patterns)


def entries(source: Path, matcher: Matcher) -> Iterator[Entry]:
    """The directories and regular files under `source` the matcher keeps, in archive order.

    An excluded directory is not entered. Symlinks are never followed and never listed.
    """

    def walk(directory: Path, prefix: str) -> Iterator[Entry]:
        with os.scandir(directory) as scanned:
            children = sorted(scanned, key=lambda child: child.name)
        for child in children:
            relative = f"{prefix}{child.name}"
            mode = child.stat(follow_symlinks=False).st_mode
            if stat.S_ISDIR(mode):
                if not matcher.excludes(relative, True):
                    yield Entry(relative, True)
                    yield from walk(Path(child.path), f"{relative}/")
            elif stat.S_ISREG(mode) and not matcher.excludes(relative, False):
                yield Entry(relative, False, executable=bool(mode & 0o111))

    yield from walk(source, "")


class _Digesting(io.RawIOBase):
    """A write-only stream that hashes and counts what passes through to `target`."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.hash = hashlib.new(DIGEST_ALGORITHM)
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.hash.update(data)
        self.size += len(data)
        self.target.write(data)
        return len(data)


def _header(entry: Entry, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(entry.path)
    info.type = tarfile.DIRTYPE if entry.is_dir else tarfile.REGTYPE
    info.mode = DIR_MODE if entry.is_dir else EXECUTABLE_MODE if entry.executable else FILE_MODE
    info.size = 0 if entry.is_dir else size
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mtime = 0
    return info


def write_tarball(source: Path, target: BinaryIO, matcher: Matcher) -> Archived:
    """Write the gzip'd tarball of `source` to `target`; blocking, so run it in a thread from async code."""
    if not source.is_dir():
        raise NotADirectoryError(f"invalid directory path: {source}")
    counted = _Digesting(target)
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=counted, compresslevel=COMPRESS_LEVEL, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for entry in entries(source, matcher):
            if entry.is_dir:
                tar.addfile(_header(entry, 0))
                continue
            with (source / entry.path).open("rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                tar.addfile(_header(entry, size), handle)
    return Archived(digest=f"{DIGEST_ALGORITHM}:{counted.hash.hexdigest()}", size=counted.size)


def file_digest(path: Path, algorithm: str = DIGEST_ALGORITHM) -> str:
    """`<algo>:<hex>` of a file's bytes."""
    hashed = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            hashed.update(chunk)
    return f"{algorithm}:{hashed.hexdigest()}"
