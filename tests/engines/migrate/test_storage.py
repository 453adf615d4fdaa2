"""The patches that re-store Flux objects at their CRD's storage version."""

from __future__ import annotations

from reflow.engines.migrate import managed_fields_patch, storage_version, stored_versions_patch

CRD = {
    "spec": {"versions": [{"name": "v1beta3", "storage": False}, {"name": "v1", "storage": True}]},
    "status": {"storedVersions": ["v1beta3", "v1"]},
}


def test_storage_version_is_the_entry_marked_storage() -> None:
    assert storage_version(CRD) == "v1"
    assert storage_version({"spec": {"versions": [{"name": "v1"}]}}) is None


def test_managers_at_an_older_version_are_moved() -> None:
    obj = {
        "metadata": {
            "managedFields": [
                {"manager": "kubectl", "apiVersion": "notification.toolkit.fluxcd.io/v1beta3"},
                {"manager": "reflow", "apiVersion": "notification.toolkit.fluxcd.io/v1"},
            ]
        }
    }
    assert managed_fields_patch(obj, "notification.toolkit.fluxcd.io/v1") == [
        {"op": "replace", "path": "/metadata/managedFields/0/apiVersion", "value": "notification.toolkit.fluxcd.io/v1"}
    ]
    assert managed_fields_patch({"metadata": {}}, "x/v1") == []


def test_stored_versions_are_trimmed_to_the_storage_version_once() -> None:
    assert stored_versions_patch(CRD, "v1") == {"status": {"storedVersions": ["v1"]}}
    assert stored_versions_patch({"status": {"storedVersions": ["v1"]}}, "v1") is None
