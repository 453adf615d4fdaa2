"""The per-kind rules for PVC, PDB, CronJob, Service, CRD and the always-ready kinds, through `compute`.

Cases marked "upstream" are kstatus's own test cases (status_compute_test.go) with the messages added.
"""

from __future__ import annotations

import pytest
import yaml

from reflow.engines.health import ObjectStatus, compute

current = ObjectStatus.current
in_progress = ObjectStatus.in_progress
failed = ObjectStatus.failed


def status_of(manifest: str) -> ObjectStatus:
    return compute(yaml.safe_load(manifest))


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {generation: 1, name: test}}",
            in_progress("NotBound", "PVC is not Bound. phase: unknown"),
            id="upstream-pvcNoStatus",
        ),
        pytest.param(
            "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {generation: 1, name: test, namespace: qual},"
            " status: {phase: Bound}}",
            current("PVC is Bound"),
            id="upstream-pvcBound",
        ),
        pytest.param(
            "{apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: test}, status: {phase: Pending}}",
            in_progress("NotBound", "PVC is not Bound. phase: Pending"),
            id="pending-claim-names-its-phase",
        ),
    ],
)
def test_pvc_is_current_once_bound(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: policy/v1beta1, kind: PodDisruptionBudget,"
            " metadata: {generation: 2, name: test, namespace: qual}, status: {observedGeneration: 1}}",
            in_progress(
                "LatestGenerationNotObserved",
                "PodDisruptionBudget generation is 2, but latest observed generation is 1",
            ),
            id="upstream-pdbNotObserved",
        ),
        pytest.param(
            "{apiVersion: policy/v1beta1, kind: PodDisruptionBudget,"
            " metadata: {generation: 1, name: test, namespace: qual}, status: {observedGeneration: 1}}",
            current("AllowedDisruptions has been computed."),
            id="upstream-pdbObserved",
        ),
    ],
)
def test_pdb_is_current_once_its_generation_is_observed(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


@pytest.mark.parametrize(
    "manifest",
    [
        pytest.param(
            "{apiVersion: batch/v1, kind: CronJob, metadata: {name: test, namespace: qual, generation: 1}}",
            id="upstream-cronjobNoStatus",
        ),
        pytest.param(
            "{apiVersion: batch/v1, kind: CronJob, metadata: {name: test, namespace: qual, generation: 1},"
            " status: null}",
            id="upstream-cronjobWithStatus",
        ),
        pytest.param("{apiVersion: v1, kind: ConfigMap, metadata: {name: test}}", id="configmap"),
        pytest.param("{apiVersion: v1, kind: Secret, metadata: {name: test}, type: Opaque}", id="secret"),
    ],
)
def test_kinds_without_a_rollout_are_always_ready(manifest: str) -> None:
    assert status_of(manifest) == current("Resource is always ready")


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: v1, kind: Service, metadata: {name: test, namespace: qual, generation: 1}}",
            current("Service is ready"),
            id="upstream-serviceDefault",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Service, metadata: {name: test, namespace: qual, generation: 1},"
            " spec: {type: NodePort}}",
            current("Service is ready"),
            id="upstream-serviceNodePort",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Service, metadata: {name: test, namespace: qual, generation: 1},"
            " spec: {type: LoadBalancer}}",
            in_progress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer"),
            id="upstream-serviceLBnok",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Service, metadata: {name: test, namespace: qual, generation: 1},"
            " spec: {type: LoadBalancer, clusterIP: '1.2.3.4'}}",
            current("Service is ready"),
            id="upstream-serviceLBok",
        ),
    ],
)
def test_service_waits_only_for_a_load_balancers_cluster_ip(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


def crd(conditions: str) -> str:
    return f"""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{generation: 1}}
status: {{conditions: {conditions}}}
"""


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: apiextensions.k8s.io/v1, kind: CustomResourceDefinition, metadata: {generation: 1}}",
            in_progress("Installing", "Install in progress"),
            id="upstream-crdNoConditions",
        ),
        pytest.param(
            crd(
                "[{type: NamesAccepted, status: 'True', reason: NoConflicts},"
                " {type: Established, status: 'False', reason: Installing}]"
            ),
            in_progress("Installing", "Install in progress"),
            id="upstream-crdInstalling",
        ),
        pytest.param(
            crd("[{type: NamesAccepted, status: 'False', reason: SomeReason}]"),
            failed("SomeReason", ""),
            id="upstream-crdNamesNotAccepted",
        ),
        pytest.param(
            crd(
                "[{type: NamesAccepted, status: 'True', reason: NoConflicts},"
                " {type: Established, status: 'True', reason: InitialNamesAccepted}]"
            ),
            current("CRD is established"),
            id="upstream-crdEstablished",
        ),
        pytest.param(
            crd("[{type: Established, status: 'False', reason: NotEstablished, message: names conflict}]"),
            failed("NotEstablished", "names conflict"),
            id="established-false-for-another-reason-fails",
        ),
    ],
)
def test_crd_is_current_once_established(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected
