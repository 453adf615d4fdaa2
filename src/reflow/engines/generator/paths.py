"""`@alias/path` expressions and paths inside a tree that never leave it, not even through a link."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ARTIFACT = "artifact"
"""The alias of the artifact being built, in `to` and `inputsFrom`."""
GLOB_CHARS = frozenset("*?[]")


class PathError(ValueError):
    """A path is malformed or leaves its tree."""


@dataclass(frozen=True, slots=True)
class AliasPath:
    """`@alias/path`: the alias and the path after it, as written (possibly empty or ending in `/`)."""

    alias: str
    path: str


def parse_alias_path(expression: str) -> AliasPath:
    """Split `@alias/path`; PathError when it is not of that form."""
    alias, slash, path = expression.removeprefix("@").partition("/")
    if not expression.startswith("@") or not slash or not alias:
        raise PathError(f"'{expression}' is not of the form '@alias/path'")
    return AliasPath(alias, path)


def relative_parts(path: str) -> tuple[str, ...]:
    """The segments of a path inside a tree; PathError for an absolute path or a `..` segment."""
    if path.startswith("/") or "\\" in path:
        raise PathError(f"'{path}' is absolute; paths are relative to the tree's root")
    parts = tuple(part for part in PurePosixPath(path).parts if part != ".")
    if ".." in parts:
        raise PathError(f"'{path}' leaves the tree through '..'")
    return parts


def has_glob(path: str) -> bool:
    return any(char in GLOB_CHARS for char in path)


def inside(root: Path, path: Path) -> Path:
    """The real path of `path`, which must stay under the real `root`; PathError naming the link otherwise."""
    real_root = Path(os.path.realpath(root))
    real = Path(os.path.realpath(path))
    if real != real_root and real_root not in real.parents:
        shown = path.relative_to(root) if path.is_relative_to(root) else path
        raise PathError(f"'{shown}' leads outside the source root through a symbolic link")
    return real
