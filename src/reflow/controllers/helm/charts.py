"""Where a HelmRelease's chart comes from: `chartRef`, or the HelmChart or OCIRepository it creates and owns
from `spec.chart`."""

from __future__ import annotations

import contextlib

from reflow.api.duration import go_duration_string
from reflow.api.helm import ChartTemplateSpec, HelmRelease
from reflow.api.helmsource import HelmChart
from reflow.api.meta import Manifest, ObjectRef
from reflow.api.source import ExternalArtifact, OCIRepository
from reflow.api.wire import render
from reflow.controllers.sources import SourceKey
from reflow.engines.helm.names import chart_object_name
from reflow.engines.helm.release import OWNER_NAME, OWNER_NAMESPACE
from reflow.kube.client import Kube
from reflow.kube.errors import NotFound

CHART_KINDS = (OCIRepository.KIND, HelmChart.KIND, ExternalArtifact.KIND)
"""The kinds whose artifact a HelmRelease installs from."""
TEMPLATE_KINDS = {
    HelmChart.KIND.kind: HelmChart.KIND.api_version,
    OCIRepository.KIND.kind: OCIRepository.KIND.api_version,
}
"""The kinds `spec.chart` may create, with their API versions."""
FIELD_MANAGER = "helm-controller"


HELM_CHART_LAYER = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
"""Media type of the layer `helm push` writes the chart package to."""
OCI_TEMPLATE_FIELDS = ("url", "ref", "layerSelector", "provider", "secretRef", "certSecretRef", "proxySecretRef",
                       "serviceAccountName", "ignore", "insecure", "suspend", "timeout", "verify")  # fmt: skip
"""The fields of `spec.chart.spec` an OCIRepository template passes on (besides `interval`)."""


def template_kind(hr: HelmRelease) -> str:
    """The kind `spec.chart` makes: HelmChart, or (Flux 2.10) OCIRepository."""
    assert hr.spec.chart is not None
    return hr.spec.chart.kind or HelmChart.KIND.kind


def chart_key(hr: HelmRelease) -> SourceKey:
    """(kind, namespace, name) of the object whose artifact holds the chart."""
    namespace = hr.metadata.namespace or ""
    if hr.spec.chart_ref is not None:
        ref = hr.spec.chart_ref
        return ref.kind, ref.namespace or namespace, ref.name
    assert hr.spec.chart is not None
    name = chart_object_name(namespace, hr.metadata.name)
    kind = template_kind(hr)
    source_ref = hr.spec.chart.spec.source_ref
    if kind == HelmChart.KIND.kind and source_ref is not None and source_ref.namespace:
        return kind, source_ref.namespace, name
    return kind, namespace, name


def _helm_chart_spec(spec: ChartTemplateSpec, interval: float) -> Manifest:
    assert spec.source_ref is not None
    source_ref: Manifest = {"kind": spec.source_ref.kind, "name": spec.source_ref.name}
    if spec.source_ref.api_version:
        source_ref["apiVersion"] = spec.source_ref.api_version
    body: Manifest = {
        "chart": spec.chart,
        "version": spec.version,
        "sourceRef": source_ref,
        "interval": go_duration_string(interval),
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
    return body


def _oci_repository_spec(spec: ChartTemplateSpec, interval: float) -> Manifest:
    """The OCIRepository's spec; without a `layerSelector`, the chart package layer is copied as it was pushed,
    so the artifact is the `.tgz` that helm reads (a choice: Flux's default here is not documented)."""
    rendered = render(spec)
    body: Manifest = {key: rendered[key] for key in OCI_TEMPLATE_FIELDS if key in rendered}
    body["interval"] = go_duration_string(interval)
    body.setdefault("layerSelector", {"mediaType": HELM_CHART_LAYER, "operation": "copy"})
    return body


def chart_template(hr: HelmRelease) -> Manifest:
    """The HelmChart or OCIRepository `spec.chart` describes, labelled as this release's."""
    assert hr.spec.chart is not None
    template = hr.spec.chart
    kind, namespace, name = chart_key(hr)
    labels = {**(template.metadata.labels if template.metadata else {}),
              OWNER_NAME: hr.metadata.name, OWNER_NAMESPACE: hr.metadata.namespace or ""}  # fmt: skip
    metadata: Manifest = {"name": name, "namespace": namespace, "labels": labels}
    if template.metadata and template.metadata.annotations:
        metadata["annotations"] = dict(template.metadata.annotations)
    interval = template.spec.interval or hr.spec.interval
    if kind == OCIRepository.KIND.kind:
        api_version, body = OCIRepository.KIND.api_version, _oci_repository_spec(template.spec, interval)
    else:
        api_version, body = HelmChart.KIND.api_version, _helm_chart_spec(template.spec, interval)
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, "spec": body}


def chart_status(kind: str, namespace: str, name: str) -> str:
    """`status.helmChart` as Flux 2.10 writes it: `<namespace>/<name>` for a HelmChart, else `<Kind>/<ns>/<name>`."""
    return f"{namespace}/{name}" if kind == HelmChart.KIND.kind else f"{kind}/{namespace}/{name}"


def recorded_chart(hr: HelmRelease) -> SourceKey | None:
    """(kind, namespace, name) `status.helmChart` names: two parts are a HelmChart, three a typed object."""
    parts = (hr.status.helm_chart or "").split("/")
    if not all(parts):
        return None
    if len(parts) == 2:
        return HelmChart.KIND.kind, parts[0], parts[1]
    if len(parts) == 3 and parts[0] in TEMPLATE_KINDS:
        return parts[0], parts[1], parts[2]
    return None


def in_place(cached: Manifest | None, manifest: Manifest) -> bool:
    """Whether the cached object already is what applying `manifest` makes: the same spec, labels and annotations
    (an apply would change nothing), and not being deleted."""
    if cached is None or cached["metadata"].get("deletionTimestamp"):
        return False
    have, want = cached["metadata"], manifest["metadata"]
    return (
        cached.get("spec") == manifest["spec"]
        and (have.get("labels") or {}) == want["labels"]
        and (have.get("annotations") or {}) == (want.get("annotations") or {})
    )


async def ensure_chart(kube: Kube, hr: HelmRelease, cached: Manifest | None) -> str:
    """Create or update the object `spec.chart` describes, unless `cached` (the informer's copy) already is it;
    delete one made for an earlier template; its status."""
    manifest = chart_template(hr)
    if not in_place(cached, manifest):
        await kube.apply(manifest, field_manager=FIELD_MANAGER, force=True)
    key = chart_key(hr)
    previous = recorded_chart(hr)
    if previous is not None and previous != key:
        await delete_chart(kube, *previous)
    return chart_status(*key)


async def delete_chart(kube: Kube, kind: str, namespace: str, name: str) -> None:
    """Delete a HelmChart or OCIRepository this controller created; gone already is fine."""
    with contextlib.suppress(NotFound):
        await kube.delete(ObjectRef(TEMPLATE_KINDS[kind], kind, name, namespace))
