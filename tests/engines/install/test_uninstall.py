"""What uninstall removes: the install's own kinds (controllers first), every Flux kind's finalizers, then the CRDs;
and whose install it is."""

from __future__ import annotations

from reflow.api.crds import KINDS
from reflow.engines.install import (
    COMPONENT_KINDS,
    CRD_KIND,
    CUSTOM_RESOURCE_KINDS,
    InstallInfo,
    InstallOptions,
    finalizers_removed,
    install_info,
    install_manifests,
)


def test_every_flux_kind_has_its_finalizers_cleared() -> None:
    assert len(CUSTOM_RESOURCE_KINDS) == len(KINDS)
    assert ("source.toolkit.fluxcd.io/v1", "GitRepository") in {(k.api_version, k.kind) for k in CUSTOM_RESOURCE_KINDS}


def test_component_kinds_cover_every_installed_kind_but_the_namespace() -> None:
    installed = {(m["apiVersion"], m["kind"]) for m in install_manifests(InstallOptions())}
    covered = {(k.api_version, k.kind) for k in (*COMPONENT_KINDS, CRD_KIND)}
    assert installed - covered == {("v1", "Namespace")}
    assert COMPONENT_KINDS[0].kind == "Deployment"


def test_finalizers_are_removed_only_when_present() -> None:
    held = {"metadata": {"name": "x", "finalizers": ["finalizers.fluxcd.io"]}}
    assert finalizers_removed(held) == {"metadata": {"finalizers": None}}
    assert finalizers_removed({"metadata": {"name": "x"}}) is None


def test_install_info_reads_version_manager_and_bootstrap_from_the_crd_labels() -> None:
    plain = {"metadata": {"labels": {"app.kubernetes.io/version": "v2.10.0"}}}
    assert install_info(plain) == InstallInfo(version="v2.10.0", managed_by="", bootstrapped=False)
    assert not install_info(plain).foreign
    helm = {"metadata": {"labels": {"app.kubernetes.io/managed-by": "Helm"}}}
    assert install_info(helm).foreign
    synced = {
        "metadata": {
            "labels": {
                "app.kubernetes.io/managed-by": "flux",
                "kustomize.toolkit.fluxcd.io/name": "flux-system",
                "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
            }
        }
    }
    assert install_info(synced).bootstrapped
    assert not install_info(synced).foreign
