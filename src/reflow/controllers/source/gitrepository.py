"""The GitRepository reconciler: resolve the remote ref, and only when it moved, check out, verify and store."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from reflow.api.conditions import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    FETCH_FAILED,
    ILLEGAL_PATH,
    INCLUDE_UNAVAILABLE,
    NEW_ARTIFACT,
    SOURCE_VERIFIED,
    STORAGE_OPERATION_FAILED,
    SUCCEEDED,
)
from reflow.api.meta import Manifest
from reflow.api.source import GitRepository
from reflow.api.wire import render
from reflow.controllers.source.gitaccess import git_secret, repository_credentials, repository_proxy
from reflow.controllers.source.stored import (
    SourceReconciler,
    fetch_failed,
    intact,
    storage_failed,
    unchanged,
    up_to_date,
)
from reflow.engines.artifact import (
    ArtifactError,
    Storage,
    artifact_path,
    copy_include,
    extract_tarball,
    include_parts,
)
from reflow.engines.artifact.storage import StorageError
from reflow.engines.git import (
    Checkout,
    Credentials,
    GitError,
    InvalidRef,
    InvalidURL,
    Proxy,
    ResolvedRef,
    TokenCache,
    VerificationMode,
    check_url,
    checkout,
    resolve_remote,
    verify_checkout,
)
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import DEFAULT_TIMEOUT, Progress, parse_kind
from reflow.runtime.result import ConditionState, Result

Lookup = Callable[[str, str], Manifest | None]
"""Reads a GitRepository from the controller's cache by (namespace, name)."""
SUBJECT_LIMIT = 50
"""Flux quotes the first 50 characters of the commit subject in its NewArtifact event."""


def observed_config(repo: GitRepository) -> Manifest:
    """The status fields that record which spec produced the current artifact."""
    spec = repo.spec
    return {
        "observedIgnore": spec.ignore,
        "observedRecurseSubmodules": spec.recurse_submodules or None,
        "observedSparseCheckout": list(spec.sparse_checkout) or None,
        "sourceVerificationMode": spec.verify.mode if spec.verify else None,
    }


def included_config(repo: GitRepository, included: list[Manifest]) -> Manifest:
    """The status fields that record which includes, at which revisions, went into the artifact."""
    return {
        "observedInclude": [render(include) for include in repo.spec.include] or None,
        "includedArtifacts": included or None,
    }


def include_path(path: str, what: str) -> tuple[str, ...]:
    """The components of an include's `fromPath` or `toPath`; `..` that leaves the tree stalls the object."""
    try:
        return include_parts(path)
    except ValueError as error:
        raise StalledError(f"include {what} {error}", reason=ILLEGAL_PATH) from error


class GitRepositoryReconciler(SourceReconciler[GitRepository]):
    """Publishes the tree of a Git ref as a tar.gz artifact, and does nothing while the remote is unchanged."""

    api_version = GitRepository.KIND.api_version
    kind = "GitRepository"

    def __init__(
        self,
        kube: Kube,
        storage: Storage,
        storage_ready: asyncio.Event,
        *,
        ttl: float,
        records: int,
        lookup: Lookup,
        tokens: TokenCache | None = None,
    ):
        super().__init__(kube, storage, storage_ready, ttl=ttl, records=records)
        self.tokens = tokens or TokenCache()
        """GitHub App installation tokens, shared by every GitRepository of this controller."""
        self.lookup = lookup

    def parse(self, obj: Manifest) -> GitRepository:
        return parse_kind(GitRepository, obj)

    def interval(self, repo: GitRepository) -> float:
        return repo.spec.interval

    def timeout(self, repo: GitRepository) -> float:
        """The fetch timeout bounds each git call; the whole reconcile gets twice that, and at least 10 min."""
        return max(2 * repo.spec.timeout, DEFAULT_TIMEOUT)

    async def reconcile(self, repo: GitRepository, progress: Progress) -> Result:
        spec, meta = repo.spec, repo.metadata
        await self.storage_ready.wait()
        url = self._checked_url(spec.url)
        proxy = await self._proxy(repo)
        credentials = await self._credentials(repo, proxy)
        resolved = await self._resolve(repo, url, credentials, proxy)
        status = render(repo.status)
        included = self._included(repo)
        config = {**observed_config(repo), **included_config(repo, included)}
        stored = status.get("artifact") or {}
        if up_to_date(status, resolved.revision, config) and await intact(self.storage, stored):
            return unchanged(resolved.revision)

        await progress(f"building artifact: new upstream revision '{resolved.revision}'")
        # The checkout is removed off the event loop: a tree of many files takes a while to delete.
        workdir = await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-git-")
        try:
            try:
                tree = await checkout(
                    url,
                    resolved,
                    Path(workdir) / "tree",
                    credentials,
                    sparse_checkout=spec.sparse_checkout,
                    recurse_submodules=spec.recurse_submodules,
                    proxy=proxy,
                    timeout=spec.timeout,
                )
            except GitError as error:
                raise self._fetch_failed(error) from error
            verified = await self._verify(repo, tree)
            await self._copy_includes(repo, included, tree.path, Path(workdir) / "included")
            path = artifact_path(self.kind, meta.namespace or "", meta.name, f"{tree.commit}.tar.gz")
            try:
                artifact = await self.storage.archive(path, tree.path, tree.revision, ignore=spec.ignore)
                await self.storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
            except StorageError as error:
                raise storage_failed(error) from error
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        subject = tree.subject[:SUBJECT_LIMIT]
        fields = {**config, "artifact": render(artifact)}
        conditions = {
            ARTIFACT_IN_STORAGE: ConditionState("True", SUCCEEDED, f"stored artifact for revision '{tree.revision}'"),
            SOURCE_VERIFIED: verified,
            FETCH_FAILED: None,
            STORAGE_OPERATION_FAILED: None,
            ARTIFACT_OUTDATED: None,
            INCLUDE_UNAVAILABLE: None,
        }
        return Result(
            ready=f"stored artifact for revision '{tree.revision}'",
            status=fields,
            conditions=conditions,
            event=f"stored artifact for commit '{subject}'",
            event_reason=NEW_ARTIFACT,
            event_metadata={"revision": tree.revision, "digest": artifact.digest or ""},
        )

    def _included(self, repo: GitRepository) -> list[Manifest]:
        """The current artifacts of the included GitRepositories (same namespace), from the cache."""
        artifacts: list[Manifest] = []
        for include in repo.spec.include:
            name = include.repository.name
            other = self.lookup(repo.metadata.namespace or "", name)
            artifact = ((other or {}).get("status") or {}).get("artifact")
            if not artifact:
                message = f"include '{repo.metadata.namespace}/{name}' has no artifact yet"
                condition = ConditionState("True", INCLUDE_UNAVAILABLE, message)
                raise ReconcileError(message, reason=INCLUDE_UNAVAILABLE, conditions={INCLUDE_UNAVAILABLE: condition})
            artifacts.append(artifact)
        return artifacts

    async def _copy_includes(self, repo: GitRepository, included: list[Manifest], tree: Path, scratch: Path) -> None:
        """Unpack each included artifact and copy its `fromPath` to `toPath` inside the checked-out tree.

        Both paths are walked without following links, and so is the copied tree (see `copy_include`)."""
        for index, (include, artifact) in enumerate(zip(repo.spec.include, included, strict=True)):
            name = include.repository.name
            from_path = include_path(include.from_path or ".", "fromPath")
            to_path = include_path(include.to_path or name, "toPath")
            unpacked = scratch / str(index)
            try:
                await asyncio.to_thread(extract_tarball, self.storage.local_path(artifact["path"]), unpacked)
                await asyncio.to_thread(copy_include, unpacked, from_path, tree, to_path)
            except (ArtifactError, StorageError, OSError) as error:
                said = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
                paths = f"fromPath '{include.from_path or '.'}', toPath '{include.to_path or name}'"
                message = f"include '{name}' ({paths})"
                condition = ConditionState("True", INCLUDE_UNAVAILABLE, f"{message}: {said}")
                raise ReconcileError(f"{message}: {said}", reason=INCLUDE_UNAVAILABLE,
                                     conditions={INCLUDE_UNAVAILABLE: condition}) from error  # fmt: skip

    async def finalize(self, repo: GitRepository) -> None:
        await self.storage.remove_all(self.kind, repo.metadata.namespace or "", repo.metadata.name)

    @staticmethod
    def _checked_url(url: str) -> str:
        try:
            return check_url(url)
        except InvalidURL as error:
            raise StalledError(str(error), reason=error.reason) from error

    async def _secret(self, repo: GitRepository, name: str, purpose: str) -> dict[str, bytes]:
        try:
            return await git_secret(self.kube, repo.metadata.namespace, name, purpose)
        except GitError as error:
            raise self._fetch_failed(error) from error

    async def _proxy(self, repo: GitRepository) -> Proxy | None:
        try:
            return await repository_proxy(self.kube, repo)
        except GitError as error:
            raise self._fetch_failed(error) from error

    async def _credentials(self, repo: GitRepository, proxy: Proxy | None) -> Credentials | None:
        try:
            return await repository_credentials(self.kube, repo, self.tokens, proxy)
        except GitError as error:
            raise self._fetch_failed(error) from error

    async def _resolve(
        self, repo: GitRepository, url: str, credentials: Credentials | None, proxy: Proxy | None
    ) -> ResolvedRef:
        try:
            return await resolve_remote(url, repo.spec.ref, credentials, proxy=proxy, timeout=repo.spec.timeout)
        except InvalidRef as error:
            raise StalledError(str(error), reason=error.reason) from error
        except GitError as error:
            raise self._fetch_failed(error) from error

    @staticmethod
    def _fetch_failed(error: GitError) -> ReconcileError:
        return fetch_failed(str(error), error.reason)

    async def _verify(self, repo: GitRepository, tree: Checkout) -> ConditionState | None:
        verify = repo.spec.verify
        if verify is None:
            return None
        keys = await self._secret(repo, verify.secret_ref.name, "verification")
        try:
            mode = VerificationMode.parse(verify.mode)
            verification = await verify_checkout(tree, mode, keys, timeout=repo.spec.timeout)
        except GitError as error:
            condition = ConditionState("False", error.reason, str(error))
            raise ReconcileError(str(error), reason=error.reason, conditions={SOURCE_VERIFIED: condition}) from error
        fingerprints = ", ".join(verification.fingerprints)
        return ConditionState("True", SUCCEEDED, f"verified signature of {verification.mode} with key {fingerprints}")
