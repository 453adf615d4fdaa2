"""Re-storing Flux objects at their CRD's storage version: the patches `migrate` sends, as pure functions."""

from __future__ import annotations

from typing import Any

from reflow.api.meta import Manifest


def storage_version(crd: Manifest) -> str | None:
    """The version a CRD stores its objects at (the one entry marked `storage`)."""
    for version in crd["spec"]["versions"]:
        if version.get("storage"):
            return str(version["name"])
    return None


def managed_fields_patch(obj: Manifest, api_version: str) -> list[dict[str, Any]]:
    """The JSON patch moving an object's field managers to `api_version` (empty when all are there already).

    Writing the object (with this patch, or an empty one) makes the API server encode it again at the
    storage version; the managers move too, so server-side apply keeps matching their fields afterwards.
    """
    return [
        {"op": "replace", "path": f"/metadata/managedFields/{index}/apiVersion", "value": api_version}
        for index, entry in enumerate((obj.get("metadata") or {}).get("managedFields") or [])
        if entry.get("apiVersion") != api_version
    ]


def stored_versions_patch(crd: Manifest, version: str) -> Manifest | None:
    """The status patch leaving only `version` in the CRD's `status.storedVersions`, or None when that holds."""
    if (crd.get("status") or {}).get("storedVersions") == [version]:
        return None
    return {"status": {"storedVersions": [version]}}
