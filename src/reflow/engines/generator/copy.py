"""Copy operations: files from an unpacked source into the artifact being built, with `cp`'s rules.

- A path without glob characters names one file or directory. A directory is copied *as* a directory
  into the destination (`@src/apps/` → `<to>/apps/…`); `@src/` copies the whole source. A file goes to
  `<to>/<name>` when `to` ends in `/` or is a directory already, else it becomes `<to>`.
- A glob (`*`, `?`, `[…]`) matches within one path segment, as Go's `fs.Glob`; each match keeps its
  path under `to`, except that `dir/**` strips `dir/`, so it copies the contents of `dir`. With the
  Extract strategy `**` matches any number of segments, and only `.tar.gz`/`.tgz` matches are used.
- `exclude` globs (`**` spans segments) are matched against the path in the source, against the path
  below the operation's literal prefix, and, when they hold no `/`, against the file name.
- Merge deep-merges a YAML file onto one already in the artifact (Helm values rules); Extract unpacks
  a tarball into `to` through the safe extraction every artifact consumer uses.

Every path stays inside its tree: `..` and absolute paths are refused, and symbolic links are followed
only while they resolve inside the source root. Blocking; run it in a thread.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path

from reflow.api.sourceext import CopyOperation
from reflow.engines.artifact import UnsafeArchive, extract_tarball
from reflow.engines.generator.errors import GeneratorError
from reflow.engines.generator.merge import NotAMapping, dump_mapping, load_mapping, merge_values
from reflow.engines.generator.paths import ARTIFACT, PathError, has_glob, inside, parse_alias_path, relative_parts
from reflow.engines.glob import BadPattern, glob_match

TARBALL_SUFFIXES = (".tar.gz", ".tgz")


def apply_copy(op: CopyOperation, sources: Mapping[str, Path], staging: Path) -> int:
    """Run one copy operation into `staging`; the number of files written. GeneratorError names the operation."""
    strategy = op.strategy or "Overwrite"
    try:
        return _Copy(op, sources, staging).run()
    except (PathError, NotAMapping, UnsafeArchive, BadPattern, ValueError, OSError) as error:
        detail = f"invalid glob '{error}'" if isinstance(error, BadPattern) else str(error)
        raise GeneratorError(f"{strategy} from '{op.from_}' to '{op.to}': {detail}") from error


@cache
def _match_segments(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match_segments(pattern[1:], parts[index:]) for index in range(len(parts) + 1))
    return bool(parts) and glob_match(pattern[0], parts[0]) and _match_segments(pattern[1:], parts[1:])


def match_path(pattern: str, path: str) -> bool:
    """Whether `path` matches the glob, where a `**` segment matches any number of segments."""
    return _match_segments(tuple(pattern.split("/")), tuple(path.split("/")))


def excluded(path: str, base: str, patterns: Sequence[str]) -> bool:
    """Whether an exclude glob matches the path, its part below `base`, or (for a glob without `/`) its name."""
    below = path[len(base) + 1 :] if base and path.startswith(base + "/") else None
    name = path.rpartition("/")[2]
    for pattern in patterns:
        if match_path(pattern, path) or (below is not None and match_path(pattern, below)):
            return True
        if "/" not in pattern and match_path(pattern, name):
            return True
    return False


def is_tarball(path: str) -> bool:
    return path.endswith(TARBALL_SUFFIXES)


class _Copy:
    """One operation's state: the source root, the staging root and the parsed paths."""

    def __init__(self, op: CopyOperation, sources: Mapping[str, Path], staging: Path) -> None:
        self.op = op
        self.staging = staging
        origin = parse_alias_path(op.from_)
        target = parse_alias_path(op.to)
        if target.alias != ARTIFACT:
            raise PathError(f"the destination must start with '@{ARTIFACT}/'")
        if origin.alias not in sources:
            raise PathError(f"source alias '{origin.alias}' is not declared in spec.sources")
        self.alias = origin.alias
        self.root = sources[origin.alias]
        self.pattern = origin.path
        self.parts = relative_parts(origin.path)
        self.dest = relative_parts(target.path)
        self.into_directory = target.path == "" or target.path.endswith("/")
        self.merge = op.strategy == "Merge"
        self.extract = op.strategy == "Extract"
        for pattern in op.exclude:
            match_path(pattern, ".")  # a malformed exclude fails now, not halfway through

    def run(self) -> int:
        if not has_glob(self.pattern):
            return self._single()
        matches = sorted(self._glob(self.parts, (), recursive=self.extract))
        if not matches:
            if self.op.optional:
                return 0
            raise PathError(f"no files match '{self.pattern}' in source '{self.alias}'")
        base = "/".join(_literal_prefix(self.parts))
        kept = [match for match in matches if not excluded("/".join(match), base, self.op.exclude)]
        if not kept:
            if self.op.optional:
                return 0
            raise PathError(f"every file matching '{self.pattern}' in source '{self.alias}' is excluded")
        written = 0
        for match in kept:
            path = "/".join(match)
            real = inside(self.root, self.root.joinpath(*match))
            if self.extract:
                if real.is_file() and is_tarball(path):
                    written += self._extract(real, path)
                continue
            written += self._copy_any(real, match, self._glob_destination(match), base)
        return written

    def _single(self) -> int:
        path = "/".join(self.parts) or "."
        source = self.root.joinpath(*self.parts)
        if not os.path.lexists(source):
            if self.op.optional:
                return 0
            raise PathError(f"'{path}' does not exist in source '{self.alias}'")
        real = inside(self.root, source)
        if real.is_dir():
            if self.extract:
                raise PathError(f"Extract needs a .tar.gz or .tgz file, and '{path}' is a directory")
            return self._tree(real, self.parts, self.dest + self.parts[-1:], "/".join(self.parts))
        if excluded(path, "", self.op.exclude):
            return 0
        if self.extract:
            if not is_tarball(path):
                raise PathError(f"Extract needs a .tar.gz or .tgz file, and '{path}' is not one")
            return self._extract(real, path)
        name = self.parts[-1]
        target = self.dest
        if not target or self.into_directory or self.staging.joinpath(*target).is_dir():
            target = (*target, name)
        self._file(real, path, target)
        return 1

    def _glob(self, pattern: tuple[str, ...], at: tuple[str, ...], *, recursive: bool) -> Iterator[tuple[str, ...]]:
        """Paths under `at` matching the remaining pattern segments."""
        if not pattern:
            yield at
            return
        head, rest = pattern[0], pattern[1:]
        if recursive and head == "**":
            yield from self._glob(rest, at, recursive=True)
        for name in self._children(at):
            child = (*at, name)
            if recursive and head == "**":
                if self._is_dir(child):
                    yield from self._glob(pattern, child, recursive=True)
                elif not rest:
                    yield child
                continue
            if glob_match(head, name) and (not rest or self._is_dir(child)):
                yield from self._glob(rest, child, recursive=recursive)

    def _children(self, at: tuple[str, ...]) -> list[str]:
        directory = inside(self.root, self.root.joinpath(*at))
        return sorted(os.listdir(directory)) if directory.is_dir() else []

    def _is_dir(self, parts: tuple[str, ...]) -> bool:
        return inside(self.root, self.root.joinpath(*parts)).is_dir()

    def _glob_destination(self, match: tuple[str, ...]) -> tuple[str, ...]:
        """`dir/**` copies what is inside `dir`; any other glob keeps the matched path."""
        if self.parts[-1] == "**" and len(match) >= len(self.parts) and match[: len(self.parts) - 1] == self.parts[:-1]:
            return self.dest + match[len(self.parts) - 1 :]
        return self.dest + match

    def _copy_any(self, real: Path, source: tuple[str, ...], target: tuple[str, ...], base: str) -> int:
        if real.is_dir():
            return self._tree(real, source, target, base)
        self._file(real, "/".join(source), target)
        return 1

    def _tree(self, real: Path, source: tuple[str, ...], target: tuple[str, ...], base: str) -> int:
        """Copy a directory's contents onto `target`, skipping excluded paths; links may not loop."""
        written = 0
        self._directory(target)
        stack = {real}

        def walk(directory: Path, at: tuple[str, ...], into: tuple[str, ...]) -> None:
            nonlocal written
            for name in sorted(os.listdir(directory)):
                child = (*at, name)
                path = "/".join(child)
                if excluded(path, base, self.op.exclude):
                    continue
                resolved = inside(self.root, self.root.joinpath(*child))
                if resolved.is_dir():
                    if resolved in stack:
                        raise PathError(f"'{path}' is a symbolic link that loops back to a parent directory")
                    stack.add(resolved)
                    self._directory((*into, name))
                    walk(resolved, child, (*into, name))
                    stack.discard(resolved)
                elif stat.S_ISREG(resolved.stat().st_mode):
                    self._file(resolved, path, (*into, name))
                    written += 1

        walk(real, source, target)
        return written

    def _directory(self, target: tuple[str, ...]) -> None:
        place = self.staging.joinpath(*target)
        if place.exists() and not place.is_dir():
            raise PathError(f"'{'/'.join(target)}' is a file in the artifact, and a directory must go there")
        place.mkdir(parents=True, exist_ok=True)

    def _file(self, real: Path, shown: str, target: tuple[str, ...]) -> None:
        if not target:
            raise PathError(f"'{shown}' cannot replace the artifact's root")
        self._directory(target[:-1])
        place = self.staging.joinpath(*target)
        if place.is_dir():
            where = "/".join(target)
            raise PathError(f"'{where}' is a directory in the artifact, and the file '{shown}' must go there")
        if self.merge and place.is_file():
            try:
                overlay = load_mapping(real.read_text(encoding="utf-8"))
            except (NotAMapping, UnicodeDecodeError) as error:
                raise NotAMapping(f"'{shown}' cannot be merged: {error}") from error
            try:
                base = load_mapping(place.read_text(encoding="utf-8"))
            except (NotAMapping, UnicodeDecodeError) as error:
                raise NotAMapping(f"'{'/'.join(target)}' in the artifact cannot be merged: {error}") from error
            place.write_text(dump_mapping(merge_values(base, overlay)), encoding="utf-8")
            return
        shutil.copyfile(real, place)
        shutil.copymode(real, place)

    def _extract(self, archive: Path, shown: str) -> int:
        """Unpack a tarball safely beside the staging directory, then copy it onto `to`."""
        unpacked = Path(tempfile.mkdtemp(prefix="extract-", dir=self.staging.parent))
        try:
            try:
                extract_tarball(archive, unpacked)
            except UnsafeArchive as error:
                raise UnsafeArchive(f"'{shown}' cannot be extracted: {error}") from error
            inner = _Copy(
                CopyOperation(from_="@tarball/", to=f"@{ARTIFACT}/{'/'.join(self.dest)}", strategy=self.op.strategy),
                {"tarball": unpacked},
                self.staging,
            )
            inner.extract = False
            return inner._tree(Path(os.path.realpath(unpacked)), (), self.dest, "")
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)


def _literal_prefix(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The segments before the first one holding a glob character."""
    prefix: list[str] = []
    for part in parts:
        if has_glob(part):
            break
        prefix.append(part)
    return tuple(prefix)
