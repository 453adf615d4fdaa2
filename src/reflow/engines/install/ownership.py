"""Who manages an existing install: read from the labels of its GitRepository CRD, as Flux's CLI reads them."""

from __future__ import annotations

from dataclasses import dataclass

from reflow.api.meta import Manifest
from reflow.engines.install.manifests import VERSION

PROBE_CRD = "gitrepositories.source.toolkit.fluxcd.io"
"""The CRD whose labels describe the install (every install has it)."""
MANAGED_BY = "app.kubernetes.io/managed-by"
"""Set by the tool that manages the install, such as Helm; Flux's CLI and reflow leave it out."""
BOOTSTRAP_LABELS = ("kustomize.toolkit.fluxcd.io/name", "kustomize.toolkit.fluxcd.io/namespace")
"""The owner labels a Kustomization puts on what it applies: on the CRD, the install syncs itself from Git."""


@dataclass(frozen=True, slots=True)
class InstallInfo:
    """An install found in a cluster: its version label, its managing tool ("" for Flux) and whether it is
    bootstrapped (applied by its own Kustomization)."""

    version: str
    managed_by: str
    bootstrapped: bool

    @property
    def foreign(self) -> bool:
        """Whether another tool than Flux's CLI (or reflow) manages the install, so replacing it needs consent."""
        return self.managed_by not in ("", "flux")


def install_info(crd: Manifest) -> InstallInfo:
    """What the probe CRD's labels say about the install."""
    labels = (crd.get("metadata") or {}).get("labels") or {}
    return InstallInfo(
        version=labels.get(VERSION, ""),
        managed_by=labels.get(MANAGED_BY, ""),
        bootstrapped=all(label in labels for label in BOOTSTRAP_LABELS),
    )
