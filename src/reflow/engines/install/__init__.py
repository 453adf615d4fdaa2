"""Install manifests: the namespace, CRDs, controllers, RBAC and network policies of a reflow install."""

from __future__ import annotations

from .manifests import install_labels, install_manifests, install_selector, stages, to_yaml
from .options import (
    ALL_COMPONENTS,
    CONTROLLERS,
    DEFAULT_COMPONENTS,
    DEFAULT_REGISTRY,
    EXTRA_COMPONENTS,
    LOG_LEVELS,
    InstallOptions,
    InvalidInstallOptions,
    selected_components,
)
from .ownership import PROBE_CRD, InstallInfo, install_info
from .pullsecret import image_pull_secret
from .uninstall import COMPONENT_KINDS, CRD_KIND, CUSTOM_RESOURCE_KINDS, KindRef, finalizers_removed

__all__ = [
    "ALL_COMPONENTS",
    "COMPONENT_KINDS",
    "CONTROLLERS",
    "CRD_KIND",
    "CUSTOM_RESOURCE_KINDS",
    "DEFAULT_COMPONENTS",
    "DEFAULT_REGISTRY",
    "EXTRA_COMPONENTS",
    "LOG_LEVELS",
    "PROBE_CRD",
    "InstallInfo",
    "InstallOptions",
    "InvalidInstallOptions",
    "KindRef",
    "finalizers_removed",
    "image_pull_secret",
    "install_info",
    "install_labels",
    "install_manifests",
    "install_selector",
    "selected_components",
    "stages",
    "to_yaml",
]
