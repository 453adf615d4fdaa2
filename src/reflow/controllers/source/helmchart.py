"""The HelmChart reconciler: pull a chart from a HelmRepository, or package one from a Git or Bucket artifact,
and store it as the `.tgz` artifact `<chart>-<version>.tgz` whose revision is the chart version.

The index comes from the HelmRepository's artifact (through the shared index cache), never from the
network: 200 HelmCharts on one repository cost the one index fetch the HelmRepository makes. A chart is
downloaded or built only when its name or computed version differs from the stored one, or the spec
changed; otherwise nothing is written. With `spec.verify`, a chart from an OCI registry is served only once a
key of the verification Secret verified its cosign signature (checked on every reconcile, as Flux does).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from reflow.api.artifact import Artifact
from reflow.api.conditions import (
    ARTIFACT_IN_STORAGE,
    ARTIFACT_OUTDATED,
    BUILD_FAILED_CONDITION,
    CHART_PACKAGE_SUCCEEDED,
    CHART_PULL_SUCCEEDED,
    FETCH_FAILED,
    INVALID_PROVIDER_CONFIGURATION,
    NO_SOURCE_ARTIFACT,
    SOURCE_UNAVAILABLE,
    SOURCE_VERIFIED,
    STORAGE_OPERATION_FAILED,
    VERIFICATION_ERROR,
)
from reflow.api.helmsource import HelmChart, HelmRepository
from reflow.api.meta import Manifest
from reflow.api.wire import parse, parse_object, render
from reflow.controllers.source.chartverify import Verdict, refuse_verify, verify_chart
from reflow.controllers.source.helmrepository import DEFAULT_TIMEOUT, client_options, registry_access
from reflow.controllers.source.signatures import trusted_keys
from reflow.controllers.source.stored import SourceReconciler, intact, storage_failed
from reflow.engines.artifact import ArtifactError, Storage, artifact_path, extract_tarball
from reflow.engines.artifact.storage import StorageError
from reflow.engines.helmchart import (
    Built,
    ChartError,
    ChartLimits,
    ChartVerificationError,
    DependencyBuildError,
    DependencyRepository,
    Packager,
    Recipe,
    build_local,
    build_pulled,
    chart_parts,
    download_chart,
    exact_version,
    plan_local,
    read_chart_archive,
    select_version,
    values_files_in_effect,
    version_metadata,
    with_metadata,
)
from reflow.engines.helmchart.oci import chart_reference, pull_chart
from reflow.engines.helmrepo import (
    ClientOptions,
    HelmRepoError,
    Index,
    IndexCache,
    fetch_index,
    load_index,
)
from reflow.engines.oci import AuthCache
from reflow.kube.client import Kube
from reflow.runtime.errors import ReconcileError, StalledError, Waiting
from reflow.runtime.reconciler import Progress, parse_kind
from reflow.runtime.result import ConditionState, Result

Lookup = Callable[[str, str, str], Manifest | None]
"""The cached source of a kind, namespace and name (None when there is none)."""
ByURL = Callable[[str, str], list[Manifest]]
"""The cached HelmRepositories of a namespace with a URL (trailing slashes dropped)."""
CHART_CONDITIONS = (FETCH_FAILED, BUILD_FAILED_CONDITION, STORAGE_OPERATION_FAILED, ARTIFACT_OUTDATED)


@dataclass(frozen=True, slots=True)
class Plan:
    """What the HelmChart's spec and source decide before the chart is looked at."""

    values_files: tuple[str, ...]
    """The values files in effect."""
    metadata: str
    """Build metadata for the chart version (empty: none)."""
    observed: Manifest
    """Status fields recorded whatever happens (the source revision seen)."""


def chart_failed(error: ChartError, status: Manifest) -> ReconcileError:
    """Ready=False and FetchFailed or BuildFailed with the error's reason; a persistent error stalls."""
    shown, cleared = (FETCH_FAILED, BUILD_FAILED_CONDITION) if error.fetch else (BUILD_FAILED_CONDITION, FETCH_FAILED)
    conditions = {shown: ConditionState("True", error.reason, str(error)), cleared: None}
    if isinstance(error, ChartVerificationError):
        conditions[SOURCE_VERIFIED] = ConditionState("False", VERIFICATION_ERROR, str(error))
    kind = StalledError if error.persistent else ReconcileError
    return kind(str(error), reason=error.reason, status=status, conditions=conditions)


class HelmChartReconciler(SourceReconciler[HelmChart]):
    """Publishes a Helm chart, pulled or packaged, as a `.tgz` artifact."""

    api_version = HelmChart.KIND.api_version
    kind = "HelmChart"

    def __init__(
        self,
        kube: Kube,
        storage: Storage,
        storage_ready: asyncio.Event,
        *,
        ttl: float,
        records: int,
        cache: IndexCache,
        lookup: Lookup,
        by_url: ByURL,
        packager: Packager,
        limits: ChartLimits,
        max_index_size: int,
        auth_cache: AuthCache | None = None,
    ):
        super().__init__(kube, storage, storage_ready, ttl=ttl, records=records)
        self.cache = cache
        self.lookup = lookup
        self.by_url = by_url
        self.packager = packager
        self.limits = limits
        self.max_index_size = max_index_size
        self.auth_cache = auth_cache or AuthCache()
        """Schemes, challenges and bearer tokens by registry for reading chart signatures."""

    def parse(self, obj: Manifest) -> HelmChart:
        return parse_kind(HelmChart, obj)

    def interval(self, chart: HelmChart) -> float:
        return chart.spec.interval

    async def reconcile(self, chart: HelmChart, progress: Progress) -> Result:
        spec, meta = chart.spec, chart.metadata
        await self.storage_ready.wait()
        ref = spec.source_ref
        source = self.lookup(ref.kind, meta.namespace or "", ref.name)
        if source is None:
            message = f"failed to get source: {ref.kind} '{meta.namespace}/{ref.name}' not found"
            condition = {FETCH_FAILED: ConditionState("True", SOURCE_UNAVAILABLE, message)}
            raise ReconcileError(message, reason=SOURCE_UNAVAILABLE, conditions=condition)
        repository = self._repository(source) if ref.kind == "HelmRepository" else None
        values_files = values_files_in_effect(spec.values_files)
        oci = repository is not None and repository.spec.type == "oci"
        artifact = None if oci else await self._source_artifact(chart, source)
        observed = {"observedSourceArtifactRevision": artifact.revision} if artifact else {}
        metadata = version_metadata(
            kind=ref.kind,
            strategy=spec.reconcile_strategy,
            source_revision=artifact.revision if artifact else "",
            values_files=values_files,
            generation=meta.generation or 0,
        )
        plan = Plan(values_files, metadata, observed)
        verdict: Verdict = {SOURCE_VERIFIED: None}
        try:
            if repository is not None and artifact is None:
                built, verdict = await self._pull_oci(chart, repository, plan, progress)
            elif repository is not None and artifact is not None:
                refuse_verify(chart, repository)
                built = await self._pull(chart, repository, artifact, plan, progress)
            else:
                assert artifact is not None
                built = await self._package(chart, artifact, plan, progress)
        except ChartError as error:
            raise chart_failed(error, observed) from error
        if isinstance(built, Result):
            return replace(built, conditions={**built.conditions, **verdict})
        return await self._store(chart, built, observed, verdict)

    async def finalize(self, chart: HelmChart) -> None:
        await self.storage.remove_all(self.kind, chart.metadata.namespace or "", chart.metadata.name)

    def _repository(self, source: Manifest) -> HelmRepository:
        try:
            return parse_object(HelmRepository, source)
        except ValueError as error:
            raise ReconcileError(f"the HelmRepository is invalid: {error}", reason=SOURCE_UNAVAILABLE) from error

    async def _source_artifact(self, chart: HelmChart, source: Manifest) -> Artifact:
        """The source's artifact, present in storage; Waiting (NoSourceArtifact) until there is one."""
        ref = chart.spec.source_ref
        stored = (source.get("status") or {}).get("artifact")
        artifact = None
        try:
            artifact = parse(Artifact, stored) if stored else None
        except ValueError:
            artifact = None
        if artifact is None or not self.storage.exists(artifact):
            message = f"no artifact available for {ref.kind} source '{ref.name}'"
            condition = {FETCH_FAILED: ConditionState("True", NO_SOURCE_ARTIFACT, message)}
            raise Waiting(message, reason=NO_SOURCE_ARTIFACT, requeue_after=chart.spec.interval, conditions=condition)
        return artifact

    async def _cached(
        self, chart: HelmChart, name: str, version: str, *, packaged: bool, observed: Manifest
    ) -> Result | None:
        """The unchanged result when the stored chart already is this name and version and the spec is the same."""
        status = chart.status
        if chart.metadata.generation != status.observed_generation or status.observed_chart_name != name:
            return None
        stored = render(status).get("artifact") or {}
        if stored.get("revision") != version or not await intact(self.storage, stored):
            return None
        built = Built(
            name=name, version=version, data=b"", packaged=packaged, values_files=status.observed_values_files
        )
        return Result(
            ready=built.summary(),
            reason=CHART_PACKAGE_SUCCEEDED if packaged else CHART_PULL_SUCCEEDED,
            status=observed,
            conditions=dict.fromkeys(CHART_CONDITIONS),
        )

    async def _index(self, repository: HelmRepository, artifact: Artifact) -> Index:
        """The repository's parsed index: from the shared cache, else read from its stored artifact and cached."""
        index = self.cache.get(artifact.path)
        if index is not None:
            self.cache.touch(artifact.path)
            return index
        local = self.storage.local_path(artifact.path)
        try:
            data = await asyncio.to_thread(local.read_bytes)
            index = await asyncio.to_thread(load_index, data)
        except (OSError, HelmRepoError) as error:
            name = f"{repository.metadata.namespace}/{repository.metadata.name}"
            raise ReconcileError(f"the stored index of HelmRepository '{name}' cannot be read: {error}") from error
        self.cache.set(artifact.path, index)
        return index

    async def _pull(
        self,
        chart: HelmChart,
        repository: HelmRepository,
        artifact: Artifact,
        plan: Plan,
        progress: Progress,
    ) -> Built | Result:
        spec, values_files, metadata, observed = chart.spec, plan.values_files, plan.metadata, plan.observed
        index = await self._index(repository, artifact)
        chosen = select_version(index, spec.chart, spec.version)
        version = with_metadata(chosen.version, metadata)
        cached = await self._cached(
            chart, chosen.name, version, packaged=bool(metadata or values_files), observed=observed
        )
        if cached is not None:
            return cached
        await progress(f"building artifact: new '{chosen.name}' chart with version '{version}'")
        options = await client_options(self.kube, repository)
        name = f"{repository.metadata.namespace}/{repository.metadata.name}"
        data = await download_chart(
            repository.spec.url,
            chosen,
            options,
            max_size=self.limits.max_chart_size,
            max_file_size=self.limits.max_file_size,
            name=name,
        )
        recipe = Recipe(version=version, values_files=values_files, ignore_missing=spec.ignore_missing_values_files)
        return await build_pulled(data, chosen.name, recipe, self.packager, self.limits)

    async def _package(
        self,
        chart: HelmChart,
        artifact: Artifact,
        plan: Plan,
        progress: Progress,
    ) -> Built | Result:
        spec, values_files, metadata, observed = chart.spec, plan.values_files, plan.metadata, plan.observed
        with tempfile.TemporaryDirectory(prefix="reflow-helmchart-") as scratch:
            source = Path(scratch) / "source"
            try:
                await asyncio.to_thread(extract_tarball, self.storage.local_path(artifact.path), source)
            except ArtifactError as error:
                raise ReconcileError(f"artifact untar error: {error}") from error
            found = await asyncio.to_thread(plan_local, source, spec.chart, self.limits)
            version = with_metadata(found.version, metadata)
            packaged = bool(plan.metadata or plan.values_files) or source.joinpath(*chart_parts(spec.chart)).is_dir()
            cached = await self._cached(chart, found.name, version, packaged=packaged, observed=observed)
            if cached is not None:
                return cached
            await progress(f"building artifact: new '{found.name}' chart with version '{version}'")
            recipe = Recipe(version=version, values_files=values_files, ignore_missing=spec.ignore_missing_values_files)
            return await build_local(
                source,
                spec.chart,
                recipe,
                self.packager,
                self.limits,
                repository_for=lambda url: self._dependency_repository(chart, url),
            )

    async def _pull_oci(
        self, chart: HelmChart, repository: HelmRepository, plan: Plan, progress: Progress
    ) -> tuple[Built | Result, Verdict]:
        """A chart from an OCI registry, pulled by helm, its signature checked first when `spec.verify` asks;
        an exact version already stored is not pulled again (but verified again, as Flux does)."""
        spec, namespace = chart.spec, chart.metadata.namespace or ""
        if repository.spec.provider != "generic":
            message = f"provider '{repository.spec.provider}' is not supported in this build; use 'generic'"
            raise StalledError(message, reason=INVALID_PROVIDER_CONFIGURATION)
        reference = chart_reference(repository.spec.url, spec.chart)
        trusted = None
        if spec.verify is not None:
            trusted = await trusted_keys(self.kube, namespace, spec.verify, reference.removeprefix("oci://"))
        access = await registry_access(self.kube, repository)
        digest: str | None = None
        verdict: Verdict = {SOURCE_VERIFIED: None}
        if exact_version(spec.version):
            version = with_metadata(spec.version, plan.metadata)
            if trusted is not None:
                digest, verdict = await verify_chart(
                    access, reference, trusted, version, self.auth_cache, tag=spec.version
                )
            packaged = bool(plan.metadata or plan.values_files)
            cached = await self._cached(chart, spec.chart, version, packaged=packaged, observed=plan.observed)
            if cached is not None:
                return cached, verdict
        pulled = await pull_chart(
            self.packager,
            reference,
            spec.version,
            access,
            max_size=self.limits.max_chart_size,
            max_file_size=self.limits.max_file_size,
        )
        found = read_chart_archive(pulled.data, max_file_size=self.limits.max_file_size)
        version = with_metadata(found.version, plan.metadata)
        if trusted is not None and digest != pulled.digest:
            _, verdict = await verify_chart(access, reference, trusted, version, self.auth_cache, digest=pulled.digest)
        packaged = bool(plan.metadata or plan.values_files)
        cached = await self._cached(chart, found.name, version, packaged=packaged, observed=plan.observed)
        if cached is not None:
            return cached, verdict
        await progress(f"building artifact: new '{found.name}' chart with version '{version}'")
        recipe = Recipe(
            version=version, values_files=plan.values_files, ignore_missing=spec.ignore_missing_values_files
        )
        return await build_pulled(pulled.data, found.name, recipe, self.packager, self.limits), verdict

    async def _dependency_repository(self, chart: HelmChart, url: str) -> DependencyRepository:
        """The repository of a dependency: a HelmRepository in the chart's namespace with that URL (its index
        and credentials), else the URL itself, fetched without credentials."""
        namespace = chart.metadata.namespace or ""
        for found in self.by_url(namespace, url.rstrip("/")):
            repository = self._repository(found)
            stored = (found.get("status") or {}).get("artifact")
            if repository.spec.type == "oci" or not stored:
                continue
            artifact = parse(Artifact, stored)
            if not self.storage.exists(artifact):
                continue
            index = await self._index(repository, artifact)
            return DependencyRepository(repository.spec.url, index, await client_options(self.kube, repository))
        options = ClientOptions(timeout=DEFAULT_TIMEOUT)
        try:
            data = await fetch_index(url, options, max_size=self.max_index_size)
            index = await asyncio.to_thread(load_index, data)
        except HelmRepoError as error:
            raise DependencyBuildError(f"repository '{url}': {error}") from error
        return DependencyRepository(url, index, options)

    async def _store(self, chart: HelmChart, built: Built, observed: Manifest, verdict: Verdict) -> Result:
        meta = chart.metadata
        try:
            path = artifact_path(self.kind, meta.namespace or "", meta.name, f"{built.name}-{built.version}.tgz")
            artifact = await self.storage.store_bytes(path, built.data, built.version)
            await self.storage.collect_garbage(artifact, ttl=self.ttl, records=self.records)
        except StorageError as error:
            raise storage_failed(error) from error
        summary = built.summary()
        reason = CHART_PACKAGE_SUCCEEDED if built.packaged else CHART_PULL_SUCCEEDED
        return Result(
            ready=summary,
            reason=reason,
            status={
                **observed,
                "artifact": render(artifact),
                "url": artifact.url,
                "observedChartName": built.name,
                "observedValuesFiles": list(built.values_files) or None,
            },
            conditions={
                **dict.fromkeys(CHART_CONDITIONS),
                ARTIFACT_IN_STORAGE: ConditionState("True", reason, summary),
                **verdict,
            },
            event=summary,
            event_reason=reason,
            event_metadata={"revision": built.version, "digest": artifact.digest or ""},
        )
