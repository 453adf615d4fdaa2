"""What uninstall removes: every Flux kind's objects, then the install's own kinds, CRDs before nothing else."""

from __future__ import annotations

from reflow.api.crds import KINDS
from reflow.engines.install import (
    COMPONENT_KINDS,
    CUSTOM_RESOURCE_KINDS,
    InstallOptions,
    finalizers_removed,
    install_manifests,
)


def test_every_flux_kind_is_cleared_before_the_components() -> None:
    assert len(CUSTOM_RESOURCE_KINDS) == len(KINDS)
    assert ("source.toolkit.fluxcd.io/v1", "GitRepository") in {(k.api_version, k.kind) for k in CUSTOM_RESOURCE_KINDS}


def test_component_kinds_cover_every_installed_kind_but_the_namespace() -> None:
    installed = {(m["apiVersion"], m["kind"]) for m in install_manifests(InstallOptions())}
    covered = {(k.api_version, k.kind) for k in COMPONENT_KINDS}
    assert installed - covered == {("v1", "Namespace")}
    assert COMPONENT_KINDS[0].kind == "Deployment"
    assert COMPONENT_KINDS[-1].kind == "CustomResourceDefinition"


def test_finalizers_are_removed_only_when_present() -> None:
    held = {"metadata": {"name": "x", "finalizers": ["finalizers.fluxcd.io"]}}
    assert finalizers_removed(held) == {"metadata": {"finalizers": None}}
    assert finalizers_removed({"metadata": {"name": "x"}}) is None
