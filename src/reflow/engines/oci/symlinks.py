"""`--resolve-symlinks`: copy a source into a private directory with every link replaced by what it points to,
as Flux's build and push do, so trees of links (Nix, Bazel) can be packed.

Directories are copied with their contents; a link back to a directory already being copied (a cycle)
becomes an empty directory. Files keep the permission bits of their targets; anything that is neither a
file nor a directory is left out. A link that points nowhere is an error.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path


def resolve_symlinks(source: Path, scratch: Path) -> Path:
    """A copy of `source` (a directory, or a file then copied under its own name) below the empty `scratch`,
    with links resolved; the path to pack. Blocking; `OSError` names a link that cannot be resolved."""
    if not _real(source).is_dir():
        staged = scratch / source.name
        _copy_file(source, staged)
        return staged
    _copy_tree(source, scratch, set())
    return scratch


def _real(path: Path) -> Path:
    try:
        return path.resolve(strict=True)
    except (OSError, RuntimeError) as error:  # RuntimeError: a loop of links, before Python 3.13
        said = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise OSError(f"cannot resolve the link '{path}': {said}") from error


def _copy_file(source: Path, target: Path) -> None:
    real = _real(source)
    shutil.copyfile(real, target)
    os.chmod(target, stat.S_IMODE(real.stat().st_mode))


def _copy_tree(source: Path, target: Path, copying: set[Path]) -> None:
    real = _real(source)
    if real in copying:
        return
    copying.add(real)
    try:
        for child in sorted(source.iterdir()):
            resolved = _real(child)
            info = resolved.stat()
            if stat.S_ISDIR(info.st_mode):
                (target / child.name).mkdir(mode=stat.S_IMODE(info.st_mode), exist_ok=True)
                _copy_tree(child, target / child.name, copying)
            elif stat.S_ISREG(info.st_mode):
                _copy_file(child, target / child.name)
    finally:
        copying.discard(real)
