"""One Kustomization build, start to finish: confine, copy, generate, kustomize, parse, substitute, label.

The artifact itself is never written: it may be an extraction shared by every Kustomization on that
revision. Under bubblewrap the build reads it as it is, with only the build's own kustomization file
(generated in a fresh 0700 temporary directory) mounted over the directory's; that needs the
directory to have a kustomization file to mount over, no SOPS source to decrypt into the tree and no
absolute symlink to rewrite. Otherwise the work happens on a private copy of the artifact (a fresh
0700 temporary directory, removed as soon as kustomize is done); a caller whose artifact is already
its own throw-away extraction says so (`disposable`) and the build runs there in place.
Results are cached by a key over every input; a build that may fetch remote bases is not cached.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, is_dataclass, replace
from pathlib import Path
from typing import Protocol

from reflow.api.meta import Manifest
from reflow.engines.build.cache import BuildCache
from reflow.engines.build.confine import (
    build_directory,
    check_references,
    find_kustomization,
    refuse_escaping_links,
    symlinks,
)
from reflow.engines.build.generate import keep_input_order, kustomization_file, kustomization_text, write_kustomization
from reflow.engines.build.kustomize import Builder
from reflow.engines.build.manifests import build_objects, set_common_metadata, set_owner_labels
from reflow.engines.build.result import BuildResult
from reflow.engines.build.sandbox import Sandbox
from reflow.engines.build.spec import BuildSpec, Owner, Substitution

# Bump when the pipeline's output changes for the same inputs, so old cache entries are not reused.
PIPELINE_VERSION = "1"


class Decryptor(Protocol):
    """SOPS decryption for one Kustomization (its keys); the SOPS engine implements it.

    `prepare` decrypts encrypted files on the private copy before kustomize reads them (secret
    generators); `decrypt` is applied to every built object before substitution.
    """

    @property
    def fingerprint(self) -> str:
        """Identifies the keys in use, for the cache key; never the keys themselves."""
        ...

    @property
    def rewrites(self) -> bool:
        """Whether `prepare` may write decrypted files (it has keys); if not, it only reads and may refuse."""
        ...

    def prepare(self, workdir: Path) -> None:
        """Decrypt the encrypted source files under `workdir` in place."""
        ...

    def decrypt(self, manifest: Manifest) -> Manifest:
        """The object with its encrypted values decrypted."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildSettings:
    """How builds run, set once per controller."""

    no_remote_bases: bool = False
    """Refuse kustomizations that refer to remote bases; off by default, as Flux's `--no-remote-bases`."""
    timeout: float = 300.0
    """Seconds one kustomize run may take before it is killed; a reconcile's own timeout also applies."""
    scratch_dir: Path | None = None
    """Where the private copies are made; the system temporary directory when None."""


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildRequest:
    """What to build: an extracted artifact, its digest, the spec's build fields, the owner, the variables."""

    root: Path
    digest: str | None
    spec: BuildSpec
    owner: Owner
    substitution: Substitution | None = None
    decryptor: Decryptor | None = None
    disposable: bool = False
    """`root` is the caller's own extraction, removed after the build: build in place instead of on a copy."""


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    return str(value)


def input_key(request: BuildRequest, builder_version: str, settings: BuildSettings) -> str:
    """sha256 over every input of a build; variables enter only as their own hash."""
    inputs = {
        "pipeline": PIPELINE_VERSION,
        "builder": builder_version,
        "digest": request.digest,
        "spec": request.spec,
        "owner": request.owner,
        "substitution": request.substitution.fingerprint() if request.substitution else None,
        "decryption": request.decryptor.fingerprint if request.decryptor else None,
        "no_remote_bases": settings.no_remote_bases,
    }
    data = json.dumps(inputs, default=_plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def _copy_artifact(root: Path, scratch: Path | None) -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="reflow-build-", dir=scratch))
    os.chmod(workdir, 0o700)
    try:
        shutil.copytree(root, workdir, symlinks=True, dirs_exist_ok=True)
        _relink(workdir, root)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return workdir


def _relink(workdir: Path, root: Path) -> None:
    """Make absolute links into the artifact `root` relative links inside `workdir` (the artifact or its copy),
    so they still resolve once `workdir` is mounted elsewhere."""
    for link in list(symlinks(workdir)):
        if os.path.isabs(target := os.readlink(link)):
            inner = workdir / Path(os.path.realpath(target)).relative_to(os.path.realpath(root))
            link.unlink()
            link.symlink_to(os.path.relpath(inner, link.parent))


class Pipeline:
    """Builds Kustomizations with one builder, one cache and one set of settings."""

    def __init__(self, builder: Builder, settings: BuildSettings | None = None, cache: BuildCache | None = None):
        self.builder = builder
        self.settings = settings or BuildSettings()
        self.cache = cache

    async def lookup(self, request: BuildRequest) -> BuildResult | None:
        """The cached result for these inputs, without touching `request.root`; None when not cached.

        Lets a caller skip downloading an artifact whose build it already has.
        """
        if self.cache is None or request.digest is None:
            return None
        started = time.monotonic()
        hit = self.cache.get(input_key(request, await self.builder.version(), self.settings))
        if hit is None:
            return None
        return replace(hit, objects=copy.deepcopy(hit.objects), cached=True, seconds=time.monotonic() - started)

    async def build(self, request: BuildRequest) -> BuildResult:
        """The objects kustomize-controller would apply for this request (cached when possible)."""
        started = time.monotonic()
        key = input_key(request, await self.builder.version(), self.settings)
        if self.cache is not None and request.digest is not None and (hit := self.cache.get(key)):
            return replace(hit, objects=copy.deepcopy(hit.objects), cached=True, seconds=time.monotonic() - started)
        objects, remote = await self._build(request)
        result = BuildResult(objects=tuple(objects), key=key, cached=False, seconds=time.monotonic() - started)
        if self.cache is not None and request.digest is not None and not remote:
            self.cache.put(key, replace(result, objects=copy.deepcopy(result.objects)))
        return result

    async def _build(self, request: BuildRequest) -> tuple[list[Manifest], bool]:
        sandbox = await self.builder.sandbox()
        unconfined = sandbox is Sandbox.NONE
        root, directory, links = await asyncio.to_thread(self._confine, request.root, request.spec.path)
        if (
            not request.disposable
            and sandbox is Sandbox.BWRAP
            and await asyncio.to_thread(self._mountable, directory, links, request)
        ):
            return await self._build_mounted(root, directory, request)
        if request.disposable:
            workdir = root
            await asyncio.to_thread(_relink, workdir, root)
        else:
            workdir = await asyncio.to_thread(_copy_artifact, root, self.settings.scratch_dir)
        try:
            relative = directory.relative_to(root).as_posix()
            remote = await asyncio.to_thread(self._prepare, workdir, workdir / relative, request, unconfined)
            stream = await self.builder.build(workdir, relative, network=remote, timeout=self.settings.timeout)
        finally:
            if not request.disposable:
                await asyncio.to_thread(shutil.rmtree, workdir, True)
        objects = await asyncio.to_thread(self._finish, stream, request)
        return objects, remote

    @staticmethod
    def _mountable(directory: Path, links: tuple[Path, ...], request: BuildRequest) -> bool:
        """Whether the build can read the artifact as it is, with only its kustomization file mounted over:
        a kustomization file to mount over, nothing to decrypt into the tree, no absolute link to rewrite."""
        found = find_kustomization(directory)
        rewrites = request.decryptor is not None and request.decryptor.rewrites
        absolute = any(os.path.isabs(os.readlink(link)) for link in links)
        return found is not None and not found.is_symlink() and not rewrites and not absolute

    async def _build_mounted(self, root: Path, directory: Path, request: BuildRequest) -> tuple[list[Manifest], bool]:
        """Build from `root` untouched, the generated kustomization file mounted over the directory's own."""
        private = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-build-", dir=self.settings.scratch_dir))
        try:
            file, remote = await asyncio.to_thread(self._prepare_mounted, root, directory, private, request)
            relative = directory.relative_to(root).as_posix()
            replaced = {file.relative_to(root).as_posix(): private / file.name}
            stream = await self.builder.build(
                root, relative, network=remote, timeout=self.settings.timeout, replaced=replaced
            )
        finally:
            await asyncio.to_thread(shutil.rmtree, private, True)
        return await asyncio.to_thread(self._finish, stream, request), remote

    def _prepare_mounted(self, root: Path, directory: Path, private: Path, request: BuildRequest) -> tuple[Path, bool]:
        """`_prepare` writing nothing under `root`: the kustomization file goes to `private`."""
        if request.decryptor is not None:
            request.decryptor.prepare(root)  # reads only: it has no keys to decrypt with (`_mountable`)
        result = kustomization_file(directory, request.spec)
        (private / result.path.name).write_text(kustomization_text(result), encoding="utf-8")
        allow_remote = not self.settings.no_remote_bases
        replaced = {result.path: keep_input_order(result.content)}
        check = check_references(root, directory, allow_remote=allow_remote, replaced=replaced)
        return result.path, bool(check.remote)

    @staticmethod
    def _confine(artifact: Path, path: str) -> tuple[Path, Path, tuple[Path, ...]]:
        """The artifact's root, the directory to build and the artifact's symlinks (none pointing out)."""
        root = Path(os.path.normpath(artifact.absolute()))
        directory = build_directory(root, path)
        links = tuple(symlinks(root))
        refuse_escaping_links(root, links)
        return root, directory, links

    def _prepare(self, workdir: Path, directory: Path, request: BuildRequest, unconfined: bool) -> bool:
        if request.decryptor is not None:
            request.decryptor.prepare(workdir)
        write_kustomization(directory, request.spec)
        allow_remote = not self.settings.no_remote_bases
        check = check_references(workdir, directory, allow_remote=allow_remote, unconfined=unconfined)
        return bool(check.remote)

    @staticmethod
    def _finish(stream: str, request: BuildRequest) -> list[Manifest]:
        transform = request.decryptor.decrypt if request.decryptor else None
        objects = build_objects(stream, request.substitution, transform)
        metadata = request.spec.common_metadata
        if metadata is not None:
            set_common_metadata(objects, metadata.labels, metadata.annotations)
        set_owner_labels(objects, request.owner)
        return objects
