"""The Kustomization reconciler: source artifact → build → decrypt → staged apply → prune → health → status."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from reflow.api.duration import format_duration
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.wire import parse_object, render
from reflow.controllers.kustomize.clusters import Clusters
from reflow.controllers.kustomize.decryptor import SopsDecryptor
from reflow.controllers.kustomize.dependencies import dependency_problem, ready_expr_problem, same_source
from reflow.controllers.kustomize.inputs import decryption_keys, substitution_sources
from reflow.controllers.kustomize.sources import SourceArtifact, SourceKey, Sources, artifact_of
from reflow.controllers.options import ControllerOptions
from reflow.engines.artifact import ArtifactError, DigestMismatch, fetch_artifact
from reflow.engines.build import BuildFailed, BuildRequest, BuildSpec, Owner, Pipeline, Substitution
from reflow.engines.health.cel import CELStatusReader, Expression, InvalidExpression, ready_expression, status_reader
from reflow.engines.sops import SopsError
from reflow.engines.ssa import (
    ApplyError,
    ApplyOptions,
    ChangeSet,
    GroupKind,
    ObjectWatcher,
    PruneError,
    PruneOptions,
    apply_staged,
    deletes_on_finalize,
    owner_labels,
    prune,
    stale,
    wait_ready,
    wait_terminated,
)
from reflow.engines.ssa.changeset import Action
from reflow.engines.ssa.inventory import refs as inventory_refs
from reflow.engines.ssa.prune import waits_for_termination
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.features import FeatureGates
from reflow.runtime.reconciler import Progress, Reconciler
from reflow.runtime.result import ConditionState, Result

FIELD_MANAGER = "kustomize-controller"
HEALTHY = "Healthy"
ALWAYS_CURRENT = frozenset(
    {"ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
     "NetworkPolicy", "LimitRange", "Namespace"}
)  # fmt: skip
"""Kinds kstatus calls Current as soon as they exist: a health check need not watch them after an apply."""

Lookup = Callable[[str, str], Manifest | None]
"""Reads a Kustomization from the controller's cache by (namespace, name)."""


def default_timeout(interval: float) -> float:
    """Flux's default `spec.timeout`: the interval less 30 s, and at least 30 s."""
    return max(interval - 30.0, 30.0)


def health_refs(ks: Kustomization, applied: ChangeSet, reader: CELStatusReader | None = None) -> list[ObjectRef]:
    """What to health-check: every applied object with `wait`, else `healthChecks`.

    Kinds always Current are skipped, unless a `healthCheckExprs` rule in `reader` judges them.
    """
    if ks.spec.wait:
        candidates: Iterable[ObjectRef] = (change.ref for change in applied if change.action is not Action.SKIPPED)
    else:
        # A check without apiVersion (as `flux create kustomization --health-check` writes them) means the
        # version the object was applied with; "v1" only for an object this Kustomization did not apply.
        applied_versions = {(c.ref.kind, c.ref.name, c.ref.namespace): c.ref.api_version for c in applied}
        candidates = []
        for check in ks.spec.health_checks:
            namespace = check.namespace or ks.metadata.namespace
            version = check.api_version or applied_versions.get((check.kind, check.name, namespace), "v1")
            candidates.append(ObjectRef(version, check.kind, check.name, namespace))

    def judged(ref: ObjectRef) -> bool:
        return reader is not None and reader.rule_for({"apiVersion": ref.api_version, "kind": ref.kind}) is not None

    return [ref for ref in candidates if ref.kind not in ALWAYS_CURRENT or judged(ref)]


def expressions(ks: Kustomization) -> tuple[CELStatusReader, tuple[Expression | None, ...]]:
    """Parse `healthCheckExprs` and each `dependsOn[].readyExpr`; an invalid one stalls the Kustomization."""
    try:
        reader = status_reader(ks.spec.health_check_exprs)
        ready = tuple(ready_expression(d.ready_expr) if d.ready_expr else None for d in ks.spec.depends_on)
    except InvalidExpression as error:
        raise StalledError(f"invalid CEL expression: {error}", reason="InvalidCELExpression") from error
    return reader, ready


def change_event(changes: ChangeSet) -> str | None:
    """Flux's event text listing what changed (`Kind/ns/name created`), or None when nothing did."""
    lines = [f"{change.ref} {change.action}" for change in changes if change.action.changed]
    return "\n".join(lines) or None


class KustomizationReconciler(Reconciler[Kustomization]):
    """Applies a source's manifests as a Kustomization describes, and prunes and health-checks them."""

    api_version = "kustomize.toolkit.fluxcd.io/v1"
    kind = "Kustomization"

    def __init__(
        self,
        kube: Kube,
        *,
        sources: Sources,
        pipeline: Pipeline,
        clusters: Clusters,
        watcher: ObjectWatcher,
        kustomizations: Lookup,
        options: ControllerOptions,
        gates: FeatureGates,
        requeue_dependency: float,
    ) -> None:
        self.kube = kube
        self.sources = sources
        self.pipeline = pipeline
        self.clusters = clusters
        self.watcher = watcher
        self.kustomizations = kustomizations
        self.options = options
        self.gates = gates
        self.requeue_dependency = requeue_dependency

    def parse(self, obj: Manifest) -> Kustomization:
        try:
            return parse_object(Kustomization, obj)
        except ValueError as error:
            raise StalledError(f"invalid Kustomization: {error}", reason="InvalidSpec") from error

    def interval(self, ks: Kustomization) -> float:
        return ks.spec.interval

    def retry_interval(self, ks: Kustomization) -> float:
        return ks.spec.retry_interval or ks.spec.interval

    def apply_timeout(self, ks: Kustomization) -> float:
        """Seconds for apply and health checks: `spec.timeout`, else the interval less 30 s."""
        return ks.spec.timeout or default_timeout(ks.spec.interval)

    def timeout(self, ks: Kustomization) -> float:
        return self.apply_timeout(ks) + 60.0

    def source_key(self, ks: Kustomization) -> SourceKey:
        ref = ks.spec.source_ref
        return ref.kind, ref.namespace or ks.metadata.namespace or "", ref.name

    async def reconcile(self, ks: Kustomization, progress: Progress) -> Result:
        reader, ready_exprs = expressions(ks)
        key = self.source_key(ks)
        if self.options.no_cross_namespace_refs and key[1] != ks.metadata.namespace:
            raise StalledError(f"cannot access {key[0]}/{key[1]}/{key[2]}: cross-namespace references are disabled",
                               reason="AccessDenied")  # fmt: skip
        artifact = artifact_of(self.sources.get(key), key, self.requeue_dependency)
        attempted = {"lastAttemptedRevision": artifact.revision}
        self._check_dependencies(ks, artifact.revision, ready_exprs)
        timeout = self.apply_timeout(ks)
        client = await self.clusters.client(ks)
        objects = await self._build(ks, artifact, progress, timeout, attempted)
        previous = ks.status.inventory
        try:
            changes = await apply_staged(client, objects, self._apply_options(ks, timeout), watcher=self.watcher)
        except ApplyError as error:
            raise ReconcileError(str(error), reason="ReconciliationFailed", status=attempted) from error
        inventory = changes.inventory()
        fields = {**attempted, "inventory": render(inventory)}
        applied = changes
        if ks.spec.prune:
            changes = changes + await self._prune(client, ks, stale(previous, inventory), fields)
        conditions = await self._health(client, ks, applied, changes, artifact, progress, timeout, fields, reader)
        fields["lastAppliedRevision"] = artifact.revision
        fields["lastAppliedOriginRevision"] = artifact.origin_revision
        metadata = {"revision": artifact.revision}
        if artifact.origin_revision:
            metadata["originRevision"] = artifact.origin_revision
        return Result(
            ready=f"Applied revision: {artifact.revision}",
            reason="ReconciliationSucceeded",
            status=fields,
            conditions=conditions,
            event=change_event(changes),
            event_reason="ReconciliationSucceeded",
            event_metadata=metadata,
        )

    def _check_dependencies(self, ks: Kustomization, revision: str, ready_exprs: Iterable[Expression | None]) -> None:
        """Wait for every dependency: its `readyExpr` when set, else (or also, with the
        `AdditiveCELDependencyCheck` gate) the built-in check."""
        this = render(ks)
        additive = self.gates("AdditiveCELDependencyCheck")
        for dependency, ready_expr in zip(ks.spec.depends_on, ready_exprs, strict=True):
            namespace = dependency.namespace or ks.metadata.namespace or ""
            if self.options.no_cross_namespace_refs and namespace != ks.metadata.namespace:
                raise StalledError(f"cannot depend on '{namespace}/{dependency.name}': cross-namespace references "
                                   "are disabled", reason="AccessDenied")  # fmt: skip
            name = f"{namespace}/{dependency.name}"
            found = self.kustomizations(namespace, dependency.name)
            problem = None
            if found is not None and ready_expr is not None:
                problem = ready_expr_problem(ready_expr, this, found, name)
            if problem is None and (found is None or ready_expr is None or additive):
                expected = revision if found is not None and same_source(found, this) else None
                problem = dependency_problem(found, name, expected)
            if problem:
                raise Waiting(f"dependency not ready: {problem}", reason="DependencyNotReady",
                              requeue_after=self.requeue_dependency)  # fmt: skip

    async def _build(
        self, ks: Kustomization, artifact: SourceArtifact, progress: Progress, timeout: float, attempted: Manifest
    ) -> tuple[Manifest, ...]:
        try:
            sources = await substitution_sources(self.kube, ks)
            strict = self.gates("StrictPostBuildSubstitutions")
            substitution = Substitution.of(ks.spec.post_build, sources, strict=strict) if ks.spec.post_build else None
            keys = await decryption_keys(self.kube, ks)
            request = BuildRequest(
                root=Path("."),
                digest=artifact.digest,
                spec=BuildSpec.of(ks.spec),
                owner=Owner(ks.metadata.name, ks.metadata.namespace or ""),
                substitution=substitution,
                decryptor=SopsDecryptor(keys, ks.spec.path or "."),
            )
            cached = await self.pipeline.lookup(request)
            if cached is not None:
                return cached.objects
            await progress(f"Fetching manifests for revision {artifact.revision} with a timeout of "
                           f"{format_duration(timeout)}")  # fmt: skip
            workdir = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-ks-"))
            try:
                root = workdir / "artifact"
                await self._fetch(artifact, root, attempted)
                await progress(f"Building manifests for revision {artifact.revision}")
                # The extraction is this reconcile's own: built in place, removed off the event loop.
                return (await self.pipeline.build(replace(request, root=root, disposable=True))).objects
            finally:
                await asyncio.to_thread(shutil.rmtree, workdir, True)
        except (BuildFailed, SopsError, ValueError) as error:
            raise ReconcileError(f"build failed: {error}", reason="BuildFailed", status=attempted) from error

    async def _fetch(self, artifact: SourceArtifact, root: Path, attempted: Manifest) -> None:
        try:
            await fetch_artifact(artifact.url, artifact.digest or "", root)
        except DigestMismatch as error:
            raise Waiting(str(error), reason="ArtifactFailed", requeue_after=self.requeue_dependency,
                          status=attempted) from error  # fmt: skip
        except ArtifactError as error:
            raise ReconcileError(f"failed to fetch artifact: {error}", reason="ArtifactFailed",
                                 status=attempted) from error  # fmt: skip

    def _apply_options(self, ks: Kustomization, timeout: float) -> ApplyOptions:
        return ApplyOptions(
            field_manager=FIELD_MANAGER,
            force=ks.spec.force,
            concurrency=self.options.concurrent_ssa,
            wait_timeout=min(60.0, timeout),
            custom_stage_kinds=frozenset(GroupKind.parse(kind) for kind in self.options.custom_apply_stage_kinds),
            override_managers=self.options.override_managers,
            override_managers_before_dry_run=self.options.override_managers_before_dry_run,
        )

    async def _prune(self, client: Kube, ks: Kustomization, doomed: Iterable[ObjectRef], fields: Manifest) -> ChangeSet:
        labels = owner_labels(ks.metadata.name, ks.metadata.namespace or "")
        try:
            return await prune(client, doomed, PruneOptions(owner_labels=labels))
        except PruneError as error:
            raise ReconcileError(str(error), reason="PruneFailed", status=fields) from error

    async def _health(
        self,
        client: Kube,
        ks: Kustomization,
        applied: ChangeSet,
        changes: ChangeSet,
        artifact: SourceArtifact,
        progress: Progress,
        timeout: float,
        fields: Manifest,
        reader: CELStatusReader,
    ) -> dict[str, ConditionState | None]:
        refs = health_refs(ks, applied, reader)
        if not refs:
            return {HEALTHY: None}
        healthy = next((c for c in ks.status.conditions if c.type == HEALTHY and c.status == "True"), None)
        if healthy is None or change_event(changes):
            await progress(f"Running health checks for revision {artifact.revision} with a timeout of "
                           f"{format_duration(timeout)}")  # fmt: skip
        override = reader if reader.rules else None
        waiting = asyncio.ensure_future(
            wait_ready(client, refs, timeout=timeout, watcher=self.watcher, status_override=override)
        )
        key = self.source_key(ks)
        moved = self.sources.changed(key)
        superseded = asyncio.ensure_future(moved.wait())
        try:
            cancel = self.gates("CancelHealthCheckOnNewRevision")
            await asyncio.wait({waiting, superseded} if cancel else {waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            superseded.cancel()
            self.sources.forget(key, moved)
            if not waiting.done():
                waiting.cancel()
        if waiting.cancelled() or not waiting.done():
            message = (
                f"health check canceled: a new revision of the source appeared while waiting for {artifact.revision}"
            )
            unhealthy = ConditionState("False", "HealthCheckCanceled", message)
            raise ReconcileError(message, reason="HealthCheckCanceled", status=fields, conditions={HEALTHY: unhealthy})
        result = waiting.result()
        if not result.ready:
            message = f"health check failed after {format_duration(timeout)}: {result.health.message}"
            unhealthy = ConditionState("False", "HealthCheckFailed", message)
            raise ReconcileError(message, reason="HealthCheckFailed", status=fields, conditions={HEALTHY: unhealthy})
        return {HEALTHY: ConditionState("True", "Succeeded", "Health check passed")}

    async def finalize(self, ks: Kustomization) -> None:
        """Delete what the Kustomization applied when its deletion policy says so (never when suspended)."""
        inventory = ks.status.inventory
        if not deletes_on_finalize(ks.spec.deletion_policy, prune=ks.spec.prune, suspended=ks.spec.suspend,
                                   inventory=inventory):  # fmt: skip
            return
        client = await self.clusters.client(ks)
        labels = owner_labels(ks.metadata.name, ks.metadata.namespace or "")
        try:
            deleted = await prune(client, inventory_refs(inventory), PruneOptions(owner_labels=labels))
        except PruneError as error:
            raise ReconcileError(f"garbage collection failed: {error}", reason="PruneFailed") from error
        if waits_for_termination(ks.spec.deletion_policy):
            gone = [change.ref for change in deleted if change.action is Action.DELETED]
            remaining = await wait_terminated(client, gone, timeout=self.apply_timeout(ks), watcher=self.watcher)
            if remaining:
                names = ", ".join(str(ref) for ref in remaining)
                raise ReconcileError(f"garbage collection: still terminating after the timeout: {names}",
                                     reason="PruneFailed")  # fmt: skip
