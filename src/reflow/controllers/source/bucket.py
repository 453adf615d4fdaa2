"""The Bucket reconciler: list the bucket, and only when its object index moved, download and store."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

from reflow.api.artifact import Artifact
from reflow.api.conditions import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    FETCH_FAILED,
    NEW_ARTIFACT,
    STORAGE_OPERATION_FAILED,
    SUCCEEDED,
)
from reflow.api.meta import Manifest
from reflow.api.source import Bucket
from reflow.api.wire import render
from reflow.controllers.source.stored import (
    SourceReconciler,
    fetch_failed,
    intact,
    source_secret,
    storage_failed,
    unchanged,
    up_to_date,
)
from reflow.engines.artifact import artifact_path
from reflow.engines.artifact.storage import StorageError
from reflow.engines.bucket import (
    SOURCEIGNORE,
    TLS,
    BucketError,
    Endpoint,
    S3Bucket,
    UnsupportedProvider,
    index_digest,
    keys_from_secret,
    open_bucket,
    select,
    tls_from_secret,
)
from reflow.engines.git import GitError, Proxy, proxy_from_secret
from reflow.engines.sourceignore import Pattern, read_patterns, source_matcher
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import DEFAULT_TIMEOUT, Progress, parse_kind
from reflow.runtime.result import ConditionState, Result

S3_PROVIDERS = ("generic", "aws")
"""Providers served through the S3 API with static keys; `gcp` and `azure` need SDKs this build leaves out."""


class BucketReconciler(SourceReconciler[Bucket]):
    """Publishes a bucket's objects as a tar.gz artifact; an unchanged bucket costs one listing."""

    api_version = Bucket.KIND.api_version
    kind = "Bucket"

    def parse(self, obj: Manifest) -> Bucket:
        return parse_kind(Bucket, obj)

    def interval(self, bucket: Bucket) -> float:
        return bucket.spec.interval

    def timeout(self, bucket: Bucket) -> float:
        """The fetch timeout bounds each S3 request; the whole reconcile gets twice that, and at least 10 min."""
        return max(2 * bucket.spec.timeout, DEFAULT_TIMEOUT)

    async def reconcile(self, bucket: Bucket, progress: Progress) -> Result:
        spec = bucket.spec
        if spec.provider not in S3_PROVIDERS:
            message = f"provider '{spec.provider}' is not supported in this build; use 'generic' or 'aws' (S3 API)"
            raise StalledError(message, reason=UnsupportedProvider.reason)
        if spec.sts is not None:
            raise StalledError("spec.sts is not supported in this build", reason=UnsupportedProvider.reason)
        await self.storage_ready.wait()
        endpoint = await self._endpoint(bucket)
        status = render(bucket.status)
        config: Manifest = {"observedIgnore": spec.ignore}
        try:
            with open_bucket(endpoint) as client:
                index = await self._index(bucket, client)
                revision = index_digest(index)
                if up_to_date(status, revision, config) and await intact(self.storage, status.get("artifact") or {}):
                    return unchanged(revision)
                await progress(f"building artifact: new upstream revision '{revision}'")
                artifact = await self._store(bucket, client, index, revision)
        except BucketError as error:
            raise self._fetch_failed(error) from error
        stored = f"stored artifact for revision '{revision}'"
        return Result(
            ready=stored,
            status={**config, "artifact": render(artifact)},
            conditions={
                ARTIFACT_IN_STORAGE: ConditionState("True", SUCCEEDED, stored),
                FETCH_FAILED: None,
                STORAGE_OPERATION_FAILED: None,
                ARTIFACT_OUTDATED: None,
            },
            event=f"stored artifact with {len(index)} fetched files from '{spec.bucket_name}' bucket",
            event_reason=NEW_ARTIFACT,
            event_metadata={"revision": revision, "digest": artifact.digest or ""},
        )

    async def _store(self, bucket: Bucket, client: S3Bucket, index: dict[str, str], revision: str) -> Artifact:
        """Download the indexed objects into a scratch directory and archive it as this revision's artifact."""
        meta = bucket.metadata
        workdir = await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-bucket-")
        try:
            await client.download(sorted(index), Path(workdir))
            filename = f"{revision.partition(':')[2]}.tar.gz"
            path = artifact_path(self.kind, meta.namespace or "", meta.name, filename)
            try:
                artifact = await self.storage.archive(path, Path(workdir), revision, ignore=bucket.spec.ignore)
                await self.storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
            except StorageError as error:
                raise storage_failed(error) from error
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        return artifact

    async def finalize(self, bucket: Bucket) -> None:
        await self.storage.remove_all(self.kind, bucket.metadata.namespace or "", bucket.metadata.name)

    async def _index(self, bucket: Bucket, client: S3Bucket) -> dict[str, str]:
        """The key → etag index of the objects the ignore rules keep, from one listing.

        As Flux does, a `.sourceignore` object at the bucket's root adds rules before `spec.ignore`; it is
        read only when the listing shows it, or when a prefix hides the root from the listing."""
        spec = bucket.spec
        listing = await client.listing(spec.prefix)
        patterns: tuple[Pattern, ...] = ()
        if spec.prefix or any(key == SOURCEIGNORE for key, _ in listing):
            rules = await client.read(SOURCEIGNORE)
            patterns = read_patterns(rules.decode(errors="surrogateescape")) if rules else ()
        ignore = read_patterns(spec.ignore) if spec.ignore else ()
        return select(listing, source_matcher((*patterns, *ignore)))

    async def _endpoint(self, bucket: Bucket) -> Endpoint:
        spec, namespace = bucket.spec, bucket.metadata.namespace or ""
        try:
            keys = None
            if spec.secret_ref is not None:
                name = spec.secret_ref.name
                keys = keys_from_secret(await self._secret(bucket, name, "authentication"), f"{namespace}/{name}")
            tls = TLS()
            if spec.cert_secret_ref is not None:
                name = spec.cert_secret_ref.name
                tls = tls_from_secret(await self._secret(bucket, name, "TLS"), f"{namespace}/{name}")
        except BucketError as error:
            raise self._fetch_failed(error) from error
        return Endpoint(
            address=spec.endpoint,
            bucket=spec.bucket_name,
            region=spec.region,
            insecure=spec.insecure,
            timeout=spec.timeout,
            keys=keys,
            tls=tls,
            proxy=await self._proxy(bucket),
        )

    async def _secret(self, bucket: Bucket, name: str, purpose: str) -> dict[str, bytes]:
        return await source_secret(self.kube, bucket.metadata.namespace or "", name, purpose)

    async def _proxy(self, bucket: Bucket) -> Proxy | None:
        if bucket.spec.proxy_secret_ref is None:
            return None
        name = bucket.spec.proxy_secret_ref.name
        data = await self._secret(bucket, name, "proxy")
        try:
            return proxy_from_secret(data, f"{bucket.metadata.namespace}/{name}")
        except GitError as error:
            raise fetch_failed(str(error), error.reason) from error

    @staticmethod
    def _fetch_failed(error: BucketError) -> ReconcileError:
        return fetch_failed(str(error), error.reason)
