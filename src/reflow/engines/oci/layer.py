"""The content layer of a Flux OCI artifact: a gzip'd tarball made the way Flux's `push artifact` makes it.

The tar stream is the one Go's `archive/tar` writes for Flux: a `.` entry for the root, then each
directory before its entries, names in byte order; directories and regular files only; permission
bits as on disk; uid, gid, owner names and times zeroed; USTAR headers (a PAX `path` record when a
name does not fit), two zero blocks at the end and no padding to a record. Ignored directories are
still walked, so a `!` rule can bring back a file below one, as in Flux. The gzip header carries no
name and no time. The compressed bytes differ from Go's (another deflate implementation), so the
layer digest is reflow's own; the uncompressed stream, and hence its digest, is Flux's.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import stat
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from reflow.engines.sourceignore import EXTENSION_PATTERNS, VCS_PATTERNS, Matcher, read_patterns

BLOCK = 512
NAME_SIZE = 100
PREFIX_SIZE = 155
COMPRESS_LEVEL = 6
_CHUNK = 1 << 20
DEFAULT_IGNORE = (*VCS_PATTERNS, *EXTENSION_PATTERNS)
"""`--ignore-paths` when none are given: Flux's VCS and extension excludes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """The layer written: `digest` and `size` of the gzip'd bytes, `diff_id` and `tar_size` of the tar stream."""

    digest: str
    size: int
    diff_id: str
    tar_size: int


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    path: Path
    is_dir: bool
    mode: int
    size: int


def ignore_matcher(ignore_paths: tuple[str, ...] | list[str]) -> Matcher:
    """The matcher of `--ignore-paths` (gitignore lines), nothing else added, as Flux's push builds it."""
    return Matcher(read_patterns("\n".join(ignore_paths)))


def _walk(root: Path, matcher: Matcher) -> Iterator[_Entry]:
    info = root.stat()
    yield _Entry(".", root, True, stat.S_IMODE(info.st_mode), 0)

    def visit(directory: Path, prefix: tuple[str, ...]) -> Iterator[_Entry]:
        with os.scandir(directory) as scanned:
            children = sorted(scanned, key=lambda child: os.fsencode(child.name))
        for child in children:
            parts = (*prefix, child.name)
            mode = child.stat(follow_symlinks=False)
            is_dir = stat.S_ISDIR(mode.st_mode)
            if not is_dir and not stat.S_ISREG(mode.st_mode):
                continue
            if not matcher.ignores(parts, is_dir):
                size = 0 if is_dir else mode.st_size
                yield _Entry("/".join(parts), Path(child.path), is_dir, stat.S_IMODE(mode.st_mode), size)
            if is_dir:
                yield from visit(Path(child.path), parts)

    yield from visit(root, ())


def _octal(value: int, width: int) -> bytes:
    digits = format(value, "o").rjust(width - 1, "0")
    return _field(digits.encode(), width)


def _field(value: bytes, width: int) -> bytes:
    return value[:width] + b"\0" * (width - len(value)) if len(value) < width else value[:width]


def _ascii(name: str) -> bytes:
    return "".join(char for char in name if 0 < ord(char) < 0x80).encode()


def _split(name: bytes) -> tuple[bytes, bytes] | None:
    """USTAR's prefix/suffix split of a long ASCII name, or None when it cannot be split."""
    length = len(name)
    if length <= NAME_SIZE:
        return None
    if length > PREFIX_SIZE + 1:
        length = PREFIX_SIZE + 1
    elif name[length - 1 : length] == b"/":
        length -= 1
    index = name[:length].rfind(b"/")
    suffix_length, prefix_length = len(name) - index - 1, index
    if index <= 0 or suffix_length > NAME_SIZE or suffix_length == 0 or prefix_length > PREFIX_SIZE:
        return None
    return name[:index], name[index + 1 :]


def _block(name: bytes, mode: int, size: int, typeflag: bytes, *, prefix: bytes = b"", raw: bool = False) -> bytes:
    """One header block; `raw` is Go's minimal header for a PAX record file (no owner or device fields)."""
    if len(name) > NAME_SIZE:
        cut = bytearray(name[:NAME_SIZE])
        if cut[-1:] == b"/":
            cut[len(bytes(cut[:-1]).rstrip(b"/"))] = 0
        name_field = bytes(cut)
    else:
        name_field = _field(name, NAME_SIZE)
    owner = b"\0" * 64 if raw else _field(b"", 32) * 2
    devices = b"\0" * 16 if raw else _octal(0, 8) * 2
    block = b"".join(
        (
            name_field,
            _octal(mode, 8),
            _octal(0, 8),
            _octal(0, 8),
            _octal(size, 12) if size < 8 << 30 else _octal(0, 12),
            _octal(0, 12),
            b" " * 8,
            typeflag,
            b"\0" * 100,
            b"ustar\0",
            b"00",
            owner,
            devices,
            _field(prefix, PREFIX_SIZE),
            b"\0" * 12,
        )
    )
    checksum = sum(block)
    return block[:148] + _octal(checksum, 7) + b" " + block[156:]


def _pad(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def pax_record(key: str, value: str) -> bytes:
    """`<len> key=value\\n`, the length counting itself."""
    body = f" {key}={value}\n".encode("utf-8", "surrogateescape")
    size = len(body) + len(str(len(body)))
    if len(str(size)) + len(body) != size:
        size = len(str(size)) + len(body)
    return str(size).encode() + body


def headers(name: str, mode: int, size: int, is_dir: bool) -> bytes:
    """The header block(s) Go's tar writer makes for one entry: USTAR, or a PAX `path` record first."""
    typeflag = b"5" if is_dir else b"0"
    encoded = name.encode("utf-8", "surrogateescape")
    if encoded.isascii():
        if len(encoded) <= NAME_SIZE:
            return _block(encoded, mode, size, typeflag)
        split = _split(encoded)
        if split is not None:
            return _block(split[1], mode, size, typeflag, prefix=split[0])
    record = pax_record("path", name)
    directory, _, base = name.rpartition("/")
    pax_name = _ascii(f"{directory}/PaxHeaders.0/{base}" if directory else f"PaxHeaders.0/{base}")[:NAME_SIZE]
    pax = _block(pax_name.rstrip(b"/"), 0, len(record), b"x", raw=True) + record + _pad(len(record))
    return pax + _block(_ascii(name), mode, size, typeflag)


class _Hashing:
    """Counts and hashes what is written through it to `target`."""

    def __init__(self, target: BinaryIO) -> None:
        self.target = target
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        self.size += len(data)
        return self.target.write(data)

    def flush(self) -> None:
        self.target.flush()


def write_layer(source: Path, target: BinaryIO, matcher: Matcher) -> Layer:
    """Write the gzip'd tarball of `source` (a directory, or one file put in a directory of its own); blocking."""
    compressed = _Hashing(target)
    plain = hashlib.sha256()
    tar_size = 0
    with gzip.GzipFile(filename="", mode="wb", fileobj=compressed, compresslevel=COMPRESS_LEVEL, mtime=0) as zipped:

        def emit(data: bytes) -> None:
            nonlocal tar_size
            tar_size += len(data)
            plain.update(data)
            zipped.write(data)

        entries: Iterator[_Entry]
        if source.is_dir():
            entries = _walk(source, matcher)
        else:
            info = source.stat()
            root = _Entry(".", source.parent, True, 0o700, 0)
            staged = _Entry(source.name, source, False, info.st_mode & 0o777, info.st_size)
            entries = iter((root, staged))
        for entry in entries:
            emit(headers(entry.name, entry.mode, entry.size, entry.is_dir))
            if entry.is_dir:
                continue
            written = 0
            with entry.path.open("rb") as handle:
                while written < entry.size and (chunk := handle.read(min(_CHUNK, entry.size - written))):
                    emit(chunk)
                    written += len(chunk)
            if written != entry.size:
                raise OSError(f"'{entry.name}' changed size while it was archived")
            emit(_pad(entry.size))
        emit(b"\0" * (2 * BLOCK))
    return Layer(
        digest=f"sha256:{compressed.hash.hexdigest()}",
        size=compressed.size,
        diff_id=f"sha256:{plain.hexdigest()}",
        tar_size=tar_size,
    )


def build_layer(source: Path, target: Path, matcher: Matcher) -> Layer:
    """Write the layer of `source` to the file `target` (created or replaced); blocking."""
    with target.open("wb") as handle:
        return write_layer(source, handle, matcher)


def tar_digest(archive: Path, limit: int) -> str | None:
    """The sha256 of a gzip'd file's uncompressed stream, as `sha256:<hex>`; None when it is not gzip or
    unpacks to more than `limit` bytes (so a gzip bomb costs at most `limit` bytes of work); blocking."""
    hashed, size = hashlib.sha256(), 0
    try:
        with gzip.open(archive, "rb") as unzipped:
            while chunk := unzipped.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    return None
                hashed.update(chunk)
    except (OSError, EOFError, zlib.error):
        return None
    return f"sha256:{hashed.hexdigest()}"
