"""Drift detection from dry-run answers, and the proof of a no-op from the managedFields stamp."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reflow.api.meta import Manifest
from reflow.engines.ssa import drifted
from reflow.engines.ssa.drift import maybe_changed

MANAGER = "kustomize-controller"


def live_cm(**changes: object) -> Manifest:
    obj: Manifest = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "cm",
            "namespace": "a",
            "uid": "u-1",
            "resourceVersion": "100",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": "web"},
            "annotations": {"note": "x"},
            "managedFields": [
                {"manager": MANAGER, "operation": "Apply", "time": "2026-01-01T00:00:00Z", "fieldsV1": {}}
            ],
        },
        "data": {"a": "1"},
    }
    for key, value in changes.items():
        if key in ("labels", "annotations", "resourceVersion", "managedFields", "generation", "uid"):
            obj["metadata"][key] = value
        else:
            obj[key] = value
    return obj


@pytest.mark.parametrize(
    ("dry_run", "expected"),
    [
        pytest.param(live_cm(), False, id="identical"),
        pytest.param(live_cm(managedFields=[]), False, id="managed-fields-ignored"),
        pytest.param(live_cm(resourceVersion="101", generation=4, uid="u-2"), False, id="server-metadata-ignored"),
        pytest.param(live_cm(status={"phase": "x"}), False, id="status-ignored"),
        pytest.param(live_cm(data={"a": "2"}), True, id="data-changed"),
        pytest.param(live_cm(data={"a": "1", "b": "2"}), True, id="data-added"),
        pytest.param(live_cm(labels={"app": "api"}), True, id="label-changed"),
        pytest.param(live_cm(annotations={}), True, id="annotation-removed"),
        pytest.param(live_cm(resourceVersion=""), True, id="not-existing-yet"),
    ],
)
def test_drifted_compares_labels_annotations_and_body(dry_run: Manifest, expected: bool) -> None:
    assert drifted(live_cm(), dry_run) is expected


def test_drifted_without_a_live_object() -> None:
    assert drifted(None, live_cm())


def stamped(stamp: str | None) -> Manifest:
    entry = {"manager": MANAGER, "operation": "Apply", "fieldsV1": {}} | ({"time": stamp} if stamp else {})
    return live_cm(managedFields=[entry])


AT = datetime(2026, 1, 1, 0, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("dry_run", "answered_at", "took", "expected"),
    [
        pytest.param(stamped("2026-01-01T00:00:00Z"), AT, 0.05, False, id="stamp-a-minute-old-proves-no-op"),
        pytest.param(stamped("2026-01-01T00:01:00Z"), AT, 0.05, True, id="stamped-now"),
        pytest.param(stamped("2026-01-01T00:00:59Z"), AT, 0.05, True, id="stamped-a-second-ago"),
        pytest.param(stamped("2026-01-01T00:00:58Z"), AT, 0.05, True, id="inside-the-window"),
        pytest.param(stamped("2026-01-01T00:00:57Z"), AT, 0.05, False, id="just-before-the-window"),
        pytest.param(stamped("2026-01-01T00:00:57Z"), AT, 2.5, True, id="slow-request-widens-the-window"),
        pytest.param(stamped(None), AT, 0.05, True, id="no-stamp"),
        pytest.param(live_cm(managedFields=[]), AT, 0.05, True, id="no-entry-of-ours"),
        pytest.param(stamped("2026-01-01T00:00:00Z"), None, 0.05, True, id="no-server-date"),
        pytest.param(live_cm(resourceVersion=""), AT, 0.05, True, id="would-be-created"),
    ],
)
def test_maybe_changed_is_false_only_when_the_stamp_predates_the_request(
    dry_run: Manifest, answered_at: datetime | None, took: float, expected: bool
) -> None:
    assert maybe_changed(dry_run, field_manager=MANAGER, answered_at=answered_at, took=took) is expected


def test_maybe_changed_reads_only_our_apply_entry() -> None:
    entries = [
        {"manager": MANAGER, "operation": "Update", "time": "2026-01-01T00:01:00Z"},
        {"manager": "other", "operation": "Apply", "time": "2026-01-01T00:01:00Z"},
        {"manager": MANAGER, "operation": "Apply", "time": "2026-01-01T00:00:00Z"},
    ]
    assert not maybe_changed(live_cm(managedFields=entries), field_manager=MANAGER, answered_at=AT, took=0.1)
