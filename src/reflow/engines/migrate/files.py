"""Find and rewrite retired apiVersions of Flux kinds in manifest files, touching only the apiVersion lines.

A manifest is read as lines, as `flux migrate` reads it: an `apiVersion: <group>/<version>` line followed by a
`kind: <Kind>` line names an object, wherever it is (top level or inside a list such as `dependsOn`). Only the
version on that line changes, so comments, quoting, blank lines and line endings stay as they were.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reflow.engines.migrate.versions import GroupKind

API_VERSION = "apiVersion: "
KIND = "kind: "


@dataclass(frozen=True, slots=True)
class Upgrade:
    """One apiVersion line to change: `line` counts from 0."""

    line: int
    kind: str
    old_version: str
    new_version: str


@dataclass(frozen=True, slots=True)
class FileUpgrades:
    """What a file needs: its upgrades, and the lines that could not be read (line from 0, message)."""

    path: str
    upgrades: tuple[Upgrade, ...]
    warnings: tuple[tuple[int, str], ...]


@dataclass(frozen=True, slots=True)
class Listing:
    """The files to read, and the matching paths left out because they are not regular files (symlinks, …)."""

    files: tuple[str, ...]
    skipped: tuple[str, ...]


class InvalidPath(ValueError):
    """A `--path` that cannot be migrated: missing, of another extension, or not a regular file."""


def _value(line: str, prefix: str) -> tuple[int, str] | None:
    """Where the value after `prefix` starts in `line`, and its first word without quotes."""
    index = line.find(prefix)
    if index == -1:
        return None
    start = index + len(prefix)
    words = line[start:].strip().split(" ")
    return start, words[0].strip("\"'")


def detect_upgrades(path: str, text: str, latest: Mapping[GroupKind, str]) -> FileUpgrades:
    """The apiVersion lines of `text` whose kind has another latest version than the one written."""
    lines = text.split("\n")
    upgrades: list[Upgrade] = []
    warnings: list[tuple[int, str]] = []
    for number, line in enumerate(lines):
        api_version = _value(line, API_VERSION)
        if api_version is None:
            continue
        parts = api_version[1].split("/")
        if len(parts) > 2:
            warnings.append((number, f"unexpected GroupVersion string: {api_version[1]}"))
            continue
        group, version = (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])
        kind = _value(lines[number + 1], KIND) if number + 1 < len(lines) else None
        if kind is None:
            continue
        target = latest.get((group, kind[1]))
        if target is None or target == version:
            continue
        upgrades.append(Upgrade(line=number, kind=kind[1], old_version=version, new_version=target))
    return FileUpgrades(path=path, upgrades=tuple(upgrades), warnings=tuple(warnings))


def rewrite(text: str, upgrades: Sequence[Upgrade]) -> str:
    """`text` with each upgrade's version replaced on its line, and nothing else changed."""
    lines = text.split("\n")
    for upgrade in upgrades:
        line = lines[upgrade.line]
        start = line.find(API_VERSION) + len(API_VERSION)
        value = line[start:].replace(f"/{upgrade.old_version}", f"/{upgrade.new_version}", 1)
        lines[upgrade.line] = line[:start] + value
    return "\n".join(lines)


def _matches(path: str, extensions: Sequence[str]) -> bool:
    return any(path.endswith(extension) for extension in extensions)


def _walk(directory: str, extensions: Sequence[str], files: list[str], skipped: list[str]) -> None:
    """Depth first in name order, as Go's fs.WalkDir; symbolic links are neither read nor followed."""
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        mode = os.lstat(path).st_mode
        if _matches(path, extensions):
            if stat.S_ISREG(mode):
                files.append(path)
            elif not stat.S_ISDIR(mode):
                skipped.append(path)
        if stat.S_ISDIR(mode):
            _walk(path, extensions, files, skipped)


def list_files(path: str, extensions: Sequence[str]) -> Listing:
    """The files under `path` (a directory, walked) or `path` itself (a file) whose names end in an extension."""
    path = os.path.normpath(path)
    try:
        followed = os.stat(path)
    except OSError as error:
        raise InvalidPath(f"failed to stat path {path}: {error.strerror}") from error
    if stat.S_ISDIR(followed.st_mode):
        files: list[str] = []
        skipped: list[str] = []
        _walk(path, extensions, files, skipped)
        return Listing(files=tuple(files), skipped=tuple(skipped))
    if not _matches(path, extensions):
        raise InvalidPath(f"file {path} does not match the specified extensions: {', '.join(extensions)}")
    if not stat.S_ISREG(os.lstat(path).st_mode):
        raise InvalidPath(f"file {path} is irregular")
    return Listing(files=(path,), skipped=())
