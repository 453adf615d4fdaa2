"""Keeping a build inside its artifact: the path to build, symlinks, and the files kustomizations refer to.

Every check runs before kustomize starts and reads only directory entries and kustomization files
inside the artifact, so a reference to `/etc/hostname` or `../../secrets` is refused without the
target ever being opened. The sandbox is the second wall; these checks give the clear message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from reflow.engines.build.errors import InvalidManifest, PathOutsideArtifact, RemoteBaseRefused

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE_PREFIXES = ("https://", "http://", "ssh:", "git::", "gh:", "github.com/")
_FILE_SCHEME = "file://"
# git's SCP-like syntax, `[user@]host:path`: any user, and a host with a dot when there is no user.
_SCP_LIKE = re.compile(r"^(?:[^/@:\s]+@[^/:\s]+|[^/@:\s]+\.[^/@:\s]+):")
PLUGIN_FIELDS = ("generators", "transformers", "validators")
# Fields of kustomize's builtin plugin configurations that name files to read.
_PLUGIN_PATHS = ("files", "envs", "env", "path", "paths", "valuesFile", "additionalValuesFiles", "chartHome")


def inside(root: Path, candidate: str | os.PathLike[str]) -> bool:
    """Whether a path, once normalized (not resolved), is `root` or below it."""
    normalized = os.path.normpath(candidate)
    return normalized == str(root) or normalized.startswith(str(root).rstrip(os.sep) + os.sep)


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


def symlinks(root: Path) -> Iterator[Path]:
    """Every symlink under `root` (not followed), from the directory entries' types: no `stat` per file."""
    pending = [root]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in sorted(entries, key=lambda item: item.name, reverse=True):
                if entry.is_symlink():
                    yield Path(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))


def escaping_links(root: Path, links: Iterable[Path] | None = None) -> Iterator[tuple[str, str]]:
    """(link, target) for every symlink under `root` (or of `links`, found there) whose target resolves outside it."""
    real_root = Path(os.path.realpath(root))
    for entry in symlinks(root) if links is None else links:
        if not inside(real_root, os.path.realpath(entry)):
            yield str(entry.relative_to(root)), os.readlink(entry)


def refuse_escaping_links(root: Path, links: Iterable[Path] | None = None) -> None:
    """Raise `PathOutsideArtifact` naming the first symlink that points outside the artifact."""
    for link, target in escaping_links(root, links):
        raise PathOutsideArtifact(f"symlink '{link}' points outside the artifact root (to '{target}')")


def is_local_relative_path(path: str) -> bool:
    """Whether a component path is a local relative path rather than a URL or absolute path (Flux's check)."""
    lowered = path.lower()
    if _is_url(path):
        return False
    if lowered.startswith(_FILE_SCHEME):
        path = path[len(_FILE_SCHEME) :]
    if PurePosixPath(path).is_absolute():
        return False
    return not _looks_like_repository(path)


def _is_url(value: str) -> bool:
    """A URL or SCP-like git address, which kustomize fetches rather than reads from the tree."""
    return value.lower().startswith(_REMOTE_PREFIXES) or _SCP_LIKE.match(value) is not None


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
    for key in ("crds", "configurations", "patchesStrategicMerge"):
        for value in _strings(kustomization.get(key)):
            if "\n" not in value:  # an inline document, not a path
                yield Reference(value, key, False)
    for key in PLUGIN_FIELDS:
        for value in _strings(kustomization.get(key)):
            if inline_plugins(value) is None:
                yield Reference(value, key, True)
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


def inline_plugins(value: str) -> list[dict[str, Any]] | None:
    """The plugin configurations written inline in a generators/transformers/validators entry; None for a path.

    kustomize takes an entry as inline configuration when it parses as YAML objects, flow style
    on one line included, so the same test is made here.
    """
    try:
        documents = list(yaml.load_all(value, Loader=yaml.CSafeLoader))
    except yaml.YAMLError:
        return None
    configs = [document for document in documents if isinstance(document, dict)]
    return configs or None


def plugin_references(config: dict[str, Any], field: str) -> Iterator[Reference]:
    """The files a builtin plugin configuration reads: generator files and envs, patch paths, helm values."""
    metadata = config.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    label = f"{field} {config.get('kind', 'plugin')}/{name or '?'}"
    for key in _PLUGIN_PATHS:
        value = config.get(key)
        for entry in _strings(value) or _strings([value]):
            yield Reference(entry.partition("=")[2] if key == "files" and "=" in entry else entry, label, False)
    for item in _items(config.get("replacements")):
        if isinstance(item.get("path"), str):
            yield Reference(item["path"], label, False)


def _plugin_file_configs(file: Path) -> list[dict[str, Any]]:
    try:
        documents = list(yaml.load_all(file.read_bytes(), Loader=yaml.CSafeLoader))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InvalidManifest(f"{file.name}: not valid YAML: {err}") from err
    return [document for document in documents if isinstance(document, dict)]


@dataclass(frozen=True, slots=True)
class ReferenceCheck:
    """What the walk over the kustomization graph found: what may be fetched from the network, what is read."""

    remote: tuple[str, ...]
    local: tuple[Path, ...] = ()
    """Every file and directory inside the root the kustomizations refer to, in the order found."""


@dataclass(slots=True)
class _Walk:
    root: Path
    allow_remote: bool
    unconfined: bool
    remote: list[str]
    local: list[Path]
    pending: list[Path]
    replaced: Mapping[Path, dict[str, Any]]

    def target(self, base: Path, ref: Reference, where: PurePosixPath | Path) -> Path | None:
        """The local path `ref` names from `base` (recorded), or None for a remote one (refused unless allowed)."""
        local = _local_target(self.root, base, ref, where)
        if local is None:
            if not self.allow_remote:
                raise RemoteBaseRefused(
                    f"{where}: {ref.field} entry '{ref.value}' is a remote base, and remote bases are disabled"
                )
            self.remote.append(ref.value)
        else:
            self.local.append(local)
        return local

    def kustomization(self, directory: Path) -> None:
        file = find_kustomization(directory)
        if file is None:
            return
        where = file.relative_to(self.root)
        kustomization = self.replaced[file] if file in self.replaced else load_kustomization(file)
        for ref in references(kustomization):
            local = self.target(directory, ref, where)
            if local is None:
                continue
            if ref.field in PLUGIN_FIELDS and local.is_file():
                self.plugins(directory, _plugin_file_configs(local), ref.field, local)
            elif ref.directory_allowed and local.is_dir():
                if ref.field in PLUGIN_FIELDS and self.unconfined:
                    raise PathOutsideArtifact(
                        f"{where}: {ref.field} entry '{ref.value}' is a kustomization whose plugin configurations "
                        "are known only once it is built, so they cannot be checked before an unconfined build; "
                        "run the controller where a sandbox works (bubblewrap or Landlock)"
                    )
                self.pending.append(local)
        for field in PLUGIN_FIELDS:
            for value in _strings(kustomization.get(field)):
                self.plugins(directory, inline_plugins(value) or [], field, file)

    def plugins(self, directory: Path, configs: list[dict[str, Any]], field: str, source: Path) -> None:
        """Check the files plugin configurations read, from the kustomization's directory and from their own file's."""
        where = source.relative_to(self.root)
        for config in configs:
            for ref in plugin_references(config, field):
                for base in dict.fromkeys((directory, source.parent)):
                    self.target(base, ref, where)


def check_references(
    root: Path,
    start: Path,
    *,
    allow_remote: bool,
    unconfined: bool = False,
    replaced: Mapping[Path, dict[str, Any]] | None = None,
) -> ReferenceCheck:
    """Walk the kustomizations reachable from `start`: refuse paths outside `root` and, unless allowed, URLs.

    `replaced` gives the content kustomize will see for kustomization files the build mounts over the
    tree's own (by path), so those are checked instead of the files on disk.

    A reference that is neither a local file nor a directory is one kustomize would try as a remote
    base, so it counts as remote too. Plugin configurations, inline or in files, are read for the
    files they name; `unconfined` (no sandbox behind this check) also refuses plugin configurations
    that come out of a kustomization, which only a build could show.
    """
    walk = _Walk(root, allow_remote, unconfined, remote=[], local=[], pending=[start], replaced=replaced or {})
    seen = set[Path]()
    while walk.pending:
        directory = walk.pending.pop()
        if directory not in seen:
            seen.add(directory)
            walk.kustomization(directory)
    return ReferenceCheck(remote=tuple(walk.remote), local=tuple(dict.fromkeys(walk.local)))


def _local_target(root: Path, directory: Path, ref: Reference, where: PurePosixPath | Path) -> Path | None:
    value = ref.value
    if _is_url(value):
        # kustomize reads an existing file of that name first, but tries a directory as a git address
        target = Path(os.path.normpath(directory / value))
        return target if inside(root, target) and target.is_file() and not target.is_symlink() else None
    value = value.removeprefix(_FILE_SCHEME)
    if PurePosixPath(value).is_absolute():
        raise PathOutsideArtifact(f"{where}: {ref.field} entry '{ref.value}' is an absolute path outside the artifact")
    target = Path(os.path.normpath(directory / value))
    if not inside(root, target):
        raise PathOutsideArtifact(f"{where}: {ref.field} entry '{ref.value}' leads outside the artifact root")
    if target.exists() or target.is_symlink() or not _looks_like_repository(value):
        return target
    return None
