"""Which source `reflow trace` and `reconcile --with-source` follow from an applier, and on from a source."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.flux.state import source_of
from reflow.engines.flux.trace import upstream_of

SOURCE = "source.toolkit.fluxcd.io/v1"


def helm_release(**spec: object) -> Manifest:
    return {"kind": "HelmRelease", "metadata": {"name": "web", "namespace": "apps"}, "spec": spec}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        pytest.param({"chartRef": {"kind": "OCIRepository", "name": "charts"}},
                     ObjectRef(SOURCE, "OCIRepository", "charts", "apps"), id="chart-ref-oci"),
        pytest.param({"chartRef": {"kind": "ExternalArtifact", "name": "bundle", "namespace": "shared"}},
                     ObjectRef(SOURCE, "ExternalArtifact", "bundle", "shared"), id="chart-ref-external-artifact"),
        pytest.param({"chart": {"kind": "OCIRepository", "spec": {"url": "oci://r/web"}}},
                     ObjectRef(SOURCE, "OCIRepository", "apps-web", "apps"), id="oci-template-made-object"),
        pytest.param({"chart": {"spec": {"chart": "web", "sourceRef": {"kind": "HelmRepository", "name": "repo"}}}},
                     ObjectRef(SOURCE, "HelmRepository", "repo", "apps"), id="helmchart-template-source"),
    ],
)  # fmt: skip
def test_a_helmreleases_source_is_its_chart_source(spec: Manifest, expected: ObjectRef) -> None:
    assert source_of(helm_release(**spec)) == expected


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param({"kind": "HelmChart", "metadata": {"name": "web", "namespace": "apps"},
                      "spec": {"sourceRef": {"kind": "HelmRepository", "name": "repo"}}},
                     ObjectRef(SOURCE, "HelmRepository", "repo", "apps"), id="helmchart-to-its-repository"),
        pytest.param({"kind": "ExternalArtifact", "metadata": {"name": "a", "namespace": "apps"},
                      "spec": {"sourceRef": {"kind": "ArtifactGenerator", "name": "gen"}}},
                     ObjectRef("source.extensions.fluxcd.io/v1beta1", "ArtifactGenerator", "gen", "apps"),
                     id="external-artifact-to-its-generator"),
        pytest.param({"kind": "OCIRepository", "metadata": {"name": "a", "namespace": "apps"}, "spec": {}}, None,
                     id="oci-is-the-end"),
        pytest.param({"kind": "ExternalArtifact", "metadata": {"name": "a", "namespace": "apps"},
                      "spec": {"sourceRef": {"kind": "GitRepository", "name": "x"}}}, None,
                     id="external-artifact-of-an-unknown-producer"),
    ],
)  # fmt: skip
def test_a_source_chain_goes_up_to_the_origin(obj: Manifest, expected: ObjectRef | None) -> None:
    assert upstream_of(obj) == expected
