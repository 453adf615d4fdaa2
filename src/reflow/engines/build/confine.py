"""Keeping a build inside its artifact: the path to build, symlinks, and the files kustomizations refer to.

Every check runs before kustomize starts and reads only directory entries and kustomization files
inside the artifact, so a reference to `/etc/hostname` or `../../secrets` is refused without the
target ever being opened. The sandbox is the second wall; these checks give the clear message.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from reflow.engines.build.errors import InvalidManifest, PathOutsideArtifact, RemoteBaseRefused

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE_PREFIXES = ("https://", "http://", "ssh:", "git::", "gh:", "git@", "github.com:", "github.com/")
_FILE_SCHEME = "file://"


def inside(root: Path, candidate: str | os.PathLike[str]) -> bool:
    """Whether a path, once normalized (not resolved), is `root` or below it."""
    normalized = os.path.normpath(candidate)
    return normalized == str(root) or normalized.startswith(str(root) + os.sep)


def build_directory(root: Path, path: str) -> Path:
    """The directory `path` names inside the artifact `root`; absolute paths and `..` escapes are refused."""
    if PurePosixPath(path).is_absolute():
        raise PathOutsideArtifact(f"path '{path}' is absolute: spec.path must be relative to the artifact root")
    directory = Path(os.path.normpath(root / path))
    if not inside(root, directory):
        raise PathOutsideArtifact(f"path '{path}' leads outside the artifact root")
    if not inside(root, os.path.realpath(directory)):
        raise PathOutsideArtifact(f"path '{path}' goes through a symlink that points outside the artifact root")
    if not directory.is_dir():
        raise InvalidManifest(f"kustomization path not found: '{path}' is not a directory in the artifact")
    return directory


def escaping_links(root: Path) -> Iterator[tuple[str, str]]:
    """(link, target) for every symlink under `root` whose target resolves outside it."""
    real_root = Path(os.path.realpath(root))
    for current, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            entry = Path(current, name)
            if entry.is_symlink() and not inside(real_root, os.path.realpath(entry)):
                yield str(entry.relative_to(root)), os.readlink(entry)


def refuse_escaping_links(root: Path) -> None:
    """Raise `PathOutsideArtifact` naming the first symlink that points outside the artifact."""
    for link, target in escaping_links(root):
        raise PathOutsideArtifact(f"symlink '{link}' points outside the artifact root (to '{target}')")


def is_local_relative_path(path: str) -> bool:
    """Whether a component path is a local relative path rather than a URL or absolute path (Flux's check)."""
    lowered = path.lower()
    if lowered.startswith(_REMOTE_PREFIXES):
        return False
    if lowered.startswith(_FILE_SCHEME):
        path = path[len(_FILE_SCHEME) :]
    if PurePosixPath(path).is_absolute():
        return False
    return not _looks_like_repository(path)


def _looks_like_repository(path: str) -> bool:
    """`host.tld/owner/repo`: the form kustomize takes for a git repository without a scheme."""
    parts = PurePosixPath(path).parts
    return len(parts) >= 3 and "." in parts[0] and parts[0] not in (".", "..") and not parts[0].startswith(".")


@dataclass(frozen=True, slots=True)
class Reference:
    """One path or URL a kustomization file refers to, and the field it came from."""

    value: str
    field: str
    directory_allowed: bool


def find_kustomization(directory: Path) -> Path | None:
    """The kustomization file of a directory, in kustomize's order of names, or None."""
    for name in KUSTOMIZATION_FILES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    return None


def load_kustomization(file: Path) -> dict[str, Any]:
    """A kustomization file as a dict; an empty file is an empty dict."""
    try:
        loaded = yaml.load(file.read_bytes(), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as err:
        raise InvalidManifest(f"{file.name}: not valid YAML: {err}") from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise InvalidManifest(f"{file.name}: expected a mapping, got {type(loaded).__name__}")
    return loaded


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _items(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def references(kustomization: dict[str, Any]) -> Iterator[Reference]:
    """Every file, directory or URL a kustomization reads, from the fields kustomize v5 knows."""
    for key in ("resources", "bases", "components"):
        for value in _strings(kustomization.get(key)):
            yield Reference(value, key, True)
    for key in ("crds", "configurations", "generators", "transformers", "validators", "patchesStrategicMerge"):
        for value in _strings(kustomization.get(key)):
            if "\n" not in value:  # an inline document, not a path
                yield Reference(value, key, key in ("generators", "transformers", "validators"))
    for key in ("patches", "patchesJson6902", "replacements"):
        for item in _items(kustomization.get(key)):
            if isinstance(item.get("path"), str):
                yield Reference(item["path"], key, False)
    for key in ("configMapGenerator", "secretGenerator"):
        for item in _items(kustomization.get(key)):
            for entry in _strings(item.get("files")):
                yield Reference(entry.partition("=")[2] if "=" in entry else entry, key, False)
            for entry in [*_strings(item.get("envs")), *_strings([item.get("env")])]:
                yield Reference(entry, key, False)
    openapi = kustomization.get("openapi")
    if isinstance(openapi, dict) and isinstance(openapi.get("path"), str):
        yield Reference(openapi["path"], "openapi", False)
    helm = kustomization.get("helmGlobals")
    if isinstance(helm, dict) and isinstance(helm.get("chartHome"), str):
        yield Reference(helm["chartHome"], "helmGlobals", True)
    for item in _items(kustomization.get("helmCharts")):
        for key in ("valuesFile", "additionalValuesFiles"):
            for value in _strings(item.get(key)) or _strings([item.get(key)]):
                yield Reference(value, "helmCharts", False)


@dataclass(frozen=True, slots=True)
class ReferenceCheck:
    """What the walk over the kustomization graph found: whether anything may be fetched from the network."""

    remote: tuple[str, ...]


def check_references(root: Path, start: Path, *, allow_remote: bool) -> ReferenceCheck:
    """Walk the kustomizations reachable from `start`: refuse paths outside `root` and, unless allowed, URLs.

    A reference that is neither a local file nor a directory is one kustomize would try as a remote
    base, so it counts as remote too.
    """
    remote: list[str] = []
    pending, seen = [start], set[Path]()
    while pending:
        directory = pending.pop()
        if directory in seen:
            continue
        seen.add(directory)
        file = find_kustomization(directory)
        if file is None:
            continue
        where = file.relative_to(root)
        for ref in references(load_kustomization(file)):
            local = _local_target(root, directory, ref, where)
            if local is None:
                if not allow_remote:
                    raise RemoteBaseRefused(
                        f"{where}: {ref.field} entry '{ref.value}' is a remote base, and remote bases are disabled"
                    )
                remote.append(ref.value)
            elif ref.directory_allowed and local.is_dir():
                pending.append(local)
    return ReferenceCheck(remote=tuple(remote))


def _local_target(root: Path, directory: Path, ref: Reference, where: PurePosixPath | Path) -> Path | None:
    value = ref.value
    if value.lower().startswith(_REMOTE_PREFIXES):
        return None
    value = value.removeprefix(_FILE_SCHEME)
    if PurePosixPath(value).is_absolute():
        raise PathOutsideArtifact(f"{where}: {ref.field} entry '{ref.value}' is an absolute path outside the artifact")
    target = Path(os.path.normpath(directory / value))
    if not inside(root, target):
        raise PathOutsideArtifact(f"{where}: {ref.field} entry '{ref.value}' leads outside the artifact root")
    if target.exists() or target.is_symlink() or not _looks_like_repository(value):
        return target
    return None
