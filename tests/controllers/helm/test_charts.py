"""What `spec.chart` makes (a HelmChart or an OCIRepository) and how `status.helmChart` names it, from plain data."""

from __future__ import annotations

import pytest

from reflow.api.helm import HelmRelease
from reflow.api.meta import Manifest
from reflow.api.wire import parse_object
from reflow.controllers.helm.charts import (
    HELM_CHART_LAYER,
    chart_key,
    chart_status,
    chart_template,
    in_place,
    recorded_chart,
)


def release(chart: Manifest, helm_chart: str | None = None) -> HelmRelease:
    status = {"helmChart": helm_chart} if helm_chart else {}
    return parse_object(HelmRelease, {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                                      "metadata": {"name": "web", "namespace": "apps"},
                                      "spec": {"interval": "10m", "chart": chart}, "status": status})  # fmt: skip


HELM_CHART = {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "repo", "namespace": "src"}}}
OCI = {"kind": "OCIRepository", "spec": {"url": "oci://registry.example/web", "ref": {"semver": "1.x"},
                                         "secretRef": {"name": "login"}, "timeout": "30s"}}  # fmt: skip


def test_a_helmchart_template_lives_in_its_sources_namespace() -> None:
    hr = release(HELM_CHART)
    assert chart_key(hr) == ("HelmChart", "src", "apps-web")
    assert chart_template(hr)["apiVersion"] == "source.toolkit.fluxcd.io/v1"


def test_an_oci_template_makes_an_ocirepository_in_the_releases_namespace_copying_the_chart_layer() -> None:
    hr = release(OCI)
    assert chart_key(hr) == ("OCIRepository", "apps", "apps-web")
    made = chart_template(hr)
    assert made["kind"] == "OCIRepository"
    assert made["metadata"]["namespace"] == "apps"
    assert made["spec"] == {
        "url": "oci://registry.example/web",
        "ref": {"semver": "1.x"},
        "layerSelector": {"mediaType": HELM_CHART_LAYER, "operation": "copy"},
        "secretRef": {"name": "login"},
        "timeout": "30s",
        "interval": "10m0s",
    }


def test_an_oci_templates_own_layer_selector_is_kept() -> None:
    chart = {**OCI, "spec": {**OCI["spec"], "layerSelector": {"mediaType": "application/x-tar"}}}
    assert chart_template(release(chart))["spec"]["layerSelector"] == {"mediaType": "application/x-tar"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("apps/apps-web", ("HelmChart", "apps", "apps-web"), id="two-parts-are-a-helmchart"),
        pytest.param("OCIRepository/apps/apps-web", ("OCIRepository", "apps", "apps-web"), id="three-parts-typed"),
        pytest.param("Bucket/apps/apps-web", None, id="kind-never-templated"),
        pytest.param("a/b/c/d", None, id="too-many-parts"),
        pytest.param("apps/", None, id="empty-part"),
    ],
)
def test_status_helm_chart_is_read_as_flux_2_10_writes_it(value: str, expected: tuple[str, str, str] | None) -> None:
    assert recorded_chart(release(HELM_CHART, value)) == expected
    if expected is not None:
        assert chart_status(*expected) == value


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param({}, True, id="as-applied"),
        pytest.param({"metadata": {"resourceVersion": "7", "generation": 3}}, True, id="server-fields-ignored"),
        pytest.param({"spec": {"version": "9.9.9"}}, False, id="spec-edited"),
        pytest.param({"metadata": {"labels": {"team": "web"}}}, False, id="labels-changed"),
        pytest.param({"metadata": {"annotations": {"note": "x"}}}, False, id="annotation-added"),
        pytest.param({"metadata": {"deletionTimestamp": "2026-12-05T00:00:00Z"}}, False, id="being-deleted"),
    ],
)
def test_a_cached_chart_object_is_in_place_only_when_an_apply_would_change_nothing(
    edit: Manifest, expected: bool
) -> None:
    desired = chart_template(release(HELM_CHART))
    cached = {**desired, "metadata": {**desired["metadata"], **edit.get("metadata", {})},
              "spec": {**desired["spec"], **edit.get("spec", {})}, "status": {"observedGeneration": 1}}  # fmt: skip
    assert in_place(cached, desired) is expected
    assert in_place(None, desired) is False
