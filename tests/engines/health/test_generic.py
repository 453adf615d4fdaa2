"""The rules for every kind: deletion, observed generation, Reconciling/Stalled and Ready, through `compute`.

Cases marked "upstream" are kstatus's generic custom-resource cases (status_compute_test.go) with the
messages added; the Flux cases show how Flux's own kinds, which follow these conventions, are judged.
"""

from __future__ import annotations

import pytest
import yaml

from reflow.engines.health import ObjectStatus, Status, StatusCondition, compute

current = ObjectStatus.current
in_progress = ObjectStatus.in_progress


def status_of(manifest: str) -> ObjectStatus:
    return compute(yaml.safe_load(manifest))


def my_cr(metadata: str, status: str) -> str:
    return f"{{apiVersion: something/v1, kind: MyCR, metadata: {{name: test, namespace: qual, {metadata}}}, {status}}}"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(my_cr("generation: 1", "status: null"), current("Resource is current"), id="upstream-crdNoStatus"),
        pytest.param(
            my_cr(
                "generation: 1",
                "status: {conditions: [{type: Ready, status: 'True', message: All looks ok, reason: AllOk}]}",
            ),
            current("Resource is Ready"),
            id="upstream-crdReady",
        ),
        pytest.param(
            my_cr(
                "generation: 1",
                "status: {observedGeneration: 1, conditions: [{type: Ready, status: 'False', reason: NotReadyYet}]}",
            ),
            in_progress("NotReadyYet", ""),
            id="upstream-crdNotReady",
        ),
        pytest.param(
            my_cr("generation: 1", "status: {conditions: [{type: SomeCondition, status: 'False'}]}"),
            current("Resource is current"),
            id="upstream-crdNoCondition",
        ),
        pytest.param(
            my_cr("generation: 2", "status: {observedGeneration: 1}"),
            in_progress("LatestGenerationNotObserved", "MyCR generation is 2, but latest observed generation is 1"),
            id="upstream-crdMismatchStatusGeneration",
        ),
        pytest.param(
            my_cr(
                "generation: 1", "status: {conditions: [{type: Ready, status: 'Unknown', reason: Wait, message: m}]}"
            ),
            in_progress("Wait", "m"),
            id="ready-unknown-is-in-progress",
        ),
        pytest.param(
            my_cr("generation: 1", "status: {conditions: [{type: Ready, status: Maybe}]}"),
            current("Resource is current"),
            id="ready-with-an-odd-status-is-ignored",
        ),
        pytest.param(
            my_cr("generation: 3", "status: {conditions: [{type: Ready, status: 'True'}]}"),
            current("Resource is Ready"),
            id="without-observed-generation-the-generation-check-is-skipped",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Namespace, metadata: {name: apps}, status: {phase: Active}}",
            current("Resource is current"),
            id="namespace-is-judged-generically",
        ),
    ],
)
def test_kinds_without_rules_are_judged_by_generation_and_ready(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(
            "{apiVersion: v1, kind: Namespace, metadata: {name: apps, deletionTimestamp: '2026-01-01T00:00:00Z'},"
            " status: {phase: Terminating}}",
            id="namespace",
        ),
        pytest.param(
            "{apiVersion: apps/v1, kind: Deployment, metadata: {name: w, generation: 2,"
            " deletionTimestamp: '2026-01-01T00:00:00Z'}, status: {observedGeneration: 1}}",
            id="deletion-wins-over-generation",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Pod, metadata: {name: p, deletionTimestamp: '2026-01-01T00:00:00Z'},"
            " status: {phase: Running, conditions: [{type: Ready, status: 'True'}]}}",
            id="deletion-wins-over-kind-rules",
        ),
    ],
)
def test_object_with_a_deletion_timestamp_is_terminating(manifest: str) -> None:
    assert status_of(manifest) == ObjectStatus(Status.TERMINATING, "Resource scheduled for deletion")


def test_empty_deletion_timestamp_does_not_count() -> None:
    manifest = "{apiVersion: v1, kind: ConfigMap, metadata: {name: c, deletionTimestamp: ''}}"
    assert status_of(manifest).status is Status.CURRENT


@pytest.mark.parametrize(
    ("conditions", "expected_status", "expected_type"),
    [
        pytest.param("[{type: Reconciling, status: 'True', reason: R, message: busy}]", Status.IN_PROGRESS,
                     "Reconciling", id="reconciling-true-is-in-progress"),
        pytest.param("[{type: Stalled, status: 'True', reason: R, message: busy}]", Status.FAILED,
                     "Stalled", id="stalled-true-is-failed"),
        pytest.param("[{type: Stalled, status: 'True', reason: R, message: busy},"
                     " {type: Reconciling, status: 'True', reason: X, message: y}]", Status.FAILED,
                     "Stalled", id="first-abnormal-condition-wins"),
    ],
)  # fmt: skip
def test_reconciling_and_stalled_override_kind_rules(
    conditions: str, expected_status: Status, expected_type: str
) -> None:
    # A Deployment that its own rule would call Current.
    manifest = (
        "{apiVersion: apps/v1, kind: Deployment, metadata: {name: w},"
        " status: {replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1,"
        f" conditions: {conditions}}}}}"
    )
    condition = StatusCondition(type=expected_type, reason="R", message="busy")
    assert status_of(manifest) == ObjectStatus(expected_status, "busy", (condition,))


def flux(kind: str, api_version: str, generation: int, status: str) -> str:
    return (
        f"{{apiVersion: {api_version}, kind: {kind},"
        f" metadata: {{name: apps, namespace: flux-system, generation: {generation}}}, status: {status}}}"
    )


KS = "kustomize.toolkit.fluxcd.io/v1"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            flux(
                "Kustomization",
                KS,
                2,
                "{observedGeneration: 2, conditions: [{type: Ready, status: 'True', reason: ReconciliationSucceeded,"
                " message: 'Applied revision: main@sha1:0123'}]}",
            ),
            current("Resource is Ready"),
            id="ready-true-is-current",
        ),
        pytest.param(
            flux(
                "Kustomization",
                KS,
                2,
                "{observedGeneration: 2, conditions: [{type: Ready, status: 'False', reason: BuildFailed,"
                " message: kustomize build failed}]}",
            ),
            in_progress("BuildFailed", "kustomize build failed"),
            id="ready-false-without-stalled-is-in-progress",
        ),
        pytest.param(
            flux(
                "Kustomization",
                KS,
                2,
                "{observedGeneration: 2, conditions: [{type: Ready, status: 'Unknown', reason: Progressing,"
                " message: 'Reconciliation in progress'}, {type: Reconciling, status: 'True', reason: Progressing,"
                " message: 'Building manifests for revision main@sha1:0123'}]}",
            ),
            in_progress("Progressing", "Building manifests for revision main@sha1:0123"),
            id="reconciling-message-is-reported-while-working",
        ),
        pytest.param(
            flux(
                "GitRepository",
                "source.toolkit.fluxcd.io/v1",
                1,
                "{observedGeneration: 1, conditions: [{type: Ready, status: 'False', reason: InvalidURL,"
                " message: bad url}, {type: Stalled, status: 'True', reason: InvalidURL, message: bad url}]}",
            ),
            ObjectStatus.failed("InvalidURL", "bad url"),
            id="stalled-source-is-failed",
        ),
        pytest.param(
            flux(
                "HelmRelease",
                "helm.toolkit.fluxcd.io/v2",
                3,
                "{observedGeneration: 2, conditions: [{type: Ready, status: 'True', reason: UpgradeSucceeded}]}",
            ),
            in_progress(
                "LatestGenerationNotObserved", "HelmRelease generation is 3, but latest observed generation is 2"
            ),
            id="stale-ready-is-not-trusted-before-the-new-generation-is-observed",
        ),
        pytest.param(
            flux("OCIRepository", "source.toolkit.fluxcd.io/v1", 1, "{observedGeneration: -1}"),
            in_progress(
                "LatestGenerationNotObserved", "OCIRepository generation is 1, but latest observed generation is -1"
            ),
            id="never-reconciled-is-in-progress",
        ),
        pytest.param(
            flux("Alert", "notification.toolkit.fluxcd.io/v1beta3", 1, "null"),
            current("Resource is current"),
            id="kind-without-status-is-current",
        ),
    ],
)
def test_flux_kinds_are_judged_by_their_kstatus_conditions(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        pytest.param(
            my_cr("generation: '1'", "status: null"),
            "metadata.generation is str '1', expected an integer",
            id="generation-of-the-wrong-type",
        ),
        pytest.param(
            my_cr("deletionTimestamp: 5", "status: null"),
            "metadata.deletionTimestamp is int 5, expected a string",
            id="deletion-timestamp-of-the-wrong-type",
        ),
        pytest.param(
            my_cr("generation: 1", "status: {conditions: {type: Ready}}"),
            "status.conditions is dict, expected a list",
            id="conditions-not-a-list",
        ),
        pytest.param(
            my_cr("generation: 1", "status: {conditions: [{type: Ready, status: true}]}"),
            "status.conditions[0].status is bool, expected a string",
            id="condition-status-not-a-string",
        ),
        pytest.param(
            my_cr("generation: 1", "status: pending"),
            "status is str, expected an object",
            id="status-not-an-object",
        ),
    ],
)
def test_object_with_malformed_fields_is_unknown(manifest: str, message: str) -> None:
    assert status_of(manifest) == ObjectStatus.unknown(message)
