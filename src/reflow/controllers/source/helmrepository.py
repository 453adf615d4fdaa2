"""The HelmRepository reconciler: fetch the index, and only when its digest moved, check, store and cache it."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from reflow.api.conditions import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    FETCH_FAILED,
    NEW_ARTIFACT,
    STORAGE_OPERATION_FAILED,
    SUCCEEDED,
)
from reflow.api.helmsource import HelmRepository
from reflow.api.meta import Manifest
from reflow.api.wire import render
from reflow.controllers.source.stored import SourceReconciler, intact, source_secret, storage_failed
from reflow.engines.artifact import Storage, StorageError, artifact_path
from reflow.engines.helmchart.oci import RegistryAccess, docker_config
from reflow.engines.helmrepo import (
    ClientOptions,
    HelmRepoError,
    IndexCache,
    InvalidURL,
    TLSConfig,
    basic_auth_from_secret,
    fetch_index,
    index_url,
    load_index,
    revision,
    tls_from_secret,
)
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import Progress, parse_kind
from reflow.runtime.result import ConditionState, Result

DEFAULT_INTERVAL = 60.0
DEFAULT_TIMEOUT = 60.0
"""Flux's defaults for `spec.interval` and `spec.timeout` (1m each)."""
OCI_READY = "Helm repository of type 'oci' is used by HelmCharts directly; there is no index to fetch"
SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def human_size(size: float) -> str:
    """A size in decimal units with four significant digits, as Flux writes it in events (`12.35kB`)."""
    unit = 0
    while size >= 1000 and unit < len(SIZE_UNITS) - 1:
        size /= 1000
        unit += 1
    return f"{size:.4g}{SIZE_UNITS[unit]}"


def fetch_failed(error: HelmRepoError, *, stalled: bool = False) -> ReconcileError:
    """Ready=False and FetchFailed=True with the error's reason; the stored artifact is left alone."""
    condition = {FETCH_FAILED: ConditionState("True", error.reason, str(error))}
    kind = StalledError if stalled else ReconcileError
    return kind(str(error), reason=error.reason, conditions=condition)


class HelmRepositoryReconciler(SourceReconciler[HelmRepository]):
    """Publishes a Helm repository's `index.yaml` as an artifact; an unchanged index costs one request."""

    api_version = HelmRepository.KIND.api_version
    kind = "HelmRepository"

    def __init__(
        self,
        kube: Kube,
        storage: Storage,
        storage_ready: asyncio.Event,
        *,
        ttl: float,
        records: int,
        cache: IndexCache,
        max_index_size: int,
    ):
        super().__init__(kube, storage, storage_ready, ttl=ttl, records=records)
        self.cache = cache
        """Parsed indexes by artifact path, shared with the HelmChart controller."""
        self.max_index_size = max_index_size

    def parse(self, obj: Manifest) -> HelmRepository:
        return parse_kind(HelmRepository, obj)

    def interval(self, repo: HelmRepository) -> float | None:
        """An OCI repository is only a pointer for HelmCharts: it is not polled."""
        if repo.spec.type == "oci":
            return None
        return repo.spec.interval or DEFAULT_INTERVAL

    async def reconcile(self, repo: HelmRepository, progress: Progress) -> Result:
        spec, meta = repo.spec, repo.metadata
        await self.storage_ready.wait()
        if spec.type == "oci":
            return await self._oci(repo)
        try:
            index_url(spec.url)
        except InvalidURL as error:
            raise fetch_failed(error, stalled=True) from error
        options = await client_options(self.kube, repo)
        name = f"{meta.namespace}/{meta.name}"
        try:
            data = await fetch_index(spec.url, options, max_size=self.max_index_size, name=name)
        except HelmRepoError as error:
            raise fetch_failed(error) from error
        new_revision = revision(data)
        stored = render(repo.status).get("artifact") or {}
        if stored.get("revision") == new_revision and await intact(self.storage, stored):
            self.cache.touch(stored["path"])
            return self._ready(new_revision)
        try:
            # Parsing takes seconds for a large index (about 7 s for 6 MB here): off the event loop.
            index = await asyncio.to_thread(load_index, data)
        except HelmRepoError as error:
            raise fetch_failed(error) from error

        await progress(f"building artifact: new index revision '{new_revision}'")
        path = artifact_path(self.kind, meta.namespace or "", meta.name, f"index-{new_revision.partition(':')[2]}.yaml")
        try:
            artifact = await self.storage.store_bytes(path, data, new_revision)
            await self.storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
        except StorageError as error:
            raise storage_failed(error) from error
        self.cache.set(path, index)
        message = f"stored artifact: revision '{new_revision}'"
        return Result(
            ready=message,
            # Flux points `status.url` at an `index.yaml` link to the newest file; here it is the file itself.
            status={"artifact": render(artifact), "url": artifact.url},
            conditions={
                **self._ready(new_revision).conditions,
                ARTIFACT_IN_STORAGE: ConditionState("True", SUCCEEDED, message),
            },
            event=f"stored fetched index of size {human_size(artifact.size or 0)} from '{spec.url}'",
            event_reason=NEW_ARTIFACT,
            event_metadata={"revision": new_revision, "digest": artifact.digest or ""},
        )

    async def finalize(self, repo: HelmRepository) -> None:
        meta = repo.metadata
        stored = render(repo.status).get("artifact") or {}
        if stored.get("path"):
            self.cache.delete(stored["path"])
        await self.storage.remove_all(self.kind, meta.namespace or "", meta.name)

    async def _oci(self, repo: HelmRepository) -> Result:
        """Ready with no artifact: HelmCharts pull from the registry themselves. Flux clears such an object's
        status entirely; here Ready=True says the object is fine and why there is no artifact."""
        await self.finalize(repo)
        conditions = dict.fromkeys((ARTIFACT_IN_STORAGE, ARTIFACT_OUTDATED, FETCH_FAILED, STORAGE_OPERATION_FAILED))
        return Result(ready=OCI_READY, status={"artifact": None, "url": None}, conditions=conditions)

    def _ready(self, new_revision: str) -> Result:
        """Nothing moved: the same Ready message and conditions, so the runtime writes no status."""
        return Result(
            ready=f"stored artifact: revision '{new_revision}'",
            conditions={FETCH_FAILED: None, STORAGE_OPERATION_FAILED: None, ARTIFACT_OUTDATED: None},
        )


async def repository_secrets(kube: Kube, repo: HelmRepository) -> tuple[dict[str, bytes] | None, TLSConfig | None]:
    """The decoded `secretRef` data and the TLS settings of `certSecretRef`; a missing or unusable Secret fails
    with FetchFailed (AuthenticationFailed)."""
    spec, namespace = repo.spec, repo.metadata.namespace
    data = tls = None
    try:
        if spec.secret_ref is not None:
            data = await source_secret(kube, namespace, spec.secret_ref.name, "authentication")
        if spec.cert_secret_ref is not None:
            name = spec.cert_secret_ref.name
            tls = tls_from_secret(await source_secret(kube, namespace, name, "TLS"), f"{namespace}/{name}")
    except HelmRepoError as error:
        raise fetch_failed(error) from error
    return data, tls


async def client_options(kube: Kube, repo: HelmRepository) -> ClientOptions:
    """How to reach an HTTP repository: basic auth, TLS, the timeout and `passCredentials`."""
    data, tls = await repository_secrets(kube, repo)
    auth = None
    if data is not None and repo.spec.secret_ref is not None:
        try:
            auth = basic_auth_from_secret(data, f"{repo.metadata.namespace}/{repo.spec.secret_ref.name}")
        except HelmRepoError as error:
            raise fetch_failed(error) from error
    spec = repo.spec
    return ClientOptions(
        auth=auth, tls=tls, pass_credentials=spec.pass_credentials, timeout=spec.timeout or DEFAULT_TIMEOUT
    )


async def registry_access(kube: Kube, repo: HelmRepository) -> RegistryAccess:
    """How to reach an OCI repository: a docker config or username and password from `secretRef`, TLS,
    plain HTTP with `insecure`, the timeout."""
    data, tls = await repository_secrets(kube, repo)
    spec = repo.spec
    config = docker_config(data, urlsplit(spec.url).netloc) if data is not None else None
    return RegistryAccess(
        docker_config=config, tls=tls, plain_http=spec.insecure, timeout=spec.timeout or DEFAULT_TIMEOUT
    )
