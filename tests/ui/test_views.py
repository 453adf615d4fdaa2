"""The UI's views of Flux objects, from plain data: status precedence, counts, masking, revisions, the graph."""

from __future__ import annotations

import pytest

from reflow.api.meta import Manifest
from reflow.engines.health.status import ObjectStatus, Status
from reflow.ui.views import counts, detail, graph, masked, revisions, row, status_of

KS = "kustomize.toolkit.fluxcd.io/v1"


def obj(kind: str, name: str, *, spec: Manifest | None = None, status: Manifest | None = None) -> Manifest:
    api = {"Kustomization": KS, "GitRepository": "source.toolkit.fluxcd.io/v1",
           "ArtifactGenerator": "source.extensions.fluxcd.io/v1beta1"}.get(kind, "v1")  # fmt: skip
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "apps"},
            "spec": spec or {}, "status": status or {}}  # fmt: skip


def ready(value: str) -> Manifest:
    return {"type": "Ready", "status": value, "reason": "R", "message": f"ready is {value}"}


STALLED = {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "bad"}


@pytest.mark.parametrize(
    ("spec", "conditions", "expected"),
    [
        pytest.param({}, [ready("True")], "Ready", id="ready"),
        pytest.param({}, [ready("False")], "NotReady", id="not-ready"),
        pytest.param({}, [ready("False"), STALLED], "Stalled", id="stalled-wins-over-not-ready"),
        pytest.param({"suspend": True}, [ready("True"), STALLED], "Suspended", id="suspended-wins"),
        pytest.param({}, [], "Unknown", id="never-reconciled"),
    ],
)
def test_one_status_per_object_in_order_of_precedence(
    spec: Manifest, conditions: list[Manifest], expected: str
) -> None:
    assert status_of(obj("Kustomization", "a", spec=spec, status={"conditions": conditions})) == expected


def test_counts_cover_every_status_even_when_none_has_it() -> None:
    rows = [row(obj("Kustomization", "a", status={"conditions": [ready("True")]})), row(obj("Kustomization", "b"))]
    assert counts(rows) == {"Ready": 1, "NotReady": 0, "Stalled": 0, "Suspended": 0, "Unknown": 1}


def test_secret_values_are_masked_and_managed_fields_dropped() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "managedFields": [{}]},
              "data": {"password": "c2VjcmV0"}, "stringData": {"token": "plain"}}  # fmt: skip
    shown = masked(secret)
    assert shown["data"] == {"password": "***"}
    assert shown["stringData"] == {"token": "***"}
    assert "managedFields" not in shown["metadata"]
    assert secret["data"] == {"password": "c2VjcmV0"}


def test_revisions_read_kustomization_history_then_fall_back_to_last_applied() -> None:
    history = [{"digest": "sha256:1", "lastReconciled": "t2", "lastReconciledStatus": "ReconciliationSucceeded",
                "metadata": {"revision": "main@sha1:2"}}]  # fmt: skip
    with_history = revisions(obj("Kustomization", "a", status={"history": history, "lastAppliedRevision": "x"}))
    assert with_history == [
        {"revision": "main@sha1:2", "status": "ReconciliationSucceeded", "digest": "sha256:1", "at": "t2"}
    ]
    plain = revisions(obj("Kustomization", "a", status={"lastAppliedRevision": "main@sha1:1"}))
    assert plain == [{"revision": "main@sha1:1", "status": "last applied", "digest": "", "at": ""}]


def test_graph_has_source_depends_on_and_generator_edges_and_marks_missing_ends() -> None:
    objects = [
        obj("GitRepository", "repo"),
        obj("Kustomization", "infra", spec={"sourceRef": {"kind": "GitRepository", "name": "repo"}}),
        obj("Kustomization", "apps", spec={"sourceRef": {"kind": "GitRepository", "name": "repo"},
                                           "dependsOn": [{"name": "infra"}, {"name": "gone"}]}),
        obj("ArtifactGenerator", "gen", status={"inventory": [{"name": "bundle", "namespace": "apps"}]}),
    ]  # fmt: skip
    found = graph(objects)
    edges = {(e["from"], e["to"], e["kind"]) for e in found["edges"]}
    assert edges == {
        ("GitRepository/apps/repo", "Kustomization/apps/infra", "source"),
        ("GitRepository/apps/repo", "Kustomization/apps/apps", "source"),
        ("Kustomization/apps/infra", "Kustomization/apps/apps", "dependsOn"),
        ("Kustomization/apps/gone", "Kustomization/apps/apps", "dependsOn"),
        ("ArtifactGenerator/apps/gen", "ExternalArtifact/apps/bundle", "generates"),
    }
    statuses = {node["id"]: node["status"] for node in found["nodes"]}
    assert statuses["Kustomization/apps/gone"] == "Missing"
    assert statuses["ExternalArtifact/apps/bundle"] == "Missing"


def test_an_object_outside_flux_shows_its_health_and_a_flux_object_its_ready_condition() -> None:
    health = ObjectStatus(Status.CURRENT, "Resource is current")
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "apps"}, "data": {}}
    shown = detail(config, [], health)
    assert (shown["status"], shown["message"], shown["flux"]) == ("Current", "Resource is current", False)
    ks = obj("Kustomization", "a", status={"conditions": [ready("False")]})
    events = [{"type": "Normal", "reason": "Old", "lastTimestamp": "t1"}, {"type": "Warning", "reason": "New",
              "lastTimestamp": "t2"}]  # fmt: skip
    shown = detail(ks, events, health)
    assert (shown["status"], shown["message"], shown["flux"]) == ("NotReady", "ready is False", True)
    assert [event["reason"] for event in shown["events"]] == ["New", "Old"]
