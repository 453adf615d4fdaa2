"""Decrypting kustomize generator sources in place before the build, inside a private working copy.

Starting at a directory of the working copy, every kustomization file reachable through `resources`
and `components` is read; the `files` and `envs` of its `secretGenerator` and `configMapGenerator`
entries, and its `patches` files, are decrypted in place when they hold an encrypted SOPS document of
the format their name implies (for `files`, the key's name; `envs` default to dotenv). Paths must stay
inside the working copy (symlinks resolved). The working copy lives in a directory only the process
can read (mode 0700) and is removed right after the build: `private_workdir()`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from reflow.engines.sops.decrypt import MAX_DOCUMENT_SIZE, decrypt_document
from reflow.engines.sops.errors import DecryptionRequired, InvalidDocument, SourcePathError
from reflow.engines.sops.formats import Format, format_for_path, is_encrypted_as
from reflow.engines.sops.keys import KeyRing

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


@dataclass(frozen=True, slots=True)
class DecryptedSources:
    """The files decrypted in place, relative to the working copy's root, in the order visited."""

    files: tuple[str, ...]


@contextlib.contextmanager
def private_workdir(prefix: str = "reflow-build-") -> Iterator[Path]:
    """A fresh directory with mode 0700, removed with everything in it when the block ends."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        path.chmod(0o700)
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def decrypt_sources(
    root: Path, path: str, keys: KeyRing | None, *, max_size: int = MAX_DOCUMENT_SIZE
) -> DecryptedSources:
    """Decrypt the encrypted generator and patch sources reachable from `root/path`, in place.

    `keys` None means no decryption is configured: then an encrypted source is `DecryptionRequired`.
    """
    real_root = Path(os.path.realpath(root))
    visited_dirs: set[Path] = set()
    decrypted: list[str] = []
    seen_files: set[Path] = set()
    pending = [_inside(real_root, real_root / path, path)]
    while pending:
        directory = pending.pop(0)
        if directory in visited_dirs or not directory.is_dir():
            continue
        visited_dirs.add(directory)
        kustomization = _load_kustomization(real_root, directory)
        if kustomization is None:
            continue
        for source, format_ in _sources(kustomization):
            target = _inside(real_root, directory / source, source)
            if target in seen_files:
                continue
            seen_files.add(target)
            if _decrypt_file(real_root, target, format_, keys, max_size):
                decrypted.append(target.relative_to(real_root).as_posix())
        for reference in [*_strings(kustomization.get("resources")), *_strings(kustomization.get("components"))]:
            candidate = Path(os.path.realpath(directory / reference))
            if candidate.is_relative_to(real_root) and candidate.is_dir():
                pending.append(candidate)
    return DecryptedSources(tuple(decrypted))


def _sources(kustomization: dict[str, Any]) -> Iterator[tuple[str, Format]]:
    for generator_field in ("secretGenerator", "configMapGenerator"):
        generators = kustomization.get(generator_field) or []
        for generator in generators if isinstance(generators, list) else []:
            if not isinstance(generator, dict):
                continue
            for entry in _strings(generator.get("files")):
                key, _, file_path = entry.partition("=")
                yield (file_path or key), format_for_path(key)
            for env in [*_strings(generator.get("envs")), *_strings([generator.get("env")])]:
                env_format = format_for_path(env)
                yield env, Format.DOTENV if env_format is Format.BINARY else env_format
    patches = kustomization.get("patches") or []
    for patch in patches if isinstance(patches, list) else []:
        if isinstance(patch, dict) and isinstance(patch.get("path"), str):
            yield patch["path"], format_for_path(patch["path"])


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str) and item] if isinstance(value, list) else []


def _inside(root: Path, candidate: Path, shown: str) -> Path:
    resolved = Path(os.path.realpath(candidate))
    if not resolved.is_relative_to(root):
        raise SourcePathError(shown, "the path leads outside the working directory")
    return resolved


def _load_kustomization(root: Path, directory: Path) -> dict[str, Any] | None:
    found = [directory / name for name in KUSTOMIZATION_FILES if (directory / name).exists()]
    if not found:
        return None
    shown = found[0].relative_to(root).as_posix() if found[0].is_relative_to(root) else found[0].name
    if len(found) > 1:
        raise InvalidDocument(shown, "found multiple kustomization files")
    target = _inside(root, found[0], shown)
    try:
        loaded = yaml.load(target.read_bytes(), Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        raise InvalidDocument(shown, "the kustomization file is not valid YAML") from None
    return loaded if isinstance(loaded, dict) else {}


def _decrypt_file(root: Path, target: Path, format_: Format, keys: KeyRing | None, max_size: int) -> bool:
    shown = target.relative_to(root).as_posix()
    try:
        info = target.lstat()
    except FileNotFoundError:
        return False  # a missing source is kustomize's error to report
    if not stat.S_ISREG(info.st_mode):
        raise SourcePathError(shown, "cannot decrypt something that is not a regular file")
    data = target.read_bytes()
    if not is_encrypted_as(data, format_):
        return False
    if keys is None:
        raise DecryptionRequired(shown, "the file is SOPS-encrypted but the Kustomization configures no decryption")
    plain = decrypt_document(data, keys, file=shown, input_format=format_, max_size=max_size)
    descriptor = os.open(target, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW)
    with os.fdopen(descriptor, "wb") as out:
        out.write(plain)
    os.chmod(target, 0o600)
    return True
