"""Where a HelmRelease's chart comes from: `chartRef`, or the HelmChart it creates and owns from `spec.chart`."""

from __future__ import annotations

import contextlib

from reflow.api.duration import go_duration_string
from reflow.api.helm import HelmRelease
from reflow.api.helmsource import HelmChart
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import ExternalArtifact, OCIRepository
from reflow.controllers.sources import SourceKey
from reflow.engines.helm.names import chart_object_name
from reflow.engines.helm.release import OWNER_NAME, OWNER_NAMESPACE
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

CHART_KINDS = (OCIRepository.KIND, HelmChart.KIND, ExternalArtifact.KIND)
"""The kinds whose artifact a HelmRelease installs from."""
FIELD_MANAGER = "helm-controller"


def chart_key(hr: HelmRelease) -> SourceKey:
    """(kind, namespace, name) of the object whose artifact holds the chart."""
    namespace = hr.metadata.namespace or ""
    if hr.spec.chart_ref is not None:
        ref = hr.spec.chart_ref
        return ref.kind, ref.namespace or namespace, ref.name
    assert hr.spec.chart is not None
    source_namespace = hr.spec.chart.spec.source_ref.namespace or namespace
    return HelmChart.KIND.kind, source_namespace, chart_object_name(namespace, hr.metadata.name)


def chart_template(hr: HelmRelease) -> Manifest:
    """The HelmChart `spec.chart` describes, labelled as this release's."""
    assert hr.spec.chart is not None
    template = hr.spec.chart
    spec = template.spec
    kind, namespace, name = chart_key(hr)
    labels = {**(template.metadata.labels if template.metadata else {}),
              OWNER_NAME: hr.metadata.name, OWNER_NAMESPACE: hr.metadata.namespace or ""}  # fmt: skip
    metadata: Manifest = {"name": name, "namespace": namespace, "labels": labels}
    if template.metadata and template.metadata.annotations:
        metadata["annotations"] = dict(template.metadata.annotations)
    source_ref: Manifest = {"kind": spec.source_ref.kind, "name": spec.source_ref.name}
    if spec.source_ref.api_version:
        source_ref["apiVersion"] = spec.source_ref.api_version
    body: Manifest = {
        "chart": spec.chart,
        "version": spec.version,
        "sourceRef": source_ref,
        "interval": go_duration_string(spec.interval or hr.spec.interval),
        "reconcileStrategy": spec.reconcile_strategy,
    }
    if spec.values_files:
        body["valuesFiles"] = list(spec.values_files)
    if spec.ignore_missing_values_files:
        body["ignoreMissingValuesFiles"] = True
    if spec.verify is not None:
        verify: Manifest = {"provider": spec.verify.provider}
        if spec.verify.secret_ref is not None:
            verify["secretRef"] = {"name": spec.verify.secret_ref.name}
        body["verify"] = verify
    return {"apiVersion": HelmChart.KIND.api_version, "kind": kind, "metadata": metadata, "spec": body}


def recorded_chart(hr: HelmRelease) -> tuple[str, str] | None:
    """(namespace, name) of the HelmChart `status.helmChart` names (`<namespace>/<name>`), if any."""
    value = hr.status.helm_chart or ""
    parts = value.split("/")
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


async def ensure_chart(kube: Kube, hr: HelmRelease) -> str:
    """Create or update the HelmChart of `spec.chart`; delete one made for an earlier template; its `ns/name`."""
    manifest = chart_template(hr)
    await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
    _, namespace, name = chart_key(hr)
    previous = recorded_chart(hr)
    if previous is not None and previous != (namespace, name):
        await delete_chart(kube, *previous)
    return f"{namespace}/{name}"


async def delete_chart(kube: Kube, namespace: str, name: str) -> None:
    """Delete a HelmChart this controller created; gone already is fine."""
    with contextlib.suppress(NotFound):
        await kube.delete(ObjectRef(HelmChart.KIND.api_version, HelmChart.KIND.kind, name, namespace))
