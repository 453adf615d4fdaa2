"""Bootstrap: the files that make a cluster sync itself from Git, and whether a repository already holds them."""

from __future__ import annotations

from .cluster import SyncPathConflict, check_sync_path, must_install
from .layout import (
    COMPONENTS_FILE,
    FLUX_SYSTEM,
    KUSTOMIZATION_FILE,
    SYNC_FILE,
    InvalidPath,
    SyncOptions,
    clean_path,
    components_yaml,
    flux_system_dir,
    kustomization_yaml,
    sparse_folders,
    sync_manifests,
    sync_yaml,
)
from .plan import PathConflict, Plan, generated, plan
from .url import sync_url

__all__ = [
    "COMPONENTS_FILE",
    "FLUX_SYSTEM",
    "KUSTOMIZATION_FILE",
    "SYNC_FILE",
    "InvalidPath",
    "PathConflict",
    "Plan",
    "SyncOptions",
    "SyncPathConflict",
    "check_sync_path",
    "clean_path",
    "components_yaml",
    "flux_system_dir",
    "generated",
    "kustomization_yaml",
    "must_install",
    "plan",
    "sparse_folders",
    "sync_manifests",
    "sync_url",
    "sync_yaml",
]
