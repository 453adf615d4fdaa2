"""`reflow migrate`: move Flux objects in files and in the cluster to the current apiVersions."""

from __future__ import annotations

from .files import FileUpgrades, InvalidPath, Listing, Upgrade, detect_upgrades, list_files, rewrite
from .storage import managed_fields_patch, storage_version, stored_versions_patch
from .versions import SUPPORTED_VERSIONS, GroupKind, UnsupportedVersion, latest_versions

__all__ = [
    "SUPPORTED_VERSIONS",
    "FileUpgrades",
    "GroupKind",
    "InvalidPath",
    "Listing",
    "UnsupportedVersion",
    "Upgrade",
    "detect_upgrades",
    "latest_versions",
    "list_files",
    "managed_fields_patch",
    "rewrite",
    "storage_version",
    "stored_versions_patch",
]
