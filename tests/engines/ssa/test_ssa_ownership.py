"""Taking fields over from kubectl and other managers, and removing leftover metadata."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.ssa.ownership import (
    LAST_APPLIED,
    Cleanup,
    FieldManager,
    cleanup_patch,
    handed_over,
    merge_managed,
    needs_cleanup,
    takeover_managers,
    union,
)

OURS = "kustomize-controller"
CLEANUP = Cleanup(managers=takeover_managers(OURS, ["flux-client-side-apply"]))


def entry(manager: str, operation: str, fields: Manifest, **extra: str) -> Manifest:
    return {"manager": manager, "operation": operation, "fieldsType": "FieldsV1", "fieldsV1": fields, **extra}


@pytest.mark.parametrize(
    ("manager", "expected"),
    [
        pytest.param(entry("kubectl-client-side-apply", "Update", {}), True, id="kubectl-client-side-apply"),
        pytest.param(entry("kubectl", "Apply", {}), True, id="kubectl-server-side"),
        pytest.param(entry("kubectl-edit", "Update", {}), True, id="kubectl-edit"),
        pytest.param(entry("before-first-apply", "Update", {}), True, id="before-first-apply"),
        pytest.param(entry(OURS, "Update", {}), True, id="our-own-pre-ssa-updates"),
        pytest.param(entry(OURS, "Apply", {}), False, id="our-apply"),
        pytest.param(entry("flux-client-side-apply", "Apply", {}), True, id="override-manager-apply"),
        pytest.param(entry("flux-client-side-apply", "Update", {}), True, id="override-manager-update"),
        pytest.param(entry("kube-controller-manager", "Update", {}), False, id="controllers-keep-their-fields"),
        pytest.param(entry("kubectl", "Update", {}, subresource="status"), False, id="subresource-never"),
        pytest.param(entry("before-first-apply", "Apply", {}), False, id="operation-must-match"),
    ],
)
def test_takeover_matches_flux_managers(manager: Manifest, expected: bool) -> None:
    assert any(m.matches(manager) for m in CLEANUP.managers) is expected


def test_union_merges_field_sets() -> None:
    left = {"f:data": {"f:a": {}}, "f:metadata": {"f:labels": {"f:x": {}}}}
    right = {"f:data": {"f:b": {}}, "f:spec": {".": {}}}
    assert union(left, right) == {
        "f:data": {"f:a": {}, "f:b": {}},
        "f:metadata": {"f:labels": {"f:x": {}}},
        "f:spec": {".": {}},
    }


def test_handed_over_merges_matching_managers_into_our_apply_entry() -> None:
    entries = [
        entry("kubectl-client-side-apply", "Update", {"f:data": {"f:extra": {}}}),
        entry(OURS, "Apply", {"f:data": {"f:a": {}}}, time="2026-01-01T00:00:00Z"),
        entry("kube-controller-manager", "Update", {"f:status": {}}),
    ]
    assert handed_over(entries, CLEANUP.managers, OURS) == [
        entries[2],
        entry(OURS, "Apply", {"f:data": {"f:a": {}, "f:extra": {}}}, time="2026-01-01T00:00:00Z"),
    ]


def test_handed_over_renames_the_first_match_when_we_have_no_entry() -> None:
    entries = [entry("kubectl", "Update", {"f:data": {"f:a": {}}}), entry("before-first-apply", "Update", {"f:b": {}})]
    assert handed_over(entries, CLEANUP.managers, OURS) == [entry(OURS, "Apply", {"f:data": {"f:a": {}}, "f:b": {}})]


def test_handed_over_is_none_when_nothing_matches() -> None:
    assert handed_over([entry(OURS, "Apply", {})], CLEANUP.managers, OURS) is None


def test_cleanup_patch_removes_old_metadata_and_replaces_managed_fields() -> None:
    live = {
        "metadata": {
            "annotations": {LAST_APPLIED: "{}", "keep": "1"},
            "labels": {"fluxcd.io/sync-gc-mark": "x", "app": "a"},
            "managedFields": [entry("kubectl-client-side-apply", "Update", {"f:data": {}})],
        }
    }
    assert needs_cleanup(live, CLEANUP)
    assert cleanup_patch(live, CLEANUP, OURS) == [
        {"op": "remove", "path": "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"},
        {"op": "remove", "path": "/metadata/labels/fluxcd.io~1sync-gc-mark"},
        {"op": "replace", "path": "/metadata/managedFields", "value": [entry(OURS, "Apply", {"f:data": {}})]},
    ]


def test_nothing_to_clean_up() -> None:
    live = {"metadata": {"annotations": {"keep": "1"}, "managedFields": [entry(OURS, "Apply", {})]}}
    assert not needs_cleanup(live, CLEANUP)
    assert cleanup_patch(live, CLEANUP, OURS) == []


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        pytest.param({"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Merge"}}, True, id="annotation"),
        pytest.param({"labels": {"kustomize.toolkit.fluxcd.io/ssa": "merge"}}, True, id="label-any-case"),
        pytest.param({"annotations": {"kustomize.toolkit.fluxcd.io/ssa": "Override"}}, False, id="override"),
        pytest.param({}, False, id="none"),
    ],
)
def test_merge_annotation_turns_cleanup_off(metadata: Manifest, expected: bool) -> None:
    assert merge_managed({"metadata": metadata}) is expected


def test_field_manager_prefix_match() -> None:
    assert FieldManager("kubectl", "Update").matches({"manager": "kubectl-rollout", "operation": "Update"})
