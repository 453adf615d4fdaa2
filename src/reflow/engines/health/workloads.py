"""Rules for the kinds that run pods: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job and Pod.

Each rule compares the counters the controller reports under `.status` with what the spec asks for and
returns InProgress at the first shortfall, naming it in the message; replica counts default as the
controllers default them (`spec.replicas` is 1 when unset, status counters 0).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from reflow.api.conditions import STALLED
from reflow.api.meta import Manifest

from .fields import (
    MalformedObject,
    bool_field,
    conditions,
    creation_time,
    find_condition,
    int_field,
    lookup,
    str_field,
)
from .generic import generation_recorded
from .status import ObjectStatus, Status, StatusCondition

# The Deployment controller treats this value of progressDeadlineSeconds as "no deadline", and then
# never reports a Progressing condition that could end the rollout.
NO_PROGRESS_DEADLINE = 2**31 - 1

# How long a Pod may sit unschedulable before that counts as a failure rather than a wait.
SCHEDULE_WINDOW = timedelta(seconds=15)


def deployment_status(obj: Manifest) -> ObjectStatus:
    """Current once the rollout is complete: all replicas updated, available and ready, no extra pods."""
    progressing = int_field(obj, "spec.progressDeadlineSeconds", NO_PROGRESS_DEADLINE) == NO_PROGRESS_DEADLINE
    available = False
    for condition in conditions(obj):
        if condition.type == "Progressing":
            if condition.reason == "ProgressDeadlineExceeded":
                stalled = StatusCondition(type=STALLED, reason=condition.reason, message=condition.message)
                return ObjectStatus(Status.FAILED, "Progress deadline exceeded", (stalled,))
            if condition.status == "True" and condition.reason == "NewReplicaSetAvailable":
                progressing = True
        elif condition.type == "Available" and condition.status == "True":
            available = True

    wanted = int_field(obj, "spec.replicas", 1)
    replicas = int_field(obj, "status.replicas", 0)
    updated = int_field(obj, "status.updatedReplicas", 0)
    ready = int_field(obj, "status.readyReplicas", 0)
    available_replicas = int_field(obj, "status.availableReplicas", 0)

    if wanted > replicas:
        return ObjectStatus.in_progress("LessReplicas", f"Replicas: {replicas}/{wanted}")
    if wanted > updated:
        return ObjectStatus.in_progress("LessUpdated", f"Updated: {updated}/{wanted}")
    if replicas > wanted:
        return ObjectStatus.in_progress("ExtraPods", f"Pending termination: {replicas - wanted}")
    if updated > available_replicas:
        return ObjectStatus.in_progress("LessAvailable", f"Available: {available_replicas}/{updated}")
    if wanted > ready:
        return ObjectStatus.in_progress("LessReady", f"Ready: {ready}/{wanted}")
    if not progressing:
        return ObjectStatus.in_progress("ReplicaSetNotAvailable", "ReplicaSet not Available")
    if not available:
        return ObjectStatus.in_progress("DeploymentNotAvailable", "Deployment not Available")
    return ObjectStatus.current(f"Deployment is available. Replicas: {replicas}")


def replicaset_status(obj: Manifest) -> ObjectStatus:
    """Current once every wanted replica is labelled, available and ready and no extra pods remain."""
    if find_condition(conditions(obj), "ReplicaFailure", "True"):
        return ObjectStatus.in_progress("ReplicaFailure", "Replica Failure condition. Check Pods")

    wanted = int_field(obj, "spec.replicas", 1)
    replicas = int_field(obj, "status.replicas", 0)
    ready = int_field(obj, "status.readyReplicas", 0)
    available = int_field(obj, "status.availableReplicas", 0)
    labelled = int_field(obj, "status.fullyLabeledReplicas", 0)

    if wanted > labelled:
        return ObjectStatus.in_progress("LessLabelled", f"Labelled: {labelled}/{wanted}")
    if wanted > available:
        return ObjectStatus.in_progress("LessAvailable", f"Available: {available}/{wanted}")
    if wanted > ready:
        return ObjectStatus.in_progress("LessReady", f"Ready: {ready}/{wanted}")
    if replicas > wanted:
        return ObjectStatus.in_progress("ExtraPods", f"Pending termination: {replicas - wanted}")
    return ObjectStatus.current(f"ReplicaSet is available. Replicas: {replicas}")


def statefulset_status(obj: Manifest) -> ObjectStatus:
    """Current once all replicas are ready on the update revision (or the partition is rolled out).

    The StatefulSet controller sets no conditions, so a failed rollout cannot be told from a slow one:
    this rule never returns Failed. With the OnDelete strategy the user drives updates, so it is
    always Current.
    """
    if str_field(obj, "spec.updateStrategy.type", "") == "OnDelete":
        return ObjectStatus.current("StatefulSet is using the ondelete update strategy")

    wanted = int_field(obj, "spec.replicas", 1)
    ready = int_field(obj, "status.readyReplicas", 0)
    current = int_field(obj, "status.currentReplicas", 0)
    updated = int_field(obj, "status.updatedReplicas", 0)
    replicas = int_field(obj, "status.replicas", 0)
    partition = int_field(obj, "spec.updateStrategy.rollingUpdate.partition", -1)

    if wanted > replicas:
        return ObjectStatus.in_progress("LessReplicas", f"Replicas: {replicas}/{wanted}")
    if wanted > ready:
        return ObjectStatus.in_progress("LessReady", f"Ready: {ready}/{wanted}")
    if replicas > wanted:
        return ObjectStatus.in_progress("ExtraPods", f"Pending termination: {replicas - wanted}")
    if partition != -1:
        if updated < wanted - partition:
            return ObjectStatus.in_progress("PartitionRollout", f"updated: {updated}/{wanted - partition}")
        return ObjectStatus.current(f"Partition rollout complete. updated: {updated}")
    if wanted > current:
        return ObjectStatus.in_progress("LessCurrent", f"current: {current}/{wanted}")
    if str_field(obj, "status.currentRevision", "") != str_field(obj, "status.updateRevision", ""):
        return ObjectStatus.in_progress("RevisionMismatch", "Waiting for updated revision to match current")
    return ObjectStatus.current(f"All replicas scheduled as expected. Replicas: {replicas}")


def daemonset_status(obj: Manifest) -> ObjectStatus:
    """Current once every node that should run a pod has an updated, available, ready one.

    Unlike the generic check, both generation fields must be present: the DaemonSet controller always
    records them once it has seen the object.
    """
    unseen = generation_recorded(obj)
    if unseen:
        return unseen

    desired = int_field(obj, "status.desiredNumberScheduled", -1)
    current = int_field(obj, "status.currentNumberScheduled", 0)
    updated = int_field(obj, "status.updatedNumberScheduled", 0)
    available = int_field(obj, "status.numberAvailable", 0)
    ready = int_field(obj, "status.numberReady", 0)

    if desired == -1:
        return ObjectStatus.in_progress("NoDesiredNumber", "Missing .status.desiredNumberScheduled")
    if desired > current:
        return ObjectStatus.in_progress("LessCurrent", f"Current: {current}/{desired}")
    if desired > updated:
        return ObjectStatus.in_progress("LessUpdated", f"Updated: {updated}/{desired}")
    if desired > available:
        return ObjectStatus.in_progress("LessAvailable", f"Available: {available}/{desired}")
    if desired > ready:
        return ObjectStatus.in_progress("LessReady", f"Ready: {ready}/{desired}")
    return ObjectStatus.current(f"All replicas scheduled as expected. Replicas: {desired}")


def job_status(obj: Manifest) -> ObjectStatus:
    """kstatus's Job rule: InProgress until started, then Current while running and once complete.

    Failed when the `Failed` condition is True. A suspended Job (`spec.suspend` and a True `Suspended`
    condition) is Current. Flux replaces this rule in its health checks; see `flux.job_completion`.
    """
    parallelism = int_field(obj, "spec.parallelism", 1)
    completions = int_field(obj, "spec.completions", parallelism)
    succeeded = int_field(obj, "status.succeeded", 0)
    active = int_field(obj, "status.active", 0)
    failed = int_field(obj, "status.failed", 0)
    suspended = bool_field(obj, "spec.suspend", False)

    for condition in conditions(obj):
        if condition.status != "True":
            continue
        if condition.type == "Complete":
            return ObjectStatus.current(f"Job Completed. succeeded: {succeeded}/{completions}")
        if condition.type == "Failed":
            return ObjectStatus.failed("JobFailed", f"Job Failed. failed: {failed}/{completions}")
        if condition.type == "Suspended" and suspended:
            return ObjectStatus.current("Job is suspended")

    if not str_field(obj, "status.startTime", ""):
        return ObjectStatus.in_progress("JobNotStarted", "Job not started")
    return ObjectStatus.current(f"Job in progress. success:{succeeded}, active: {active}, failed: {failed}")


def pod_status(obj: Manifest, now: datetime) -> ObjectStatus:
    """Current when Ready or finished (either way); Failed when crash-looping or unschedulable for too long.

    `now` decides whether an unschedulable Pod is still inside its scheduling window; a Pod without a
    creation timestamp is judged as long past it.
    """
    observed = conditions(obj)
    phase = str_field(obj, "status.phase", "")
    if phase == "Succeeded":
        return ObjectStatus.current("Pod has completed successfully")
    if phase == "Failed":
        return ObjectStatus.current("Pod has completed, but not successfully")
    if phase == "Running":
        if find_condition(observed, "Ready", "True"):
            return ObjectStatus.current("Pod is Ready")
        crash_looping = crash_looping_containers(obj)
        if crash_looping:
            message = f"Containers in CrashLoop state: {','.join(crash_looping)}"
            return ObjectStatus.failed("ContainerCrashLooping", message)
        return ObjectStatus.in_progress("PodRunningNotReady", "Pod is running but is not Ready")
    if phase == "Pending":
        scheduled = find_condition(observed, "PodScheduled", "False")
        if scheduled and scheduled.reason == "Unschedulable":
            created = creation_time(obj)
            if created is not None and now - SCHEDULE_WINDOW < created:
                return ObjectStatus.in_progress("PodNotScheduled", "Pod has not been scheduled")
            return ObjectStatus.failed("PodUnschedulable", "Pod could not be scheduled")
        return ObjectStatus.in_progress("PodPending", "Pod is in the Pending phase")
    if phase == "":
        return ObjectStatus.in_progress("PodNotObserved", "Pod phase not available")
    raise MalformedObject(f"unknown phase {phase}")


def crash_looping_containers(obj: Manifest) -> list[str]:
    """Names of the containers waiting in CrashLoopBackOff, in `status.containerStatuses` order."""
    statuses, found = lookup(obj, "status.containerStatuses")
    if not found or statuses is None:
        return []
    if not isinstance(statuses, list):
        raise MalformedObject("status.containerStatuses is not a list")
    names = []
    for entry in statuses:
        if not isinstance(entry, dict):
            raise MalformedObject("status.containerStatuses holds an entry that is not an object")
        name = entry.get("name")
        reason, _ = lookup(entry, "state.waiting.reason")
        if isinstance(name, str) and reason == "CrashLoopBackOff":
            names.append(name)
    return names
