"""The HelmRelease reconciler: dependencies → chart artifact → values → the release loop → status and events."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import aiohttp

from reflow.api.annotations import FORCE_AT, REQUESTED_AT, RESET_AT
from reflow.api.conditions import (
    ARTIFACT_FAILED,
    FEATURE_GATE_DISABLED,
    INVALID_CEL_EXPRESSION,
    INVALID_SPEC,
    RECONCILIATION_SUCCEEDED,
    UNINSTALL_SUCCEEDED,
    VALUES_ERROR,
)
from reflow.api.helm import HelmRelease
from reflow.api.meta import Manifest
from reflow.api.wire import render_object
from reflow.controllers.clusters import Clusters
from reflow.controllers.dependson.gate import DependsOnGate
from reflow.controllers.helm import charts
from reflow.controllers.helm.ledger import Ledger
from reflow.controllers.helm.release import Emit, Finished, Plan, ReleaseLoop
from reflow.controllers.helm.uninstall import uninstall
from reflow.controllers.helm.values import release_values
from reflow.controllers.sources import SourceArtifact, Sources
from reflow.engines.artifact import ArtifactError, DigestMismatch, FetchOptions, download
from reflow.engines.health.cel import InvalidExpression, ready_expression, status_reader
from reflow.engines.helm import actions, postrender
from reflow.engines.helm.chart import ChartError, ChartMetadata, chart_metadata, digest_version, with_version
from reflow.engines.helm.cluster import kubeconfig_for
from reflow.engines.helm.place import Place, moved_from, place_of, recorded_place
from reflow.engines.helm.run import Helm, Target
from reflow.engines.helm.values import ValuesError, digest_values
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.events import NORMAL, EventRecorder, event_for
from reflow.runtime.features import EXTERNAL_ARTIFACT_GATE, FeatureGates
from reflow.runtime.reconciler import Progress, Reconciler, parse_kind
from reflow.runtime.result import Result

DEFAULT_RETRY_INTERVAL = 300.0
"""Seconds before retrying with `RetryOnFailure` when `retryInterval` is unset (Flux's 5m)."""
ACTIONS_PER_RUN = 4
"""Helm actions a reconcile may run back to back (unlock, release, test, remediate): its time limit allows them."""


def requested(hr: HelmRelease, annotation: str) -> str | None:
    """The token of `forceAt` or `resetAt` when it is new and matches `requestedAt`, as Flux requires; else None."""
    annotations = hr.metadata.annotations
    token = annotations.get(annotation)
    handled = hr.status.last_handled_force_at if annotation == FORCE_AT else hr.status.last_handled_reset_at
    if not token or token != annotations.get(REQUESTED_AT) or token == handled:
        return None
    return token


def oci_digest(artifact: SourceArtifact) -> str | None:
    """The OCI manifest digest of an OCIRepository artifact: its revision's `@sha256:…`, else the file digest."""
    _, at, digest = artifact.revision.rpartition("@")
    return digest if at else artifact.digest


class HelmReleaseReconciler(Reconciler[HelmRelease]):
    """Installs, upgrades, tests and remediates a Helm release as a HelmRelease describes."""

    api_version = HelmRelease.KIND.api_version
    kind = HelmRelease.KIND.kind

    def __init__(
        self,
        kube: Kube,
        *,
        sources: Sources,
        helm: Helm,
        dependencies: DependsOnGate,
        requeue_dependency: float,
        gates: FeatureGates,
        clusters: Clusters,
    ) -> None:
        self.gates = gates
        self.kube = kube
        self.sources = sources
        self.helm = helm
        self.dependencies = dependencies
        self.requeue_dependency = requeue_dependency
        self.clusters = clusters
        self.recorder: EventRecorder | None = None
        """Set by the controller's setup: records the event of each Helm action."""

    def parse(self, obj: Manifest) -> HelmRelease:
        hr = parse_kind(HelmRelease, obj)
        if (hr.spec.chart is None) == (hr.spec.chart_ref is None):
            raise StalledError("invalid HelmRelease: either chart or chartRef must be set", reason=INVALID_SPEC)
        return hr

    def interval(self, hr: HelmRelease) -> float:
        return hr.spec.interval

    def retry_interval(self, hr: HelmRelease) -> float:
        """`strategy.retryInterval` with `RetryOnFailure` (5m by default), else the interval."""
        for settings in (hr.spec.upgrade, hr.spec.install):
            strategy = settings.strategy if settings else None
            if strategy and strategy.name == "RetryOnFailure":
                return strategy.retry_interval or DEFAULT_RETRY_INTERVAL
        if self.gates("DefaultToRetryOnFailure"):
            return DEFAULT_RETRY_INTERVAL
        return hr.spec.interval

    def timeout(self, hr: HelmRelease) -> float:
        return ACTIONS_PER_RUN * (actions.action_timeout(hr.spec, None) + 30.0) + 60.0

    async def client(self, hr: HelmRelease) -> Kube:
        """The client to release with: the cluster of `kubeConfig` (else this one), impersonating
        `serviceAccountName` (else `--default-service-account`, on this cluster only)."""
        return await self.clusters.client(hr.metadata.namespace or "default", hr.spec.kube_config,
                                          hr.spec.service_account_name)  # fmt: skip

    async def reconcile(self, hr: HelmRelease, progress: Progress) -> Result:
        """Release the chart with the values, as the state machine decides, until the release is in sync."""
        place = place_of(hr)
        name, target, storage = place.release, place.namespace, place.storage
        if storage != target and not await self.helm.separates_storage():
            raise StalledError(
                f"the Helm storage namespace '{storage}' differs from the target namespace '{target}', and "
                f"{self.helm.binary} is stock helm, which keeps a release's records where it installs it: run the "
                "controller with reflow's helm build (`reflow dev tools`, or reflow's image), or set "
                f"spec.storageNamespace to '{target}'",
                reason=INVALID_SPEC,
            )
        try:
            health = status_reader(hr.spec.health_check_exprs)
        except InvalidExpression as error:
            raise StalledError(f"invalid CEL expression in healthCheckExprs: {error}",
                               reason=INVALID_CEL_EXPRESSION) from error  # fmt: skip
        client = await self.client(hr)
        self._check_dependencies(hr)
        ref = hr.spec.chart_ref
        if ref is not None and ref.kind == "ExternalArtifact" and not self.gates(EXTERNAL_ARTIFACT_GATE):
            raise StalledError(f"chartRef '{ref.name}' kind 'ExternalArtifact' not supported: start the controller "
                               f"with --feature-gates={EXTERNAL_ARTIFACT_GATE}=true",
                               reason=FEATURE_GATE_DISABLED)  # fmt: skip
        fields: dict[str, object] = {"storageNamespace": storage}
        if hr.spec.chart is not None:
            cached = self.sources.get(charts.chart_key(hr))
            fields["helmChart"] = await charts.ensure_chart(self.kube, hr, cached)
        try:
            artifact = self.sources.ready_artifact(charts.chart_key(hr), requeue_after=self.requeue_dependency)
        except Waiting as waiting:
            waiting.status = {**fields, **waiting.status}
            raise
        try:
            values = await release_values(self.kube, hr)
        except ValuesError as error:
            raise ReconcileError(str(error), reason=VALUES_ERROR, status=fields) from error
        config_digest = await asyncio.to_thread(digest_values, values)
        folder = Path(await asyncio.to_thread(tempfile.mkdtemp, prefix="reflow-chart-"))
        try:
            package = folder / "chart.tgz"
            key = charts.chart_key(hr)
            tracked = key[0] == "OCIRepository" and not self.gates("DisableChartDigestTracking")
            chart = await self._fetch_chart(artifact, package, fields, track_digest=tracked)
            attempted = (hr.status.last_attempted_generation, hr.status.last_attempted_revision,
                         hr.status.last_attempted_config_digest)  # fmt: skip
            reset, force = requested(hr, RESET_AT), requested(hr, FORCE_AT)
            changed = attempted != (hr.metadata.generation, chart.version, config_digest)
            ledger = Ledger.of(hr, reset=changed or reset is not None)
            ledger.force = force is not None
            if reset is not None:
                ledger.fields["lastHandledResetAt"] = reset
            if force is not None:
                ledger.fields["lastHandledForceAt"] = force
            ledger.fields.update(fields)
            relocation = moved_from(hr, place, chart.name)
            if relocation is not None:
                await self._uninstall_moved(hr, client, *relocation, emit=self._emitter(hr, chart, config_digest))
                ledger.forget_release()
            ledger.fields.update({
                "lastAttemptedGeneration": hr.metadata.generation,
                "lastAttemptedRevision": chart.version,
                "lastAttemptedRevisionDigest": artifact.digest,
                "lastAttemptedConfigDigest": config_digest,
            })  # fmt: skip
            plan = Plan(
                hr=hr, release=name, target=Target(kubeconfig=await kubeconfig_for(client, target), namespace=target,
                                                   storage_namespace=storage),
                chart_path=package, chart=chart, values=values, config_digest=config_digest,
                post_renderers_digest=postrender.digest(hr.spec.post_renderers) if hr.spec.post_renderers else None,
                common_metadata_digest=postrender.common_metadata_digest(hr.spec.common_metadata),
                helm3_defaults=self.gates("UseHelm3Defaults"), health=health,
                oci_digest=oci_digest(artifact) if tracked else None,
                default_retry=self.gates("DefaultToRetryOnFailure"),
            )  # fmt: skip
            emit = self._emitter(hr, chart, config_digest)
            try:
                with self.sources.new_artifact(key) as moved:
                    cancel = moved if self.gates("CancelHealthCheckOnNewRevision") else None
                    finished = await ReleaseLoop(self.helm, client, plan, ledger, emit, progress,
                                                 cancel_when=cancel).run()  # fmt: skip
            except ReconcileError as error:
                error.status = {**ledger.status(actions.max_history(hr.spec)), **error.status}
                error.conditions = {**ledger.conditions, **error.conditions}
                raise
        finally:
            await asyncio.to_thread(shutil.rmtree, folder, True)
        done = finished or Finished(reason=RECONCILIATION_SUCCEEDED, message=f"Helm release {target}/{name} is in sync")
        return Result(ready=done.message, reason=done.reason, status=ledger.status(actions.max_history(hr.spec)),
                      conditions=ledger.conditions)  # fmt: skip

    def _check_dependencies(self, hr: HelmRelease) -> None:
        """Wait for every dependency, of any kind: its `readyExpr` when set, else Ready; a cycle stalls."""
        try:
            ready_exprs = [ready_expression(d.ready_expr) if d.ready_expr else None for d in hr.spec.depends_on]
        except InvalidExpression as error:
            raise StalledError(f"invalid readyExpr of a dependency: {error}", reason=INVALID_CEL_EXPRESSION) from error
        self.dependencies.check(render_object(hr), hr.spec.depends_on, ready_exprs)

    async def _fetch_chart(
        self, artifact: SourceArtifact, package: Path, fields: dict[str, object], *, track_digest: bool
    ) -> ChartMetadata:
        """Download the chart package (digest-checked) and read its metadata; with `track_digest` (an
        OCIRepository) the artifact's digest becomes the chart version's build metadata, as Flux does."""
        downloaded = package.with_name("downloaded.tgz")
        try:
            async with aiohttp.ClientSession() as session:
                await download(artifact.url, artifact.digest or "", downloaded, session=session,
                               options=FetchOptions())  # fmt: skip
            chart = await asyncio.to_thread(chart_metadata, downloaded)
            if not track_digest:
                await asyncio.to_thread(downloaded.rename, package)
                return chart
            version = digest_version(chart.version, artifact.revision, artifact.digest)
            await asyncio.to_thread(with_version, downloaded, version, package)
            return replace(chart, version=version)
        except DigestMismatch as error:
            raise Waiting(str(error), reason=ARTIFACT_FAILED, requeue_after=self.requeue_dependency,
                          status=fields) from error  # fmt: skip
        except (ArtifactError, ChartError) as error:
            raise ReconcileError(f"failed to load chart: {error}", reason=ARTIFACT_FAILED, status=fields) from error

    def _emitter(self, hr: HelmRelease, chart: ChartMetadata, config_digest: str) -> Emit:
        manifest = render_object(hr)
        metadata = {"revision": chart.version, "token": config_digest}
        if chart.app_version:
            metadata["app-version"] = chart.app_version

        async def emit(type_: str, reason: str, message: str, action: str) -> None:
            if self.recorder is not None:
                await self.recorder.emit(event_for(manifest, type_, reason, message, metadata, action=action))

        return emit

    async def _uninstall_moved(self, hr: HelmRelease, client: Kube, old: Place, why: str, *, emit: Emit) -> None:
        """Uninstall the release from the place it moved away from, as Flux does before installing it anew."""
        if await uninstall(self.helm, client, hr, old):
            await emit(NORMAL, UNINSTALL_SUCCEEDED,
                       f"Helm uninstall succeeded for release {old.namespace}/{old.release} ({why})",
                       "HelmUninstall")  # fmt: skip

    async def finalize(self, hr: HelmRelease) -> None:
        """Uninstall the release this HelmRelease made (`spec.uninstall`), and delete the HelmChart it created."""
        recorded = recorded_place(hr)
        if recorded is not None:
            await uninstall(self.helm, await self.client(hr), hr, recorded)
        chart = charts.recorded_chart(hr)
        if chart is not None:
            await charts.delete_chart(self.kube, *chart)
