"""The OCIRepository reconciler: resolve the ref to a manifest digest, and only when it moved, pull, verify and store.

An unchanged remote costs one manifest request (a HEAD; a semver range adds the tag listing) and no
blob download. The registry client's scheme and authentication memory is shared by every object of
the controller, so that one request needs no 401 round trip.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from reflow.api.artifact import Artifact
from reflow.api.conditions import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    AUTHENTICATION_FAILED,
    FETCH_FAILED,
    NEW_ARTIFACT,
    OCI_ARTIFACT_LAYER_OPERATION_FAILED,
    OCI_ARTIFACT_PULL_FAILED,
    READ_OPERATION_FAILED,
    SOURCE_VERIFIED,
    STORAGE_OPERATION_FAILED,
    SUCCEEDED,
    condition,
)
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import OCIRepository
from reflow.api.wire import render
from reflow.controllers.source.signatures import (
    SignatureRefused,
    Verification,
    check_signature,
    trusted_keys,
    unverified,
    verification_fields,
    verified_condition,
)
from reflow.controllers.source.stored import (
    SourceReconciler,
    fetch_failed,
    intact,
    source_secret,
    storage_failed,
    unchanged,
    up_to_date,
)
from reflow.engines.artifact import ArtifactError, ExtractLimits, Storage, artifact_path, extract_tarball
from reflow.engines.artifact.storage import StorageError
from reflow.engines.cosign import Subject
from reflow.engines.git import GitError, Proxy, proxy_from_secret
from reflow.engines.oci import (
    AuthCache,
    Credentials,
    InvalidReference,
    KeyEntry,
    LayerFailed,
    OCIError,
    Reference,
    RefSpec,
    RegistryClient,
    Repository,
    Transport,
    credentials_for,
    digest_of,
    docker_config_entries,
    fixed_reference,
    parse_repository,
    revision,
    select_layer,
    semver_reference,
    tls_from_secret,
)
from reflow.engines.oci.artifact import REVISION, SOURCE
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import DEFAULT_TIMEOUT, Progress, parse_kind
from reflow.runtime.result import ConditionState, Result

CLOUD_PROVIDERS = ("aws", "azure", "gcp")


class OCIRepositoryReconciler(SourceReconciler[OCIRepository]):
    """Publishes one layer of an OCI artifact as a tar.gz artifact; an unchanged remote costs one HEAD."""

    api_version = OCIRepository.KIND.api_version
    kind = "OCIRepository"

    def __init__(
        self,
        kube: Kube,
        storage: Storage,
        storage_ready: asyncio.Event,
        *,
        ttl: float,
        records: int,
        max_layer_size: int,
        auth_cache: AuthCache | None = None,
    ):
        super().__init__(kube, storage, storage_ready, ttl=ttl, records=records)
        self.max_layer_size = max_layer_size
        self.auth_cache = auth_cache or AuthCache()
        """Schemes, challenges and bearer tokens by registry, shared by every OCIRepository here."""

    def parse(self, obj: Manifest) -> OCIRepository:
        return parse_kind(OCIRepository, obj)

    def interval(self, repo: OCIRepository) -> float:
        return repo.spec.interval

    def timeout(self, repo: OCIRepository) -> float:
        """The fetch timeout bounds each registry request; the whole reconcile gets twice that, at least 10 min."""
        return max(2 * repo.spec.timeout, DEFAULT_TIMEOUT)

    async def reconcile(self, repo: OCIRepository, progress: Progress) -> Result:
        spec = repo.spec
        if spec.provider in CLOUD_PROVIDERS:
            message = (
                f"provider '{spec.provider}': cloud identity is not available in this build; use provider "
                "'generic' with a docker-config secretRef or the serviceAccountName's imagePullSecrets"
            )
            condition = {FETCH_FAILED: ConditionState("True", AUTHENTICATION_FAILED, message)}
            raise StalledError(message, reason=AUTHENTICATION_FAILED, conditions=condition)
        await self.storage_ready.wait()
        try:
            repository = parse_repository(spec.url)
        except InvalidReference as error:
            message = f"URL validation failed for '{spec.url}': {error}"
            raise StalledError(message, reason=error.reason, conditions=_failed(message, error.reason)) from error
        client = RegistryClient(
            repository,
            credentials=await self._credentials(repo, repository),
            transport=await self._transport(repo),
            cache=self.auth_cache,
            name=f"{repo.metadata.namespace}/{repo.metadata.name}",
        )
        async with client:
            reference = await self._reference(repo, client, repository)
            try:
                new_revision = revision(reference, await client.resolve(reference))
            except OCIError as error:
                raise _pull_failed(f"failed to determine artifact digest: {error}", error) from error
            verification = await self._verify(repo, client, reference, new_revision)
            status = render(repo.status)
            config: Manifest = {
                "observedIgnore": spec.ignore,
                "observedLayerSelector": render(spec.layer_selector) if spec.layer_selector else None,
            }
            if up_to_date(status, new_revision, config) and await intact(self.storage, status.get("artifact") or {}):
                kept = unchanged(new_revision, f"stored artifact for digest '{new_revision}'")
                fields, verdict = verification_fields(spec.verify is not None, verification)
                return replace(kept, status=fields, conditions={**kept.conditions, **verdict}) if verdict else kept
            await progress(f"building artifact: new revision '{new_revision}' for '{reference}'")
            artifact = await self._pull_and_store(repo, client, reference, new_revision)
        stored = f"stored artifact for digest '{new_revision}'"
        event = f"stored artifact with revision '{new_revision}' from '{spec.url}'"
        origin = {"source": artifact.metadata.get(SOURCE, ""), "revision": artifact.metadata.get(REVISION, "")}
        metadata = {"revision": new_revision, "digest": artifact.digest or ""}
        if origin["source"] and origin["revision"]:
            event += f", origin source '{origin['source']}', origin revision '{origin['revision']}'"
        if origin["revision"]:
            metadata["originRevision"] = origin["revision"]
        fields, verdict = verification_fields(spec.verify is not None, verification)
        return Result(
            ready=stored,
            status={**config, "artifact": render(artifact), **fields},
            conditions={
                ARTIFACT_IN_STORAGE: ConditionState("True", SUCCEEDED, stored),
                **verdict,
                FETCH_FAILED: None,
                STORAGE_OPERATION_FAILED: None,
                ARTIFACT_OUTDATED: None,
            },
            event=event,
            event_reason=NEW_ARTIFACT,
            event_metadata=metadata,
        )

    async def finalize(self, repo: OCIRepository) -> None:
        await self.storage.remove_all(self.kind, repo.metadata.namespace or "", repo.metadata.name)

    async def _reference(self, repo: OCIRepository, client: RegistryClient, repository: Repository) -> Reference:
        """The tag or digest to pull: Flux's precedence, a semver range resolved against the tag list."""
        ref = repo.spec.ref
        spec = RefSpec(
            digest=ref.digest if ref else None,
            semver=ref.semver if ref else None,
            semver_filter=ref.semver_filter if ref else None,
            tag=ref.tag if ref else None,
        )
        selector = repo.spec.layer_selector
        try:
            fixed = fixed_reference(repository, spec)
            if fixed is not None:
                return fixed
            return semver_reference(repository, spec, await client.tags(), selector.media_type if selector else None)
        except InvalidReference as error:
            message = f"failed to determine the artifact tag for '{repo.spec.url}': {error}"
            raise StalledError(message, reason=error.reason, conditions=_failed(message, error.reason)) from error
        except OCIError as error:
            message = f"failed to determine the artifact tag for '{repo.spec.url}': {error}"
            reason = AUTHENTICATION_FAILED if error.reason == AUTHENTICATION_FAILED else READ_OPERATION_FAILED
            raise fetch_failed(message, reason) from error

    async def _verify(
        self, repo: OCIRepository, client: RegistryClient, reference: Reference, new_revision: str
    ) -> Verification | None:
        """`spec.verify` for this revision: None without it; a fresh verdict, or None again when this revision
        was verified with the same keys already. A failure raises with SourceVerified=False."""
        verify, namespace = repo.spec.verify, repo.metadata.namespace or ""
        if verify is None:
            return None
        subject = Subject(name=str(reference.repository), digest=digest_of(new_revision))
        trusted = await trusted_keys(self.kube, namespace, verify, subject.name)
        status = repo.status
        done = condition({"status": render(status)}, SOURCE_VERIFIED)
        artifact = status.artifact
        if (
            artifact is not None
            and artifact.revision == new_revision
            and status.source_verification_fingerprint == trusted.fingerprint
            and (done or {}).get("status") == "True"
        ):
            return None
        try:
            verified = await check_signature(subject, trusted, client)
        except SignatureRefused as error:
            raise unverified(str(error)) from error
        return Verification(verified_condition(f"revision {new_revision}", verified), trusted.fingerprint)

    async def _pull_and_store(
        self, repo: OCIRepository, client: RegistryClient, reference: Reference, new_revision: str
    ) -> Artifact:
        """Download the selected layer of the manifest, then store it extracted and re-archived, or as is."""
        meta, spec = repo.metadata, repo.spec
        digest = digest_of(new_revision)
        pinned = Reference(reference.repository, digest=digest)
        workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-oci-"))
        try:
            try:
                _, manifest = await client.image_manifest(pinned)
                selector = spec.layer_selector
                layer = select_layer(manifest, selector.media_type if selector else None)
                blob = workdir / "layer.tgz"
                await client.download_blob(layer, blob, max_size=self.max_layer_size)
            except OCIError as error:
                raise _pull_failed(f"failed to pull artifact from '{spec.url}': {error}", error) from error
            path = artifact_path(self.kind, meta.namespace or "", meta.name, f"{digest.partition(':')[2]}.tar.gz")
            copy = selector is not None and selector.operation == "copy"
            try:
                if copy:
                    artifact = await self.storage.store_file(path, blob, new_revision)
                else:
                    tree = workdir / "tree"
                    await asyncio.to_thread(extract_tarball, blob, tree, ExtractLimits())
                    artifact = await self.storage.archive(path, tree, new_revision, ignore=spec.ignore)
                await self.storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
            except ArtifactError as error:
                message = f"failed to extract layer contents from artifact: {error}"
                raise fetch_failed(message, OCI_ARTIFACT_LAYER_OPERATION_FAILED) from error
            except StorageError as error:
                raise storage_failed(error) from error
        finally:
            await asyncio.to_thread(shutil.rmtree, workdir, True)
        return replace(artifact, metadata=dict(manifest.annotations))

    async def _credentials(self, repo: OCIRepository, repository: Repository) -> Credentials | None:
        """The credentials for the registry from `secretRef`, then the ServiceAccount's imagePullSecrets."""
        spec, namespace = repo.spec, repo.metadata.namespace or ""
        names = [spec.secret_ref.name] if spec.secret_ref else []
        if spec.service_account_name:
            names += await self._pull_secrets(namespace, spec.service_account_name)
        keyring: list[list[KeyEntry]] = []
        for name in names:
            data = await source_secret(self.kube, namespace, name, "authentication")
            try:
                keyring.append(docker_config_entries(data, f"{namespace}/{name}"))
            except OCIError as error:
                raise fetch_failed(f"failed to get credential: {error}", error.reason) from error
        return credentials_for(keyring, repository)

    async def _pull_secrets(self, namespace: str, account: str) -> list[str]:
        try:
            found = await self.kube.get(ObjectRef("v1", "ServiceAccount", account, namespace))
        except NotFound as error:
            message = f"failed to get credential: service account '{namespace}/{account}' not found"
            raise fetch_failed(message, AUTHENTICATION_FAILED) from error
        return [entry["name"] for entry in found.get("imagePullSecrets") or [] if entry.get("name")]

    async def _transport(self, repo: OCIRepository) -> Transport:
        spec, namespace = repo.spec, repo.metadata.namespace or ""
        tls = None
        if spec.cert_secret_ref is not None:
            name = spec.cert_secret_ref.name
            try:
                tls = tls_from_secret(await source_secret(self.kube, namespace, name, "TLS"), f"{namespace}/{name}")
            except OCIError as error:
                raise fetch_failed(f"failed to generate transport for '{spec.url}': {error}", error.reason) from error
        return Transport(tls=tls, insecure=spec.insecure, proxy=await self._proxy(repo), timeout=spec.timeout)

    async def _proxy(self, repo: OCIRepository) -> Proxy | None:
        if repo.spec.proxy_secret_ref is None:
            return None
        namespace, name = repo.metadata.namespace or "", repo.spec.proxy_secret_ref.name
        data = await source_secret(self.kube, namespace, name, "proxy")
        try:
            return proxy_from_secret(data, f"{namespace}/{name}")
        except GitError as error:
            raise fetch_failed(f"failed to get proxy address: {error}", error.reason) from error


def _failed(message: str, reason: str) -> dict[str, ConditionState | None]:
    return {FETCH_FAILED: ConditionState("True", reason, message)}


def _pull_failed(message: str, error: OCIError) -> ReconcileError:
    """FetchFailed with the error's own reason when it is about credentials or the layer, else a pull failure."""
    keep = (AUTHENTICATION_FAILED, OCI_ARTIFACT_LAYER_OPERATION_FAILED)
    reason = error.reason if error.reason in keep or isinstance(error, LayerFailed) else OCI_ARTIFACT_PULL_FAILED
    return fetch_failed(message, reason)
