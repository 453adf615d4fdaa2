"""Unpack an artifact tarball into a directory without letting it write anywhere else.

Every member name must be relative, free of `..` and of control characters; directories and regular
files are created (and missing parent folders, which archives written by Go leave out), and symlinks and
hard links only when they resolve inside the directory. Before each
write the real path of the parent is checked, so no earlier link can redirect a later member, and once
everything is unpacked every symlink is resolved again against the final tree, so a chain that only
points out after a later link exists is refused too. Sizes are counted as bytes are written (headers can
lie), and the decompressed stream itself is capped, so a gzip or tar bomb stops early. On any failure,
including the file system's own (a name too long, a file where a directory must go), the directory is
emptied again and the error is an `UnsafeArchive`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from reflow.engines.artifact.errors import ArchiveTooLarge, UnsafeArchive

MAX_SIZE = 100 << 20
MAX_FILES = 100_000
_CHUNK = 1 << 16
_HEADER_ALLOWANCE = 1024  # per member: headers, padding and pax records
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SHOWN = 200  # characters of a member name quoted in a message


@dataclass(frozen=True, slots=True)
class ExtractLimits:
    """Bounds on what one artifact may unpack to."""

    max_size: int = MAX_SIZE
    """Bytes of file content, summed (100 MiB, the untar limit of Flux's consumers)."""
    max_files: int = MAX_FILES
    """Members of any type."""


@dataclass(frozen=True, slots=True)
class Extracted:
    """What was unpacked: the directory, the number of members and the bytes of file content."""

    path: Path
    files: int
    size: int


class _CappedReader(io.RawIOBase):
    """Reads the decompressed tar stream and stops once more than `cap` bytes came out."""

    def __init__(self, source: io.BufferedIOBase, cap: int) -> None:
        self.source = source
        self.cap = cap
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.source.read(len(buffer))
        self.read_bytes += len(data)
        if self.read_bytes > self.cap:
            raise ArchiveTooLarge(f"the archive unpacks to more than {self.cap} bytes")
        buffer[: len(data)] = data
        return len(data)


def _shown(name: str) -> str:
    """A member name fit for a message: control characters escaped, long names cut."""
    escaped = _CONTROL.sub(lambda found: f"\\x{ord(found[0]):02x}", name)
    return escaped if len(escaped) <= _SHOWN else f"{escaped[:_SHOWN]}…"


def _member_path(name: str) -> PurePosixPath:
    if _CONTROL.search(name):
        raise UnsafeArchive(f"member '{_shown(name)}' has a control character in its name")
    path = PurePosixPath(name)
    if path.is_absolute() or name.startswith("\\"):
        raise UnsafeArchive(f"member '{_shown(name)}' has an absolute path")
    parts = [part for part in path.parts if part != "."]
    if ".." in parts:
        raise UnsafeArchive(f"member '{_shown(name)}' leaves the directory through '..'")
    return PurePosixPath(*parts) if parts else PurePosixPath()


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def _target(root: Path, relative: PurePosixPath) -> Path:
    """The place for a member, after checking that each parent's real path stays under `root`; parents the
    archive has no entries for (as in `helm package` charts) are created on the way."""
    parent = root
    for part in relative.parts[:-1]:
        parent = parent / part
        if not _inside(root, Path(os.path.realpath(parent))):
            raise UnsafeArchive(
                f"member '{_shown(str(relative))}' would be written outside the directory through a link"
            )
        if not os.path.lexists(parent):
            parent.mkdir(mode=0o750)
    return parent / relative.name


def _check_link(root: Path, relative: PurePosixPath, link: str, *, hard: bool) -> Path:
    shown = _shown(str(relative))
    if _CONTROL.search(link):
        raise UnsafeArchive(f"link '{shown}' has a control character in its target")
    if not link or os.path.isabs(link):
        raise UnsafeArchive(f"link '{shown}' points to an absolute path '{_shown(link)}'")
    base = root if hard else root.joinpath(*relative.parts[:-1])
    resolved = Path(os.path.realpath(base / link))
    if not _inside(root, resolved):
        raise UnsafeArchive(f"link '{shown}' points outside the directory ('{_shown(link)}')")
    return resolved


def _unpack_member(
    tar: tarfile.TarFile, member: tarfile.TarInfo, root: Path, relative: PurePosixPath, used: int, limit: int
) -> int:
    """Create one member below `root`; the bytes of file content written so far (`used` before it)."""
    size = used
    target = _target(root, relative)
    if not target.parent.exists():  # archives written by Go (helm's charts) list no folders: make them
        target.parent.mkdir(mode=0o750, parents=True)
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        target.unlink()
    if member.isdir():
        target.mkdir(mode=0o750, exist_ok=True)
    elif member.isfile():
        source = tar.extractfile(member)
        if source is None:
            raise UnsafeArchive(f"member '{_shown(str(relative))}' cannot be read")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        with os.fdopen(os.open(target, flags, 0o700 if member.mode & 0o100 else 0o600), "wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ArchiveTooLarge(f"the archive's files add up to more than {limit} bytes")
                out.write(chunk)
    elif member.issym():
        _check_link(root, relative, member.linkname, hard=False)
        os.symlink(member.linkname, target)
    elif member.islnk():
        source_path = _check_link(root, relative, str(_member_path(member.linkname)), hard=True)
        if not source_path.is_file():
            raise UnsafeArchive(
                f"hard link '{_shown(str(relative))}' points to '{_shown(member.linkname)}', which is not a file here"
            )
        os.link(source_path, target)
    else:
        raise UnsafeArchive(f"member '{_shown(str(relative))}' is a device, FIFO or other special file")
    return size


def _unpack(tar: tarfile.TarFile, root: Path, limits: ExtractLimits) -> tuple[int, int]:
    files = size = 0
    links: list[PurePosixPath] = []
    for member in tar:
        files += 1
        if files > limits.max_files:
            raise ArchiveTooLarge(f"the archive holds more than {limits.max_files} members")
        relative = _member_path(member.name)
        if not relative.parts:
            continue
        try:
            size = _unpack_member(tar, member, root, relative, size, limits.max_size)
        except OSError as error:
            said = error.strerror or type(error).__name__
            raise UnsafeArchive(f"member '{_shown(str(relative))}' cannot be unpacked: {said}") from error
        if member.issym():
            links.append(relative)
    for relative in links:  # a later link can make an earlier one point elsewhere: check the final tree
        if not _inside(root, Path(os.path.realpath(root.joinpath(*relative.parts)))):
            raise UnsafeArchive(
                f"link '{_shown(str(relative))}' points outside the directory once the archive's other links exist"
            )
    return files, size


def extract_tarball(archive: Path, destination: Path, limits: ExtractLimits | None = None) -> Extracted:
    """Unpack the gzip'd tarball `archive` into `destination` (created; must be empty); blocking."""
    limits = limits or ExtractLimits()
    destination.mkdir(parents=True, exist_ok=True)
    root = Path(os.path.realpath(destination))
    if any(root.iterdir()):
        raise UnsafeArchive(f"extraction directory '{destination}' is not empty")
    cap = limits.max_size + (limits.max_files + 2) * _HEADER_ALLOWANCE + (1 << 20)
    try:
        with gzip.open(archive, "rb") as unzipped:
            capped = io.BufferedReader(_CappedReader(unzipped, cap))
            with tarfile.open(fileobj=capped, mode="r|") as tar:
                files, size = _unpack(tar, root, limits)
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as error:
        _empty(root)
        raise UnsafeArchive(f"the artifact is not a valid gzip'd tarball: {error}") from error
    except BaseException:
        _empty(root)
        raise
    return Extracted(path=destination, files=files, size=size)


def extract_into(archive: Path, destination: Path, limits: ExtractLimits | None = None) -> Extracted:
    """Unpack the gzip'd tarball `archive` into the existing directory `destination`, keeping what is there and
    replacing files of the same name; blocking.

    The archive is unpacked first, with every check `extract_tarball` makes, into a private directory; then
    its directories and files are moved over. Its symlinks are left out (as `flux pull artifact` skips
    them), and nothing is written through a link or over a directory already in `destination`.
    """
    with tempfile.TemporaryDirectory(prefix="reflow-extract-") as scratch:
        staged = Path(scratch) / "tree"
        extracted = extract_tarball(archive, staged, limits)
        _merge(staged, destination)
    return replace(extracted, path=destination)


def _merge(source: Path, destination: Path) -> None:
    for folder, folders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        for name in folders:
            target = destination / relative / name
            if Path(folder, name).is_symlink():
                continue
            if target.is_symlink() or (os.path.lexists(target) and not target.is_dir()):
                raise UnsafeArchive(
                    f"'{relative / name}' is a directory in the artifact but a link or file in '{destination}'"
                )
            target.mkdir(mode=0o750, exist_ok=True)
        for name in files:
            member, target = Path(folder, name), destination / relative / name
            if member.is_symlink():
                continue
            if target.is_dir() and not target.is_symlink():
                raise UnsafeArchive(f"'{relative / name}' is a file in the artifact but a directory in '{destination}'")
            target.unlink(missing_ok=True)
            shutil.move(member, target)


def _empty(root: Path) -> None:
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)
