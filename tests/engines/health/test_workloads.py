"""The per-kind rules for Pod, StatefulSet, DaemonSet, Deployment, ReplicaSet and Job, through `compute`.

Cases marked "upstream" are kstatus's own test cases (status_compute_test.go, core_test.go), with the
messages the rules produce added; the rest cover branches those tables leave out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from reflow.engines.health import ObjectStatus, Status, StatusCondition, compute

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

current = ObjectStatus.current
in_progress = ObjectStatus.in_progress
failed = ObjectStatus.failed


def status_of(manifest: str) -> ObjectStatus:
    return compute(yaml.safe_load(manifest), now=NOW)


POD_RUNNING_READY = """
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: qual, generation: 1}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
"""
POD_SUCCEEDED = """
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: qual, generation: 1}
status:
  phase: Succeeded
  conditions: [{type: Ready, status: "False", reason: PodCompleted}]
"""
POD_FAILED = """
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: qual, generation: 1}
status:
  phase: Failed
  conditions: [{type: Ready, status: "False", reason: PodCompleted}]
"""
POD_UNSCHEDULABLE = """
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: qual, generation: 1%s}
status:
  phase: Pending
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]
"""
POD_CRASH_LOOPING = """
apiVersion: v1
kind: Pod
metadata: {name: test, namespace: qual, generation: 1}
status:
  phase: Running
  conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]
  containerStatuses:
  - {name: nginx, state: {waiting: {reason: CrashLoopBackOff}}}
"""


def created(ago: timedelta) -> str:
    return f", creationTimestamp: '{(NOW - ago).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: v1, kind: Pod, metadata: {name: test, generation: 1}}",
            in_progress("PodNotObserved", "Pod phase not available"),
            id="upstream-podNoStatus",
        ),
        pytest.param(POD_RUNNING_READY, current("Pod is Ready"), id="upstream-podReady"),
        pytest.param(POD_SUCCEEDED, current("Pod has completed successfully"), id="upstream-podCompletedSuccessfully"),
        pytest.param(POD_FAILED, current("Pod has completed, but not successfully"), id="upstream-podCompletedFailed"),
        pytest.param(
            POD_UNSCHEDULABLE % created(timedelta(seconds=5)),
            in_progress("PodNotScheduled", "Pod has not been scheduled"),
            id="upstream-podBeingScheduled",
        ),
        pytest.param(
            POD_UNSCHEDULABLE % "",
            failed("PodUnschedulable", "Pod could not be scheduled"),
            id="upstream-podUnschedulable",
        ),
        pytest.param(
            POD_CRASH_LOOPING,
            failed("ContainerCrashLooping", "Containers in CrashLoop state: nginx"),
            id="upstream-podCrashLooping",
        ),
        pytest.param(
            POD_UNSCHEDULABLE % created(timedelta(seconds=16)),
            failed("PodUnschedulable", "Pod could not be scheduled"),
            id="unschedulable-past-the-15s-window-fails",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Pod, metadata: {name: t}, status: {phase: Running}}",
            in_progress("PodRunningNotReady", "Pod is running but is not Ready"),
            id="running-not-ready-is-in-progress",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Pod, metadata: {name: t}, status: {phase: Pending}}",
            in_progress("PodPending", "Pod is in the Pending phase"),
            id="pending-and-schedulable-is-in-progress",
        ),
        pytest.param(
            "{apiVersion: v1, kind: Pod, metadata: {name: t}, status: {phase: Weird}}",
            ObjectStatus.unknown("unknown phase Weird"),
            id="unknown-phase-is-unknown",
        ),
    ],
)
def test_pod_status_follows_phase_readiness_and_scheduling(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


def test_pod_crash_loop_message_lists_every_looping_container_in_order() -> None:
    pod = yaml.safe_load(POD_CRASH_LOOPING)
    pod["status"]["containerStatuses"] = [
        {"name": "a", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
        {"name": "b", "state": {"running": {}}},
        {"name": "c", "state": {"waiting": {"reason": "CrashLoopBackOff"}}},
    ]
    assert compute(pod, now=NOW).message == "Containers in CrashLoop state: a,c"


def sts(spec: str, status: str) -> str:
    return f"""
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: test, namespace: qual, generation: 1}}
spec: {spec}
status: {status}
"""


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: apps/v1, kind: StatefulSet, metadata: {generation: 1, name: test}}",
            in_progress("LessReplicas", "Replicas: 0/1"),
            id="upstream-stsNoStatus",
        ),
        pytest.param(
            sts("{}", "{observedGeneration: 1, currentReplicas: 1}"),
            in_progress("LessReplicas", "Replicas: 0/1"),
            id="upstream-stsBadStatus",
        ),
        pytest.param(
            sts("{replicas: 4}", "{observedGeneration: 1, currentReplicas: 4, readyReplicas: 4, replicas: 4}"),
            current("All replicas scheduled as expected. Replicas: 4"),
            id="upstream-stsOK",
        ),
        pytest.param(
            sts("{replicas: 4}", "{observedGeneration: 1, currentReplicas: 4, readyReplicas: 2, replicas: 4}"),
            in_progress("LessReady", "Ready: 2/4"),
            id="upstream-stsLessReady",
        ),
        pytest.param(
            sts("{replicas: 4}", "{observedGeneration: 1, currentReplicas: 2, readyReplicas: 4, replicas: 4}"),
            in_progress("LessCurrent", "current: 2/4"),
            id="upstream-stsLessCurrent",
        ),
        pytest.param(
            sts("{replicas: 4}", "{observedGeneration: 1, currentReplicas: 4, readyReplicas: 4, replicas: 8}"),
            in_progress("ExtraPods", "Pending termination: 4"),
            id="upstream-stsExtraPods",
        ),
        pytest.param(
            sts("{replicas: 4, updateStrategy: {type: OnDelete}}", "{observedGeneration: 1}"),
            current("StatefulSet is using the ondelete update strategy"),
            id="on-delete-strategy-is-always-current",
        ),
        pytest.param(
            sts(
                "{replicas: 4, updateStrategy: {rollingUpdate: {partition: 2}}}",
                "{readyReplicas: 4, replicas: 4, updatedReplicas: 1}",
            ),
            in_progress("PartitionRollout", "updated: 1/2"),
            id="partition-waits-for-pods-above-it",
        ),
        pytest.param(
            sts(
                "{replicas: 4, updateStrategy: {rollingUpdate: {partition: 2}}}",
                "{readyReplicas: 4, replicas: 4, updatedReplicas: 2, currentReplicas: 0}",
            ),
            current("Partition rollout complete. updated: 2"),
            id="partition-rolled-out-is-current",
        ),
        pytest.param(
            sts(
                "{replicas: 2}",
                "{readyReplicas: 2, replicas: 2, currentReplicas: 2, currentRevision: a, updateRevision: b}",
            ),
            in_progress("RevisionMismatch", "Waiting for updated revision to match current"),
            id="revision-mismatch-is-in-progress",
        ),
    ],
)
def test_statefulset_status_compares_replica_counters(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


def ds(generation: int, status: str) -> str:
    return f"""
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: test, namespace: qual, generation: {generation}}}
status: {status}
"""


DS_ALL_FOUR = "desiredNumberScheduled: 4, currentNumberScheduled: 4, updatedNumberScheduled: 4"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: test, generation: 1}}",
            in_progress("NoObservedGeneration", "DaemonSet status.observedGeneration not found"),
            id="upstream-dsNoStatus",
        ),
        pytest.param(
            ds(1, "{observedGeneration: 1, currentReplicas: 1}"),
            in_progress("NoDesiredNumber", "Missing .status.desiredNumberScheduled"),
            id="upstream-dsBadStatus",
        ),
        pytest.param(
            ds(1, f"{{{DS_ALL_FOUR}, numberAvailable: 4, numberReady: 4, observedGeneration: 1}}"),
            current("All replicas scheduled as expected. Replicas: 4"),
            id="upstream-dsOK",
        ),
        pytest.param(
            ds(1, f"{{observedGeneration: 1, {DS_ALL_FOUR}, numberAvailable: 4, numberReady: 2}}"),
            in_progress("LessReady", "Ready: 2/4"),
            id="upstream-dsLessReady",
        ),
        pytest.param(
            ds(2, f"{{{DS_ALL_FOUR}, numberAvailable: 4, numberReady: 4, observedGeneration: 1}}"),
            in_progress(
                "LatestGenerationNotObserved", "DaemonSet generation is 2, but latest observed generation is 1"
            ),
            id="upstream-dsDifferentGeneration",
        ),
        pytest.param(
            ds(1, f"{{observedGeneration: 1, {DS_ALL_FOUR}, numberAvailable: 2, numberReady: 4}}"),
            in_progress("LessAvailable", "Available: 2/4"),
            id="upstream-dsLessAvailable",
        ),
        pytest.param(
            "{apiVersion: apps/v1, kind: DaemonSet, metadata: {name: t}, status: {observedGeneration: 1}}",
            in_progress("NoGeneration", "DaemonSet metadata.generation not found"),
            id="missing-generation-is-in-progress",
        ),
        pytest.param(
            ds(1, "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 1}"),
            in_progress("LessCurrent", "Current: 1/3"),
            id="fewer-current-than-desired",
        ),
        pytest.param(
            ds(1, "{observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 3}"),
            in_progress("LessUpdated", "Updated: 0/3"),
            id="fewer-updated-than-desired",
        ),
        pytest.param(
            "{apiVersion: extensions/v1beta1, kind: DaemonSet, metadata: {name: t}}",
            in_progress("NoGeneration", "DaemonSet metadata.generation not found"),
            id="extensions-group-uses-the-same-rule",
        ),
    ],
)
def test_daemonset_status_requires_observed_generation_and_scheduled_pods(
    manifest: str, expected: ObjectStatus
) -> None:
    assert status_of(manifest) == expected


def dep(spec: str, status: str) -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: test, namespace: qual, generation: 1}}
spec: {spec}
status: {status}
"""


DEP_ONE_OF_ONE = "observedGeneration: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1, replicas: 1"
NEW_RS_AVAILABLE = "{type: Progressing, status: 'True', reason: NewReplicaSetAvailable}"


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: apps/v1, kind: Deployment, metadata: {name: test, generation: 1}}",
            in_progress("LessReplicas", "Replicas: 0/1"),
            id="upstream-depNoStatus",
        ),
        pytest.param(
            dep("{}", f"{{{DEP_ONE_OF_ONE}, conditions: [{NEW_RS_AVAILABLE}, {{type: Available, status: 'True'}}]}}"),
            current("Deployment is available. Replicas: 1"),
            id="upstream-depOK",
        ),
        pytest.param(
            dep(
                "{progressDeadlineSeconds: 45}",
                f"{{{DEP_ONE_OF_ONE}, conditions: [{{type: Progressing, status: 'False', reason: Some reason}},"
                " {type: Available, status: 'True'}]}",
            ),
            in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available"),
            id="upstream-depNotProgressing",
        ),
        pytest.param(
            dep("{}", f"{{{DEP_ONE_OF_ONE}, conditions: [{{type: Available, status: 'True'}}]}}"),
            current("Deployment is available. Replicas: 1"),
            id="upstream-depNoProgressDeadlineSeconds",
        ),
        pytest.param(
            dep("{}", f"{{{DEP_ONE_OF_ONE}, conditions: [{NEW_RS_AVAILABLE}, {{type: Available, status: 'False'}}]}}"),
            in_progress("DeploymentNotAvailable", "Deployment not Available"),
            id="upstream-depNotAvailable",
        ),
        pytest.param(
            dep("{replicas: 2}", "{replicas: 2, updatedReplicas: 1}"),
            in_progress("LessUpdated", "Updated: 1/2"),
            id="fewer-updated-than-wanted",
        ),
        pytest.param(
            dep("{replicas: 2}", "{replicas: 3, updatedReplicas: 2}"),
            in_progress("ExtraPods", "Pending termination: 1"),
            id="old-pods-still-terminating",
        ),
        pytest.param(
            dep("{replicas: 2}", "{replicas: 2, updatedReplicas: 2, availableReplicas: 1}"),
            in_progress("LessAvailable", "Available: 1/2"),
            id="fewer-available-than-updated",
        ),
        pytest.param(
            dep("{replicas: 2}", "{replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 1}"),
            in_progress("LessReady", "Ready: 1/2"),
            id="fewer-ready-than-wanted",
        ),
        pytest.param(
            dep(
                "{replicas: 2, progressDeadlineSeconds: 2147483647}",
                "{replicas: 2, updatedReplicas: 2, availableReplicas: 2, readyReplicas: 2,"
                " conditions: [{type: Available, status: 'True'}]}",
            ),
            current("Deployment is available. Replicas: 2"),
            id="max-int32-deadline-means-no-deadline",
        ),
    ],
)
def test_deployment_status_waits_for_a_complete_rollout(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


def test_deployment_past_its_progress_deadline_fails_with_the_controllers_reason() -> None:
    manifest = dep(
        "{replicas: 2}",
        "{replicas: 2, conditions: [{type: Progressing, status: 'False', reason: ProgressDeadlineExceeded,"
        " message: 'ReplicaSet \"web-1\" has timed out progressing.'}]}",
    )
    stalled = StatusCondition(
        type="Stalled", reason="ProgressDeadlineExceeded", message='ReplicaSet "web-1" has timed out progressing.'
    )
    assert status_of(manifest) == ObjectStatus(Status.FAILED, "Progress deadline exceeded", (stalled,))


def rs(replicas: int, status: str) -> str:
    return f"""
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: test, namespace: qual, generation: 1}}
spec: {{replicas: {replicas}}}
status: {status}
"""


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: apps/v1, kind: ReplicaSet, metadata: {name: test, generation: 1}}",
            in_progress("LessLabelled", "Labelled: 0/1"),
            id="upstream-rsNoStatus",
        ),
        pytest.param(
            rs(
                2,
                "{observedGeneration: 1, replicas: 2, readyReplicas: 2, availableReplicas: 2, fullyLabeledReplicas: 2,"
                " conditions: [{type: ReplicaFailure, status: 'False'}]}",
            ),
            current("ReplicaSet is available. Replicas: 2"),
            id="upstream-rsOK1",
        ),
        pytest.param(
            rs(
                2,
                "{observedGeneration: 1, fullyLabeledReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2}",
            ),
            current("ReplicaSet is available. Replicas: 2"),
            id="upstream-rsOK2",
        ),
        pytest.param(
            rs(
                4,
                "{observedGeneration: 1, replicas: 4, readyReplicas: 4, availableReplicas: 2, fullyLabeledReplicas: 4}",
            ),
            in_progress("LessAvailable", "Available: 2/4"),
            id="upstream-rsLessAvailable",
        ),
        pytest.param(
            rs(
                4,
                "{observedGeneration: 1, replicas: 4, readyReplicas: 2, availableReplicas: 4, fullyLabeledReplicas: 4}",
            ),
            in_progress("LessReady", "Ready: 2/4"),
            id="upstream-rsLessReady",
        ),
        pytest.param(
            rs(
                4,
                "{observedGeneration: 1, replicas: 4, readyReplicas: 4, fullyLabeledReplicas: 4, availableReplicas: 4,"
                " conditions: [{type: ReplicaFailure, status: 'True'}]}",
            ),
            in_progress("ReplicaFailure", "Replica Failure condition. Check Pods"),
            id="upstream-rsReplicaFailure",
        ),
        pytest.param(
            rs(1, "{replicas: 2, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 1}"),
            in_progress("ExtraPods", "Pending termination: 1"),
            id="extra-pods-still-terminating",
        ),
    ],
)
def test_replicaset_status_compares_replica_counters(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected


def job(spec: str, status: str) -> str:
    return f"""
apiVersion: batch/v1
kind: Job
metadata: {{name: test, namespace: qual, generation: 1}}
spec: {spec}
status: {status}
"""


@pytest.mark.parametrize(
    ("manifest", "expected"),
    [
        pytest.param(
            "{apiVersion: batch/v1, kind: Job, metadata: {name: test, namespace: qual, generation: 1}}",
            in_progress("JobNotStarted", "Job not started"),
            id="upstream-jobNoStatus",
        ),
        pytest.param(
            job("{}", "{succeeded: 1, active: 0, conditions: [{type: Complete, status: 'True'}]}"),
            current("Job Completed. succeeded: 1/1"),
            id="upstream-jobComplete",
        ),
        pytest.param(
            job(
                "{completions: 4}",
                "{succeeded: 3, failed: 1, conditions: [{type: Failed, status: 'True', reason: JobFailed}]}",
            ),
            failed("JobFailed", "Job Failed. failed: 1/4"),
            id="upstream-jobFailed",
        ),
        pytest.param(
            job(
                "{completions: 10, parallelism: 2}",
                "{startTime: '2019-06-04T01:17:13Z', succeeded: 3, failed: 1, active: 2,"
                " conditions: [{type: Failed, status: 'False'}, {type: Complete, status: 'False'}]}",
            ),
            current("Job in progress. success:3, active: 2, failed: 1"),
            id="upstream-jobInProgress",
        ),
        pytest.param(
            job("{suspend: true}", "{conditions: [{type: Suspended, status: 'True'}]}"),
            current("Job is suspended"),
            id="upstream-TestSuspendedJobConditions",
        ),
        pytest.param(
            job("{suspend: false}", "{conditions: [{type: Suspended, status: 'False'}]}"),
            in_progress("JobNotStarted", "Job not started"),
            id="upstream-TestPreviouslySuspendedJobConditions",
        ),
        pytest.param(
            job("{suspend: true}", "{conditions: [{type: Suspended, status: 'False'}]}"),
            in_progress("JobNotStarted", "Job not started"),
            id="upstream-TestSuspendedJobTransitionConditions-to-suspended",
        ),
        pytest.param(
            job("{suspend: false}", "{conditions: [{type: Suspended, status: 'True'}]}"),
            in_progress("JobNotStarted", "Job not started"),
            id="upstream-TestSuspendedJobTransitionConditions-from-suspended",
        ),
        pytest.param(
            job("{parallelism: 3}", "{succeeded: 3, conditions: [{type: Complete, status: 'True'}]}"),
            current("Job Completed. succeeded: 3/3"),
            id="completions-default-to-parallelism",
        ),
    ],
)
def test_job_status_is_current_once_started_and_failed_on_failure(manifest: str, expected: ObjectStatus) -> None:
    assert status_of(manifest) == expected
