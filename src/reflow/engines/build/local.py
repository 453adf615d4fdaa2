"""Local builds (`reflow build`/`diff kustomization --path`): confined to the enclosing repository, not to `--path`.

A directory on disk is not an artifact: an overlay may refer to `../../bases/app` as it does in
the repository the controller will fetch. So a local build's boundary is the git work tree holding
the path, else the filesystem's root. Only what the kustomizations refer to (checked against that
boundary first) is copied into a private tree laid out as in the repository, and that copy is what
the pipeline builds, in its sandbox, with the path relative to the copy as `spec.path`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from reflow.engines.build.confine import check_references, inside

FILESYSTEM_ROOT = Path("/")
Ignore = Callable[[str, list[str]], set[str]]


async def boundary(path: Path) -> Path:
    """The top of the git work tree holding `path`, else the root of its filesystem."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent"}
    try:
        process = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(path),
            "rev-parse",
            "--show-toplevel",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env=env,
        )
        stdout, _ = await process.communicate()
    except OSError:  # no git here: not a work tree as far as a build can tell
        return FILESYSTEM_ROOT
    if process.returncode != 0:
        return FILESYSTEM_ROOT
    return Path(stdout.decode().strip())  # git prints it with symlinks resolved


@dataclass(frozen=True, slots=True)
class LocalTree:
    """The private copy of what a local build reads, and the built directory's path inside it."""

    root: Path
    path: str


def copy_local(
    path: Path, top: Path, target: Path, *, extra: Iterable[str] = (), ignore: Ignore | None = None
) -> LocalTree:
    """Copy `path` and everything its kustomizations refer to (plus `extra` paths relative to it) under `target`.

    Paths keep their place relative to the boundary `top`; `.git` directories are left out;
    `ignore` (as `shutil.copytree`'s) applies inside `path` only. A reference that leaves the
    boundary raises PathOutsideArtifact before anything is copied.
    """
    start = Path(os.path.realpath(path))
    check = check_references(top, start, allow_remote=True)
    wanted = [start, *check.local, *(Path(os.path.normpath(start / item)) for item in extra)]
    copied: set[Path] = set()
    pending = [item for item in wanted if inside(top, item)]
    while pending:
        source = pending.pop(0)
        if source in copied or any(inside(done, source) for done in copied if done != source):
            continue
        copied.add(source)
        pending += _copy(source, top, target, ignore if inside(start, source) else None)
    return LocalTree(root=target, path=start.relative_to(top).as_posix())


def _copy(source: Path, top: Path, target: Path, ignore: Ignore | None) -> list[Path]:
    """Copy one file or directory from the boundary `top` to its place under `target`.

    Links to places inside `top` are pointed at their place in the copy, and their targets
    returned, to be copied as well.
    """
    if not source.exists():
        return []
    destination = target / source.relative_to(top)
    destination.parent.mkdir(parents=True, exist_ok=True)

    def skip(directory: str, names: list[str]) -> set[str]:
        return {".git"} | (ignore(directory, names) if ignore else set())

    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, destination, symlinks=True, ignore=skip, dirs_exist_ok=True)
        links = [Path(current, name) for current, dirs, files in os.walk(destination) for name in (*dirs, *files)]
    else:
        shutil.copy2(source, destination, follow_symlinks=False)
        links = [destination]
    followed: list[Path] = []
    for link in links:
        if not link.is_symlink():
            continue
        resolved = Path(os.path.realpath(top / link.relative_to(target)))
        if inside(top, resolved):
            link.unlink()
            link.symlink_to(os.path.relpath(target / resolved.relative_to(top), link.parent))
            followed.append(resolved)
    return followed
