"""Events in Flux 2.10's `event.toolkit.fluxcd.io/v1` shape: action, relatedObject, severities."""

from __future__ import annotations

import dataclasses

import pytest

from reflow.runtime.events import NORMAL, TRACE, WARNING, event_for

KUSTOMIZATION = {
    "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
    "kind": "Kustomization",
    "metadata": {
        "name": "apps",
        "namespace": "flux-system",
        "uid": "u-1",
        "resourceVersion": "7",
        "annotations": {"event.toolkit.fluxcd.io/env": "prod", "other": "x"},
    },
}


def test_notification_body_is_event_v1_with_action_and_group_prefixed_metadata() -> None:
    event = event_for(KUSTOMIZATION, NORMAL, "ReconciliationSucceeded", "done", {"revision": "main@sha1:ab"},
                      action="Apply")  # fmt: skip
    body = event.notification("kustomize-controller", "host")
    assert body["action"] == "Apply"
    assert body["severity"] == "info"
    assert body["metadata"] == {
        "kustomize.toolkit.fluxcd.io/revision": "main@sha1:ab",
        "event.toolkit.fluxcd.io/env": "prod",
    }
    assert body["involvedObject"] == {
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "name": "apps",
        "namespace": "flux-system",
        "uid": "u-1",
        "resourceVersion": "7",
    }
    assert "relatedObject" not in body
    assert set(body) == {"involvedObject", "severity", "timestamp", "message", "reason", "action", "metadata",
                         "reportingController", "reportingInstance"}  # fmt: skip


def test_related_object_is_sent_when_known() -> None:
    related = {"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository", "name": "a", "namespace": "b"}
    event = dataclasses.replace(event_for(KUSTOMIZATION, NORMAL, "R", "m"), related=related)
    assert event.notification("c", "i")["relatedObject"] == related


@pytest.mark.parametrize(
    ("type_", "severity", "kubernetes_type"),
    [
        pytest.param(NORMAL, "info", "Normal", id="normal-is-info"),
        pytest.param(WARNING, "error", "Warning", id="warning-is-error"),
        pytest.param(TRACE, "trace", "Normal", id="trace-is-a-normal-kubernetes-event"),
    ],
)
def test_severity_and_kubernetes_event_type(type_: str, severity: str, kubernetes_type: str) -> None:
    event = event_for(KUSTOMIZATION, type_, "R", "m")
    assert event.severity == severity
    assert event.kubernetes_event("c", "i")["type"] == kubernetes_type
