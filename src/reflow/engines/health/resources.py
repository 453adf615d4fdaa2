"""Rules for the non-workload kinds with special cases: Service, PersistentVolumeClaim, PodDisruptionBudget,
CustomResourceDefinition, and the kinds that are ready as soon as they exist."""

from __future__ import annotations

from reflow.api.meta import Manifest

from .fields import conditions, str_field
from .status import ObjectStatus


def always_ready(obj: Manifest) -> ObjectStatus:
    """Kinds with nothing to wait for once stored (ConfigMap, Secret, CronJob)."""
    return ObjectStatus.current("Resource is always ready")


def service_status(obj: Manifest) -> ObjectStatus:
    """Current, except a LoadBalancer Service still waiting for its cluster IP."""
    if str_field(obj, "spec.type", "ClusterIP") == "LoadBalancer" and not str_field(obj, "spec.clusterIP", ""):
        return ObjectStatus.in_progress("NoIPAssigned", "ClusterIP not set. Service type: LoadBalancer")
    return ObjectStatus.current("Service is ready")


def pvc_status(obj: Manifest) -> ObjectStatus:
    """Current once the claim is Bound."""
    phase = str_field(obj, "status.phase", "unknown")
    if phase != "Bound":
        return ObjectStatus.in_progress("NotBound", f"PVC is not Bound. phase: {phase}")
    return ObjectStatus.current("PVC is Bound")


def pdb_status(obj: Manifest) -> ObjectStatus:
    """Current as soon as this rule is reached.

    The generic generation check has already passed, so the disruption controller has seen the latest
    spec and computed the allowed disruptions; it reports no condition when that computation fails.
    """
    return ObjectStatus.current("AllowedDisruptions has been computed.")


def crd_status(obj: Manifest) -> ObjectStatus:
    """Current once Established; Failed on a name conflict or when establishing failed for another reason."""
    for condition in conditions(obj):
        if condition.type == "NamesAccepted" and condition.status == "False":
            return ObjectStatus.failed(condition.reason, condition.message)
        if condition.type == "Established":
            if condition.status == "False" and condition.reason != "Installing":
                return ObjectStatus.failed(condition.reason, condition.message)
            if condition.status == "True":
                return ObjectStatus.current("CRD is established")
    return ObjectStatus.in_progress("Installing", "Install in progress")
