"""kstatus's status computation: the generic checks, then the rule for the object's kind, then `Ready`.

The order is kstatus's: deletion, observed generation and `Reconciling`/`Stalled` settle it for every
kind; otherwise the kind's own rule does; kinds without one are judged by their `Ready` condition and,
without that, are Current.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial

from reflow.api.meta import Manifest

from .fields import MalformedObject, group_kind
from .generic import before_kind_rules, ready_condition
from .resources import always_ready, crd_status, pdb_status, pvc_status, service_status
from .status import ObjectStatus
from .workloads import (
    daemonset_status,
    deployment_status,
    job_status,
    pod_status,
    replicaset_status,
    statefulset_status,
)

Rule = Callable[[Manifest], ObjectStatus]

# Keyed by `group/Kind` (`Kind` alone in the core group); the version never matters. Pod is not
# here because its rule also needs the current time.
KIND_RULES: Mapping[str, Rule] = {
    "Service": service_status,
    "Secret": always_ready,
    "ConfigMap": always_ready,
    "PersistentVolumeClaim": pvc_status,
    "apps/StatefulSet": statefulset_status,
    "apps/DaemonSet": daemonset_status,
    "extensions/DaemonSet": daemonset_status,
    "apps/Deployment": deployment_status,
    "extensions/Deployment": deployment_status,
    "apps/ReplicaSet": replicaset_status,
    "extensions/ReplicaSet": replicaset_status,
    "policy/PodDisruptionBudget": pdb_status,
    "batch/CronJob": always_ready,
    "batch/Job": job_status,
    "apiextensions.k8s.io/CustomResourceDefinition": crd_status,
}


def kind_rule(obj: Manifest, now: datetime) -> Rule | None:
    """The per-kind rule for this object, if kstatus has one."""
    key = group_kind(obj)
    if key == "Pod":
        return partial(pod_status, now=now)
    return KIND_RULES.get(key)


def compute(obj: Manifest, *, now: datetime | None = None) -> ObjectStatus:
    """The kstatus status of a live object (a dict with its status), without touching the cluster.

    `now` only matters for a Pod that cannot be scheduled (it gets 15 seconds from its creation before
    that counts as Failed); it defaults to the current time. An object whose fields have the wrong
    types is Unknown, with the reason as the message, which is how kstatus's readers report it.
    """
    try:
        return _compute(obj, now or datetime.now(UTC))
    except MalformedObject as err:
        return ObjectStatus.unknown(str(err))


def _compute(obj: Manifest, now: datetime) -> ObjectStatus:
    decided = before_kind_rules(obj)
    if decided:
        return decided
    rule = kind_rule(obj, now)
    if rule:
        return rule(obj)
    return ready_condition(obj) or ObjectStatus.current("Resource is current")
