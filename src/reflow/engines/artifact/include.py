"""Copy part of an unpacked artifact into a checkout (`spec.include`) without ever passing through a link.

Both trees come from git, where anyone who can push can commit a symbolic link, so a link is never
followed: each path component is opened relative to its parent directory with `O_NOFOLLOW`, on the way
to `fromPath` and `toPath` and everywhere inside the copied tree. A link in the way stops the copy with
`UnsafeInclude`; nothing is written outside the checkout. Flux resolves such links as if the checkout
were the file system root; refusing them is stricter and says why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath

from reflow.engines.artifact.errors import UnsafeInclude

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def include_parts(path: str) -> tuple[str, ...]:
    """The components of an include path inside its tree: a leading `/` is the tree's root, `.` is dropped
    and `..` goes up one level. `ValueError` when `..` would leave the tree."""
    parts: list[str] = []
    for part in PurePosixPath(path).parts:
        if part in ("/", "."):
            continue
        if part == "..":
            if not parts:
                raise ValueError(f"'{path}' points outside the repository")
            parts.pop()
        else:
            parts.append(part)
    return tuple(parts)


@contextlib.contextmanager
def _opened(path: Path | str, dir_fd: int | None = None) -> Iterator[int]:
    fd = os.open(path, _DIRECTORY, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def _kind(name: str, dir_fd: int) -> int | None:
    """The file type bits of `name` in `dir_fd` without following a link; None when it does not exist."""
    try:
        return stat.S_IFMT(os.lstat(name, dir_fd=dir_fd).st_mode)
    except FileNotFoundError:
        return None


def _walk_to(root: int, parts: Sequence[str], *, create: bool, where: str, prefix: str = "") -> int:
    """A new descriptor of the directory `parts` below `root`, refusing links; creates missing ones if asked.

    `prefix` is the path of `root` in messages."""
    fd = os.dup(root)
    try:
        for depth, part in enumerate(parts):
            kind = _kind(part, fd)
            shown = prefix + "/".join(parts[: depth + 1])
            if kind == stat.S_IFLNK:
                raise UnsafeInclude(f"'{shown}' in {where} is a symbolic link; includes never pass through links")
            if kind is None and create:
                os.mkdir(part, 0o755, dir_fd=fd)
            elif kind is None:
                raise UnsafeInclude(f"'{shown}' does not exist in {where}")
            elif kind != stat.S_IFDIR:
                raise UnsafeInclude(f"'{shown}' in {where} is not a directory")
            child = os.open(part, _DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _copy_file(name: str, source_dir: int, target_dir: int, shown: str) -> None:
    if _kind(name, target_dir) not in (None, stat.S_IFREG):
        raise UnsafeInclude(f"'{shown}' in the repository is a link or directory; the include's file cannot go there")
    source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=source_dir)
    with os.fdopen(source, "rb") as reader:
        mode = os.fstat(reader.fileno()).st_mode & 0o777
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        with os.fdopen(os.open(name, flags, mode, dir_fd=target_dir), "wb") as writer:
            shutil.copyfileobj(reader, writer)


def _copy_tree(source_dir: int, target_dir: int, source_prefix: str, target_prefix: str) -> int:
    """Copy the directory `source_dir` into `target_dir`; the prefixes are their paths in messages."""
    copied = 0
    for name in sorted(os.listdir(source_dir)):
        kind = _kind(name, source_dir)
        if kind == stat.S_IFDIR:
            with _opened(name, source_dir) as child:
                target = _walk_to(target_dir, [name], create=True, where="the repository", prefix=target_prefix)
                try:
                    copied += _copy_tree(child, target, f"{source_prefix}{name}/", f"{target_prefix}{name}/")
                finally:
                    os.close(target)
        elif kind == stat.S_IFREG:
            _copy_file(name, source_dir, target_dir, f"{target_prefix}{name}")
            copied += 1
        else:
            raise UnsafeInclude(f"'{source_prefix}{name}' in the included artifact is a link or special file")
    return copied


def _prefix(parts: Sequence[str]) -> str:
    return "".join(f"{part}/" for part in parts)


def copy_include(source: Path, from_parts: Sequence[str], target: Path, to_parts: Sequence[str]) -> int:
    """Copy `source/from_parts` onto `target/to_parts` (merging into what is there); the number of files.

    A file as `fromPath` is copied to `toPath` as that file's new name. Blocking; run it in a thread.
    """
    artifact, repository = "the included artifact", "the repository"
    with _opened(source) as source_root, _opened(target) as target_root:
        if from_parts and to_parts:
            parent = _walk_to(source_root, from_parts[:-1], create=False, where=artifact)
            try:
                if _kind(from_parts[-1], parent) == stat.S_IFREG:
                    into = _walk_to(target_root, to_parts[:-1], create=True, where=repository)
                    try:
                        _copy_file(from_parts[-1], parent, into, "/".join(to_parts))
                    finally:
                        os.close(into)
                    return 1
            finally:
                os.close(parent)
        from_dir = _walk_to(source_root, from_parts, create=False, where=artifact)
        try:
            into = _walk_to(target_root, to_parts, create=True, where=repository)
            try:
                return _copy_tree(from_dir, into, _prefix(from_parts), _prefix(to_parts))
            finally:
                os.close(into)
        finally:
            os.close(from_dir)
