"""The Kustomization reconciler: source artifact → build → decrypt → staged apply → prune → health → status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

from reflow.api.annotations import DRIFT_MODE
from reflow.api.conditions import (
    ACCESS_DENIED,
    BUILD_FAILED,
    DEPENDENCY_NOT_READY,
    DRIFT_DETECTED,
    DRIFTED,
    FEATURE_GATE_DISABLED,
    HEALTH_CHECK_CANCELED,
    HEALTH_CHECK_FAILED,
    HEALTHY,
    INVALID_CEL_EXPRESSION,
    INVALID_SPEC,
    NO_DRIFT_DETECTED,
    PRUNE_FAILED,
    RECONCILIATION_SUCCEEDED,
    SUCCEEDED,
    is_true,
)
from reflow.api.duration import format_duration, go_duration_string
from reflow.api.kustomize import Kustomization
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import ExternalArtifact
from reflow.api.wire import render
from reflow.controllers.clusters import Clusters
from reflow.controllers.dependson.gate import DependsOnGate
from reflow.controllers.kustomize.decryptor import SopsDecryptor
from reflow.controllers.kustomize.history import manifests_digest
from reflow.controllers.kustomize.inputs import decryption_keys, substitution_sources
from reflow.controllers.kustomize.run import Run
from reflow.controllers.options import ControllerOptions
from reflow.controllers.sources import SOURCE_KINDS, SourceArtifact, SourceKey, Sources
from reflow.engines.artifact import ArtifactError, ArtifactUnavailable, DigestMismatch, Extractions
from reflow.engines.build import BuildFailed, BuildRequest, BuildSpec, Owner, Pipeline, Substitution
from reflow.engines.health.cel import CELStatusReader, Expression, InvalidExpression, ready_expression, status_reader
from reflow.engines.sops import SopsError
from reflow.engines.ssa import (
    Applier,
    ApplyError,
    ApplyOptions,
    Change,
    ChangeSet,
    GroupKind,
    IgnoreRules,
    ObjectWatcher,
    PruneError,
    PruneOptions,
    Recall,
    WaitCanceled,
    apply_staged,
    deletes_on_finalize,
    owner_labels,
    prune,
    stale,
    wait_ready,
    wait_terminated,
)
from reflow.engines.ssa.changeset import Action
from reflow.engines.ssa.detect import Drift, DriftMode, describe, drifts
from reflow.engines.ssa.inventory import refs as inventory_refs
from reflow.engines.ssa.prune import waits_for_termination
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.events import COMMIT_STATUS, COMMIT_STATUS_UPDATE, RECONCILE
from reflow.runtime.features import EXTERNAL_ARTIFACT_GATE, FeatureGates
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import ConditionState, Notice, Result

FIELD_MANAGER = Kustomization.KIND.controller
APPLY = "Apply"
"""The event action of the change set (Flux 2.10's kustomize-controller actions; the rest are `Reconcile`)."""
FAILURE_ACTIONS = {
    DEPENDENCY_NOT_READY: "CheckDependencies",
    ACCESS_DENIED: "ResolveSource",
    HEALTH_CHECK_FAILED: "HealthCheck",
    HEALTH_CHECK_CANCELED: "HealthCheck",
    INVALID_CEL_EXPRESSION: "HealthCheck",
    PRUNE_FAILED: "Prune",
}
"""The action of a failure event by its reason, as kustomize-controller 1.10 names them."""
ALWAYS_CURRENT = frozenset(
    {"ConfigMap", "Secret", "ServiceAccount", "Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding",
     "NetworkPolicy", "LimitRange", "Namespace"}
)  # fmt: skip
"""Kinds kstatus calls Current as soon as they exist: a health check need not watch them after an apply."""


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
        raise StalledError(f"invalid CEL expression: {error}", reason=INVALID_CEL_EXPRESSION) from error
    return reader, ready


def unhealthy(run: Run, reason: str, message: str, *, recorded: bool = True) -> ReconcileError:
    """The failure of a health check: Ready and Healthy both False with `reason`, in the history when `recorded`."""
    state = ConditionState("False", reason, message)
    status = run.status(reason if recorded else None)
    return ReconcileError(message, reason=reason, status=status, conditions={HEALTHY: state})


def ignore_rules(ks: Kustomization) -> IgnoreRules:
    """Compile `spec.ignore`; an invalid pointer, regular expression or selector stalls the Kustomization."""
    try:
        return IgnoreRules.compile(ks.spec.ignore)
    except ValueError as error:
        raise StalledError(f"invalid drift ignore rule: {error}", reason=INVALID_SPEC) from error


def drift_mode(ks: Kustomization) -> DriftMode:
    """The `reflow.dev/drift-mode` annotation's mode; an unknown value stalls the Kustomization."""
    try:
        return DriftMode.parse((ks.metadata.annotations or {}).get(DRIFT_MODE))
    except ValueError as error:
        raise StalledError(f"invalid {DRIFT_MODE} annotation: {error}", reason=INVALID_SPEC) from error


def already_applied(ks: Kustomization, digest: str) -> bool:
    """Whether the last run applied exactly these manifests (its snapshot has their digest and got past the apply)."""
    history = ks.status.history
    return bool(history) and history[0].digest == digest and history[0].last_reconciled_status in (
        RECONCILIATION_SUCCEEDED, HEALTH_CHECK_FAILED)  # fmt: skip


def drift_condition(mode: DriftMode, found: tuple[Drift, ...] | None, revision: str) -> ConditionState | None:
    """The Drifted condition: absent in correct mode; in detect mode True while drift is left in place."""
    if mode is DriftMode.CORRECT:
        return None
    if found is None:
        return ConditionState("False", NO_DRIFT_DETECTED, f"Applied revision {revision}: nothing left drifted")
    return ConditionState("True" if found else "False", DRIFT_DETECTED if found else NO_DRIFT_DETECTED,
                          describe(found, revision))  # fmt: skip


def finished(run: Run) -> Notice:
    """Flux's "Reconciliation finished" event, which commit-status providers take as the deployment of the revision."""
    message = (f"Reconciliation finished in {go_duration_string(run.took)}, "
               f"next run in {go_duration_string(run.ks.spec.interval)}")  # fmt: skip
    return Notice(RECONCILIATION_SUCCEEDED, message, {**run.event_metadata(), COMMIT_STATUS: COMMIT_STATUS_UPDATE})


def change_event(changes: ChangeSet) -> str | None:
    """Flux's event text listing what changed (`Kind/ns/name created`), or None when nothing did."""
    lines = [f"{change.ref} {change.action}" for change in changes if change.action.changed]
    return "\n".join(lines) or None


class KustomizationReconciler(Reconciler[Kustomization]):
    """Applies a source's manifests as a Kustomization describes, and prunes and health-checks them."""

    api_version = Kustomization.KIND.api_version
    kind = Kustomization.KIND.kind

    def __init__(
        self,
        kube: Kube,
        *,
        sources: Sources,
        pipeline: Pipeline,
        extractions: Extractions,
        clusters: Clusters,
        watcher: ObjectWatcher,
        dependencies: DependsOnGate,
        options: ControllerOptions,
        gates: FeatureGates,
        requeue_dependency: float,
    ) -> None:
        self.kube = kube
        self.sources = sources
        self.pipeline = pipeline
        self.extractions = extractions
        self.clusters = clusters
        self.watcher = watcher
        self.dependencies = dependencies
        self.options = options
        self.gates = gates
        self.requeue_dependency = requeue_dependency
        self.recall = Recall()
        """What this controller's applies left of each object, kept across reconciles (see `Recall`)."""

    def parse(self, obj: Manifest) -> Kustomization:
        return parse_kind(Kustomization, obj)

    def interval(self, ks: Kustomization) -> float:
        return ks.spec.interval

    def retry_interval(self, ks: Kustomization) -> float:
        return ks.spec.retry_interval or ks.spec.interval

    def apply_timeout(self, ks: Kustomization) -> float:
        """Seconds for apply and health checks: `spec.timeout`, else the interval less 30 s."""
        return ks.spec.timeout or default_timeout(ks.spec.interval)

    def timeout(self, ks: Kustomization) -> float:
        return self.apply_timeout(ks) + 60.0

    def event_action(self, reason: str) -> str:
        return FAILURE_ACTIONS.get(reason, RECONCILE)

    def related_object(self, obj: Manifest) -> Manifest | None:
        """The source, as kustomize-controller 1.10 sends it with every event."""
        ref = (obj.get("spec") or {}).get("sourceRef") or {}
        info = next((kind for kind in SOURCE_KINDS if kind.kind == ref.get("kind")), None)
        if info is None or not ref.get("name"):
            return None
        namespace = ref.get("namespace") or obj["metadata"].get("namespace") or ""
        return {"apiVersion": info.api_version, "kind": info.kind, "name": ref["name"], "namespace": namespace}

    def source_key(self, ks: Kustomization) -> SourceKey:
        ref = ks.spec.source_ref
        return ref.kind, ref.namespace or ks.metadata.namespace or "", ref.name

    async def _client(self, ks: Kustomization) -> Kube:
        """The client to apply `ks` with: its kubeConfig's cluster, as its ServiceAccount."""
        return await self.clusters.client(ks.metadata.namespace or "default", ks.spec.kube_config,
                                          ks.spec.service_account_name)  # fmt: skip

    async def reconcile(self, ks: Kustomization, progress: Progress) -> Result:
        """Apply the source's manifests for this Kustomization, prune what left them, and check their health."""
        started = time.monotonic()
        health, ready_exprs = expressions(ks)
        ignore = ignore_rules(ks)
        artifact = self._ready_artifact(ks)
        self._check_dependencies(ks, artifact.revision, ready_exprs)
        client = await self._client(ks)
        run = Run(ks=ks, artifact=artifact, client=client, timeout=self.apply_timeout(ks), health=health,
                  progress=progress, started=started)  # fmt: skip
        mode = drift_mode(ks)
        objects = await self._build(run)
        run = replace(run, digest=await asyncio.to_thread(manifests_digest, objects))
        found: tuple[Drift, ...] | None = None
        if mode is DriftMode.DETECT and already_applied(ks, run.digest or ""):
            applied, found = await self._detect(run, objects, ignore)
        else:
            applied = await self._apply(run, objects, ignore)
        run = replace(run, applied=applied)
        if ks.spec.prune:
            run = replace(run, pruned=await self._prune(run, stale(ks.status.inventory, applied.inventory())))
        healthy = await self._health(run, applied)
        drift = drift_condition(mode, found, artifact.revision)
        warnings = (
            (Notice(DRIFT_DETECTED, describe(found, artifact.revision), run.event_metadata(), warning=True),)
            if found
            else ()
        )
        return Result(
            ready=f"Applied revision: {artifact.revision}",
            reason=RECONCILIATION_SUCCEEDED,
            status=run.applied_status(),
            conditions={HEALTHY: healthy, DRIFTED: drift},
            event=change_event(run.changes),
            event_reason=RECONCILIATION_SUCCEEDED,
            event_metadata=run.event_metadata(),
            event_action=APPLY,
            notices=(*warnings, finished(run)),
        )

    def _ready_artifact(self, ks: Kustomization) -> SourceArtifact:
        key = self.source_key(ks)
        if key[0] == ExternalArtifact.KIND.kind and not self.gates(EXTERNAL_ARTIFACT_GATE):
            raise StalledError(f"source '{key[2]}' kind 'ExternalArtifact' not supported: start the controller "
                               f"with --feature-gates={EXTERNAL_ARTIFACT_GATE}=true",
                               reason=FEATURE_GATE_DISABLED)  # fmt: skip
        if self.options.no_cross_namespace_refs and key[1] != ks.metadata.namespace:
            raise StalledError(f"cannot access {key[0]}/{key[1]}/{key[2]}: cross-namespace references are disabled",
                               reason=ACCESS_DENIED)  # fmt: skip
        return self.sources.ready_artifact(key, requeue_after=self.requeue_dependency)

    def _check_dependencies(self, ks: Kustomization, revision: str, ready_exprs: Sequence[Expression | None]) -> None:
        """Wait for every dependency: its `readyExpr` when set, else (or also, with the
        `AdditiveCELDependencyCheck` gate) the built-in check; a dependency cycle stalls."""
        this = {"apiVersion": self.api_version, "kind": self.kind, **render(ks)}
        additive = self.gates("AdditiveCELDependencyCheck")
        self.dependencies.check(this, ks.spec.depends_on, ready_exprs, revision=revision, additive=additive)

    async def _build(self, run: Run) -> tuple[Manifest, ...]:
        ks, artifact = run.ks, run.artifact
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
            await run.progress(f"Fetching manifests for revision {artifact.revision} with a timeout of "
                               f"{format_duration(run.timeout)}")  # fmt: skip
            async with self._fetch(run) as root:
                await run.progress(f"Building manifests for revision {artifact.revision}")
                return (await self.pipeline.build(replace(request, root=root))).objects
        except BuildFailed as error:
            raise ReconcileError(f"build failed: {error}", reason=error.reason, status=run.status()) from error
        except (SopsError, ValueError) as error:
            raise ReconcileError(f"build failed: {error}", reason=BUILD_FAILED, status=run.status()) from error

    @asynccontextmanager
    async def _fetch(self, run: Run) -> AsyncIterator[Path]:
        """The artifact's extraction, shared with every Kustomization on this revision (read-only).

        An artifact that is being replaced (its digest does not match yet) or cannot be had right now
        (the source controller restarting, re-storing it) is waited for, not failed: the source's next
        artifact event or `--requeue-dependency` brings the run back, as in Flux."""
        source = "/".join(self.source_key(run.ks))
        try:
            async with self.extractions.open(source, run.artifact.url, run.artifact.digest or "") as root:
                yield root
        except (DigestMismatch, ArtifactUnavailable) as error:
            raise Waiting(str(error), reason=error.reason, requeue_after=self.requeue_dependency,
                          status=run.status()) from error  # fmt: skip
        except ArtifactError as error:
            raise ReconcileError(f"failed to fetch artifact: {error}", reason=error.reason,
                                 status=run.status()) from error  # fmt: skip

    async def _apply(self, run: Run, objects: Sequence[Manifest], ignore: IgnoreRules) -> ChangeSet:
        try:
            return await apply_staged(run.client, objects, self._apply_options(run, ignore), watcher=self.watcher,
                                      recall=self.recall)  # fmt: skip
        except ApplyError as error:
            raise ReconcileError(str(error), reason=error.reason, status=run.status(error.reason)) from error

    async def _detect(
        self, run: Run, objects: Sequence[Manifest], ignore: IgnoreRules
    ) -> tuple[ChangeSet, tuple[Drift, ...]]:
        """Dry-run the manifests already applied and report what drifted, writing nothing (drift mode detect).

        Every object stays in the inventory as unchanged, so the prune and the health checks see the same set.
        """
        applier = Applier(run.client, self._apply_options(run, ignore), self.watcher, recall=self.recall)
        try:
            plans = await applier.plan_all(objects)
        except ApplyError as error:
            raise ReconcileError(str(error), reason=error.reason, status=run.status(error.reason)) from error
        kept = ChangeSet.of(
            Change.of(p.ref, Action.SKIPPED if p.action is Action.SKIPPED else Action.UNCHANGED) for p in plans
        )
        return kept, drifts(plans, ignore)

    def _apply_options(self, run: Run, ignore: IgnoreRules) -> ApplyOptions:
        return ApplyOptions(
            field_manager=FIELD_MANAGER,
            force=run.ks.spec.force,
            concurrency=self.options.concurrent_ssa,
            wait_timeout=min(60.0, run.timeout),
            custom_stage_kinds=frozenset(GroupKind.parse(kind) for kind in self.options.custom_apply_stage_kinds),
            override_managers=self.options.override_managers,
            override_managers_before_dry_run=self.options.override_managers_before_dry_run,
            ignore=ignore,
        )

    async def _prune(self, run: Run, doomed: Iterable[ObjectRef]) -> ChangeSet:
        labels = owner_labels(run.ks.metadata.name, run.ks.metadata.namespace or "")
        try:
            return await prune(run.client, doomed, PruneOptions(owner_labels=labels))
        except PruneError as error:
            raise ReconcileError(str(error), reason=error.reason, status=run.status(error.reason)) from error

    async def _health(self, run: Run, applied: ChangeSet) -> ConditionState | None:
        """The Healthy condition once the checked objects are Current; None when nothing is checked.

        A newer revision of the source cancels the wait (`CancelHealthCheckOnNewRevision`).
        """
        refs = health_refs(run.ks, applied, run.health)
        if not refs:
            return None
        if not is_true(run.ks.status.conditions, HEALTHY) or change_event(run.changes):
            await run.progress(f"Running health checks for revision {run.artifact.revision} with a timeout of "
                               f"{format_duration(run.timeout)}")  # fmt: skip
        override = run.health if run.health.rules else None
        cancel = self.gates("CancelHealthCheckOnNewRevision")
        try:
            with self.sources.new_artifact(self.source_key(run.ks)) as moved:
                result = await wait_ready(run.client, refs, timeout=run.timeout, watcher=self.watcher,
                                          status_override=override, cancel_when=moved if cancel else None)  # fmt: skip
        except WaitCanceled as error:
            revision = run.artifact.revision
            message = f"health check canceled: a new revision of the source appeared while waiting for {revision}"
            raise unhealthy(run, error.reason, message, recorded=False) from error
        if not result.ready:
            message = f"health check failed after {format_duration(run.timeout)}: {result.health.message}"
            raise unhealthy(run, HEALTH_CHECK_FAILED, message)
        return ConditionState("True", SUCCEEDED, "Health check passed")

    async def finalize(self, ks: Kustomization) -> None:
        """Delete what the Kustomization applied when its deletion policy says so (never when suspended)."""
        inventory = ks.status.inventory
        if not deletes_on_finalize(ks.spec.deletion_policy, prune=ks.spec.prune, suspended=ks.spec.suspend,
                                   inventory=inventory):  # fmt: skip
            return
        client = await self._client(ks)
        labels = owner_labels(ks.metadata.name, ks.metadata.namespace or "")
        try:
            deleted = await prune(client, inventory_refs(inventory), PruneOptions(owner_labels=labels))
        except PruneError as error:
            raise ReconcileError(f"garbage collection failed: {error}", reason=error.reason) from error
        if waits_for_termination(ks.spec.deletion_policy):
            gone = [change.ref for change in deleted if change.action is Action.DELETED]
            remaining = await wait_terminated(client, gone, timeout=self.apply_timeout(ks), watcher=self.watcher)
            if remaining:
                names = ", ".join(str(ref) for ref in remaining)
                raise ReconcileError(f"garbage collection: still terminating after the timeout: {names}",
                                     reason=PRUNE_FAILED)  # fmt: skip
