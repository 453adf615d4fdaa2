"""The ArtifactGenerator reconciler: sources → build each artifact → store → publish ExternalArtifacts → prune."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Literal

from reflow.api.annotations import GENERATOR_RECONCILE, GENERATOR_RECONCILE_EVERY
from reflow.api.conditions import (
    ACCESS_DENIED,
    NEW_ARTIFACT,
    READY,
    SOURCE_FETCH_FAILED,
    VALIDATION_FAILED,
    find,
)
from reflow.api.duration import parse_duration
from reflow.api.meta import Manifest
from reflow.api.sourceext import ArtifactGenerator, InventoryEntry, SourceReference
from reflow.api.wire import render
from reflow.controllers.artifactstorage import ServedStorage
from reflow.controllers.sources import SourceKey, Sources
from reflow.controllers.sourcewatcher import externalartifacts, namespaces
from reflow.controllers.sourcewatcher.targets import TargetWatches
from reflow.engines.artifact import ArtifactError, StorageError, artifact_path, fetch_artifact
from reflow.engines.generator import (
    Built,
    GeneratorError,
    ObservedSource,
    Request,
    artifact_revision,
    build,
    directories,
    expand,
    origin_revision,
    parse_alias_path,
    relative_parts,
    requests_without_pattern,
    sources_digest,
)
from reflow.engines.generator.namespaces import managed, metadata_for, read_sourced
from reflow.engines.generator.revision import ORIGIN_REVISION
from reflow.kube.access import denied_verbs, service_account_user
from reflow.kube.client import Kube
from reflow.kube.errors import ApiError, NotFound
from reflow.runtime.errors import ReconcileError, StalledError
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Notice, Result

RECONCILE_EVERY = 3600.0
"""Seconds between runs when nothing triggers one (Flux's one hour), unless `reconcileEvery` says otherwise."""
GENERATOR_FINALIZER = "source.extensions.fluxcd.io/finalizer"
SOURCE_GROUP = "source.toolkit.fluxcd.io"
PUBLISH_VERBS = ("create", "patch", "delete")
"""What publishing an ExternalArtifact in a namespace takes: server-side apply creates and patches; pruning deletes."""
MANAGE_VERBS = ("create", "patch")
"""What managing a Namespace takes; `delete` too when `managedNamespaces.prune` is set."""
NAMESPACE: Literal["Namespace"] = "Namespace"
PUBLISH = "Publish"
"""The event action of publishing artifacts and namespaces (source-watcher's action names, Flux 2.10)."""
ADOPTED = "Adopted"
OWNERSHIP_CONFLICT = "OwnershipConflict"
MOVED = ("created", "configured")


def ownership(generator: ArtifactGenerator, namespace: str, previous_owner: str) -> Notice:
    """The Warning a generator gets when it adopts an unmanaged Namespace or takes one over from another generator."""
    me = f"{generator.metadata.namespace}/{generator.metadata.name}"
    if not previous_owner:
        return Notice(ADOPTED, f"Namespace {namespace} was not managed by any ArtifactGenerator and is adopted by {me}",
                      warning=True, action=PUBLISH)  # fmt: skip
    return Notice(OWNERSHIP_CONFLICT, f"Namespace {namespace} was managed by ArtifactGenerator {previous_owner} and is "
                  f"taken over by {me}", warning=True, action=PUBLISH)  # fmt: skip


def published(count: int) -> str:
    """The Ready message: the same whether this run built the artifacts or found them up to date."""
    return f"reconciliation succeeded, {count} artifact(s) published"


class ArtifactGeneratorReconciler(Reconciler[ArtifactGenerator]):
    """Builds content-addressed artifacts from the generator's sources and publishes each as an ExternalArtifact."""

    api_version = ArtifactGenerator.KIND.api_version
    kind = ArtifactGenerator.KIND.kind
    finalizer = GENERATOR_FINALIZER
    finalize_suspended = True
    """Deleted while `reconcile: Disabled`, a generator still takes its artifacts and files along, as in Flux."""

    def __init__(
        self,
        kube: Kube,
        *,
        sources: Sources,
        targets: TargetWatches,
        served: ServedStorage,
        no_cross_namespace_refs: bool,
        default_service_account: str | None,
        ttl: float,
        records: int,
        requeue_dependency: float,
    ) -> None:
        self.kube = kube
        self.sources = sources
        self.targets = targets
        self.served = served
        self.no_cross_namespace_refs = no_cross_namespace_refs
        self.default_service_account = default_service_account
        self.ttl = ttl
        self.records = records
        self.requeue_dependency = requeue_dependency

    def parse(self, obj: Manifest) -> ArtifactGenerator:
        return parse_kind(ArtifactGenerator, obj)

    def suspended(self, obj: Manifest) -> bool:
        """`source.extensions.fluxcd.io/reconcile: Disabled` (any case) suspends a generator; it has no spec.suspend."""
        annotations = obj.get("metadata", {}).get("annotations") or {}
        return str(annotations.get(GENERATOR_RECONCILE, "")).lower() == "disabled"

    def interval(self, generator: ArtifactGenerator) -> float:
        """`reconcileEvery` when it is a valid positive duration, else one hour."""
        every = generator.metadata.annotations.get(GENERATOR_RECONCILE_EVERY)
        try:
            seconds = parse_duration(every) if every else 0.0
        except ValueError:
            seconds = 0.0
        return seconds if seconds > 0 else RECONCILE_EVERY

    async def reconcile(self, generator: ArtifactGenerator, progress: Progress) -> Result:
        """Build the generator's artifacts from its sources' current revisions and publish them."""
        self._validate(generator)
        observed = self._observe(generator)
        digest = sources_digest(observed)
        await self.served.ready.wait()
        if await self._up_to_date(generator, digest):
            return Result(ready=published(len(generator.status.inventory)))
        await progress(f"building artifacts from sources digest '{digest}'")
        namespace = generator.metadata.namespace or ""
        workspace = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-generator-"))
        try:
            roots = await self._fetch(generator, observed, workspace)
            requests = await asyncio.to_thread(self._requests, generator, roots)
            destinations = {request.artifact.namespace or namespace for request in requests}
            owned = self._managed(generator, destinations)
            await self._authorize(generator, destinations, owned)
            built = [await self._build(request, roots, workspace) for request in requests]
            applied = await self._apply_namespaces(generator, owned, built, roots)
            published_entries, changed = await self._publish(generator, built, observed, set(owned))
        finally:
            await asyncio.to_thread(shutil.rmtree, workspace, True)
        inventory = [entry for entry, _ in applied] + published_entries
        self.targets.follow(self._key_of(generator), {entry.namespace or "" for entry in published_entries})
        removed = await self._prune(generator, inventory, destinations)
        parts = [f"Namespace/{entry.name} {done.action}" for entry, done in applied if done.action in MOVED]
        parts += [f"{name}: {revision}" for name, revision in changed]
        parts += [f"deleted {name}" for name in removed]
        notices = tuple(ownership(generator, entry.name, done.previous_owner) for entry, done in applied
                        if done.previous_owner is not None)  # fmt: skip
        return Result(
            ready=published(len(inventory)),
            status={"inventory": [render(entry) for entry in inventory], "observedSourcesDigest": digest},
            event="; ".join(parts) or None,
            event_reason=NEW_ARTIFACT,
            event_action=PUBLISH,
            notices=notices,
        )

    async def finalize(self, generator: ArtifactGenerator) -> None:
        """Delete every generated ExternalArtifact and its files, then the managed Namespaces if `prune` says so."""
        await self._prune(generator, [], set())
        self.targets.follow(self._key_of(generator), ())

    def _validate(self, generator: ArtifactGenerator) -> None:
        spec, namespace = generator.spec, generator.metadata.namespace or ""
        if spec.managed_namespaces and not (spec.service_account_name or self.default_service_account):
            raise StalledError("spec.managedNamespaces needs spec.serviceAccountName (or the controller's "
                               "--default-service-account) to authorize the namespaces it manages",
                               reason=ACCESS_DENIED)  # fmt: skip
        for artifact in spec.artifacts:
            for alias in (artifact.revision, artifact.origin_revision):
                if alias and alias.removeprefix("@") not in {source.alias for source in spec.sources}:
                    raise StalledError(f"artifact '{artifact.name}': '{alias}' is not a source alias",
                                       reason=VALIDATION_FAILED)  # fmt: skip
        aliases = [source.alias for source in spec.sources]
        if duplicated := sorted({alias for alias in aliases if aliases.count(alias) > 1}):
            raise StalledError(f"source alias '{duplicated[0]}' is declared twice", reason=VALIDATION_FAILED)
        for source in spec.sources:
            if self.no_cross_namespace_refs and (source.namespace or namespace) != namespace:
                raise StalledError(f"source '{source.alias}': cannot read {self._key(generator, source)[0]} "
                                   f"'{source.namespace}/{source.name}': cross-namespace references are disabled",
                                   reason=ACCESS_DENIED)  # fmt: skip

    def _managed(self, generator: ArtifactGenerator, targets: set[str]) -> list[str]:
        """The target namespaces `managedNamespaces` covers (none when it is unset)."""
        spec = generator.spec.managed_namespaces
        if spec is None:
            return []
        try:
            return managed(spec, targets, generator.metadata.namespace or "")
        except GeneratorError as error:
            raise StalledError(str(error), reason=error.reason) from error

    async def _authorize(self, generator: ArtifactGenerator, namespaces: set[str], owned: list[str]) -> None:
        """Each target namespace is checked against the generator's ServiceAccount (SubjectAccessReview); without
        one, the generator's own namespace needs no check and other namespaces use --default-service-account.
        Managing namespaces takes that account's right to create and patch (and, to prune, delete) Namespaces."""
        own = generator.metadata.namespace or ""
        if owned:
            manager = generator.spec.service_account_name or self.default_service_account or ""
            spec = generator.spec.managed_namespaces
            verbs = (*MANAGE_VERBS, "delete") if spec and spec.prune else MANAGE_VERBS
            denied = await denied_verbs(self.kube, service_account_user(own, manager), namespace="", group="",
                                        resource="namespaces", verbs=verbs)  # fmt: skip
            if denied:
                raise ReconcileError(f"ServiceAccount '{own}/{manager}' may not {', '.join(denied)} Namespaces, "
                                     f"so it cannot manage {', '.join(owned)}", reason=ACCESS_DENIED)  # fmt: skip
        for namespace in sorted(namespaces):
            account = generator.spec.service_account_name or (
                self.default_service_account if namespace != own else None
            )
            if account is None:
                if namespace != own:
                    raise ReconcileError(f"artifacts in namespace '{namespace}' need spec.serviceAccountName (or the "
                                         "controller's --default-service-account)", reason=ACCESS_DENIED)  # fmt: skip
                continue
            user = service_account_user(own, account)
            denied = await denied_verbs(self.kube, user, namespace=namespace, group=SOURCE_GROUP,
                                        resource="externalartifacts", verbs=PUBLISH_VERBS)  # fmt: skip
            if denied:
                raise ReconcileError(f"ServiceAccount '{own}/{account}' may not {', '.join(denied)} ExternalArtifacts "
                                     f"in namespace '{namespace}'", reason=ACCESS_DENIED)  # fmt: skip

    @staticmethod
    def _key_of(generator: ArtifactGenerator) -> tuple[str, str]:
        return generator.metadata.namespace or "", generator.metadata.name

    def _external_artifact(self, namespace: str, name: str) -> Manifest | None:
        """A generated ExternalArtifact from the cache that sees its namespace."""
        if self.targets.covers(namespace):
            return self.sources.get((externalartifacts.KIND, namespace, name))
        return self.targets.get(namespace, name)

    def _key(self, generator: ArtifactGenerator, source: SourceReference) -> SourceKey:
        return source.kind, source.namespace or generator.metadata.namespace or "", source.name

    def _observe(self, generator: ArtifactGenerator) -> dict[str, ObservedSource]:
        """The artifact each source offers now; Waiting(SourceFetchFailed) naming the alias while one has none."""
        observed: dict[str, ObservedSource] = {}
        for source in generator.spec.sources:
            key = self._key(generator, source)
            try:
                artifact = self.sources.ready_artifact(
                    key, requeue_after=self.requeue_dependency, reason=SOURCE_FETCH_FAILED
                )
            except ReconcileError as error:
                error.message = f"source '{source.alias}': {error.message}"
                error.args = (error.message,)
                raise
            observed[source.alias] = ObservedSource(
                url=artifact.url, revision=artifact.revision, digest=artifact.digest or "",
                origin_revision=artifact.origin_revision,
            )  # fmt: skip
        return observed

    async def _up_to_date(self, generator: ArtifactGenerator, digest: str) -> bool:
        """Same sources and spec as the last success, and every ExternalArtifact still serves its intact file."""
        status = generator.status
        ready = find(status.conditions, READY)
        if status.observed_sources_digest != digest or ready is None or ready.status != "True":
            return False
        if ready.observed_generation != generator.metadata.generation:
            return False
        for entry in status.inventory:
            if entry.kind == NAMESPACE:
                if not await namespaces.exists(self.kube, entry.name):
                    return False
                continue
            current = self._external_artifact(entry.namespace or "", entry.name)
            artifact = ((current or {}).get("status") or {}).get("artifact") or {}
            if artifact.get("digest") != entry.digest:
                return False
            local = self.served.storage.local_path(artifact.get("path") or "-")
            if not await asyncio.to_thread(local.is_file):
                return False
        return True

    async def _fetch(
        self, generator: ArtifactGenerator, observed: Mapping[str, ObservedSource], workspace: Path
    ) -> dict[str, Path]:
        """Download and unpack every source's artifact; SourceFetchFailed names the alias."""
        roots: dict[str, Path] = {}
        for source in generator.spec.sources:
            artifact = observed[source.alias]
            root = workspace / "sources" / source.alias
            try:
                await fetch_artifact(artifact.url, artifact.digest, root)
            except ArtifactError as error:
                kind, namespace, name = self._key(generator, source)
                raise ReconcileError(f"source '{source.alias}' ({kind}/{namespace}/{name}): {error}",
                                     reason=SOURCE_FETCH_FAILED) from error  # fmt: skip
            roots[source.alias] = root
        return roots

    @staticmethod
    def _requests(generator: ArtifactGenerator, roots: Mapping[str, Path]) -> list[Request]:
        spec = generator.spec
        try:
            if not spec.path_pattern:
                return requests_without_pattern(spec.artifacts)
            where = parse_alias_path(spec.path_pattern)
            relative_parts(where.path)
            if where.alias not in roots:
                raise GeneratorError(f"pathPattern '{spec.path_pattern}': source alias '{where.alias}' is not declared")
            return expand(where.path, directories(roots[where.alias]), spec.artifacts)
        except GeneratorError as error:
            raise StalledError(str(error), reason=error.reason) from error
        except ValueError as error:
            raise StalledError(f"pathPattern '{spec.path_pattern}': {error}", reason=VALIDATION_FAILED) from error

    @staticmethod
    async def _build(request: Request, roots: Mapping[str, Path], workspace: Path) -> Built:
        try:
            return await asyncio.to_thread(build, request, roots, workspace)
        except GeneratorError as error:
            raise ReconcileError(str(error), reason=error.reason) from error

    async def _apply_namespaces(
        self, generator: ArtifactGenerator, owned: list[str], built: list[Built], roots: Mapping[str, Path]
    ) -> list[tuple[InventoryEntry, namespaces.Applied]]:
        """Create or update each managed Namespace; its metadata file is read with the captures of the first
        artifact that targets it."""
        spec = generator.spec.managed_namespaces
        entries: list[tuple[InventoryEntry, namespaces.Applied]] = []
        if spec is None:
            return entries
        for name in owned:
            first = next(each for each in built if each.request.artifact.namespace == name)
            from_file = None
            if spec.metadata and spec.metadata.from_source:
                try:
                    from_file = await asyncio.to_thread(read_sourced, spec.metadata.from_source,
                                                        first.request.labels, roots, first.directory)  # fmt: skip
                except GeneratorError as error:
                    raise ReconcileError(f"namespace '{name}': {error}", reason=error.reason) from error
            own_labels = externalartifacts.owner_labels(generator)
            metadata = metadata_for(name, spec, generator.spec.common_metadata, from_file, own_labels)
            try:
                done = await namespaces.apply(self.kube, name, metadata)
            except ApiError as error:
                raise ReconcileError(f"Namespace/{name}: {error}") from error
            entries.append((InventoryEntry(kind=NAMESPACE, name=name, digest=metadata.digest()), done))
        return entries

    async def _publish(
        self,
        generator: ArtifactGenerator,
        built: list[Built],
        observed: Mapping[str, ObservedSource],
        owned: set[str],
    ) -> tuple[list[InventoryEntry], list[tuple[str, str]]]:
        """Store each built artifact (unless its file is already there) and apply its ExternalArtifact."""
        storage = self.served.storage
        inventory: list[InventoryEntry] = []
        changed: list[tuple[str, str]] = []
        for each in built:
            spec = each.request.artifact
            namespace = spec.namespace or generator.metadata.namespace or ""
            revision = artifact_revision(spec, each.digest, observed)
            filename = f"{each.digest.partition(':')[2]}.tar.gz"
            try:
                path = artifact_path(externalartifacts.KIND, namespace, spec.name, filename)
                artifact = await storage.archive(path, each.directory, revision)
                await storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
            except StorageError as error:
                raise ReconcileError(f"artifact '{spec.name}': {error}", reason=error.reason) from error
            origin = origin_revision(spec, observed)
            if origin:
                artifact = replace(artifact, metadata={ORIGIN_REVISION: origin})
            manifest = externalartifacts.external_artifact(generator, spec.name, namespace, each.labels)
            try:
                _, moved = await externalartifacts.publish(self.kube, manifest, artifact, each.inputs)
            except NotFound as error:
                hint = "" if namespace in owned else " and is not managed (spec.managedNamespaces)"
                raise ReconcileError(f"artifact '{spec.name}': namespace '{namespace}' does not exist{hint}",
                                     reason=ACCESS_DENIED if namespace != generator.metadata.namespace else
                                     VALIDATION_FAILED) from error  # fmt: skip
            if moved:
                changed.append((spec.name, revision))
            inventory.append(InventoryEntry(kind="ExternalArtifact", name=spec.name, namespace=namespace,
                                            digest=artifact.digest or "", filename=filename))  # fmt: skip
        return inventory, changed

    async def _prune(
        self, generator: ArtifactGenerator, inventory: list[InventoryEntry], targets: set[str]
    ) -> list[str]:
        """Delete the ExternalArtifacts (and their files) the last run made and this one did not; then, with
        `managedNamespaces.prune`, the managed Namespaces no artifact targets any more (a Namespace still targeted
        but no longer allowed is let go of, not deleted)."""
        kept = {(entry.kind, entry.namespace, entry.name) for entry in inventory}
        removed: list[str] = []
        for entry in generator.status.inventory:
            if entry.kind == externalartifacts.KIND and (entry.kind, entry.namespace, entry.name) not in kept:
                await externalartifacts.remove(self.kube, self.served.storage, entry.namespace or "", entry.name)
                removed.append(entry.name)
        spec = generator.spec.managed_namespaces
        if spec is None or not spec.prune:
            return removed
        let_go = [
            entry.name for entry in generator.status.inventory if entry.kind == NAMESPACE and entry.name not in targets
        ]
        for name in let_go:
            if await namespaces.remove(self.kube, name, generator.metadata.uid or ""):
                removed.append(f"Namespace/{name}")
        return removed
