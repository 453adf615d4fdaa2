"""The resources: each Flux kind's reference, written out from reflow's own CRDs."""

from __future__ import annotations

from reflow.mcp.reference import crds, reference, uri


def test_the_reference_of_every_flux_kind_lists_its_fields() -> None:
    assert {"GitRepository", "Kustomization", "HelmRelease", "Receiver", "ImagePolicy"} <= set(crds())
    text = reference(crds()["Kustomization"])
    assert text.startswith("# Kustomization\n")
    assert "- apiVersion: `kustomize.toolkit.fluxcd.io/v1`" in text
    assert "  - `interval` (string, required): " in text
    assert "  - `sourceRef` (object, required): " in text
    assert "    - `kind` (string, required): " in text
    assert uri("Kustomization") == "reflow://crd/Kustomization"
