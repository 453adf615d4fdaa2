"""Rules that apply to any kind: deletion, observed generation, and the standard conditions.

These run before the per-kind rules (deletion, generation, `Reconciling`/`Stalled`) or after them, for
kinds without rules of their own (`Ready`). Flux's own kinds are judged entirely here: they record
`observedGeneration`, keep `Reconciling`/`Stalled` only while True, and always carry `Ready`.
"""

from __future__ import annotations

from reflow.api.conditions import READY, RECONCILING, STALLED
from reflow.api.meta import Manifest

from .fields import conditions, kind_of, strict_int, strict_str
from .status import ObjectStatus, Status, StatusCondition


def deletion(obj: Manifest) -> ObjectStatus | None:
    """Terminating once the object has a deletion timestamp, whatever else it says."""
    if strict_str(obj, "metadata.deletionTimestamp"):
        return ObjectStatus(Status.TERMINATING, "Resource scheduled for deletion")
    return None


def generation_lag(obj: Manifest) -> ObjectStatus | None:
    """InProgress while the controller has not yet seen the latest spec.

    Only decides when both `metadata.generation` and `status.observedGeneration` are present; kinds that
    record neither are given the benefit of the doubt.
    """
    generation = strict_int(obj, "metadata.generation")
    if generation is None:
        return None
    observed = strict_int(obj, "status.observedGeneration")
    if observed is None or observed == generation:
        return None
    message = f"{kind_of(obj)} generation is {generation}, but latest observed generation is {observed}"
    return ObjectStatus.in_progress("LatestGenerationNotObserved", message)


def generation_recorded(obj: Manifest) -> ObjectStatus | None:
    """InProgress while either generation field is missing, for kinds whose controller always sets both."""
    if strict_int(obj, "metadata.generation") is None:
        message = f"{kind_of(obj)} metadata.generation not found"
        return ObjectStatus.in_progress("NoGeneration", message)
    if strict_int(obj, "status.observedGeneration") is None:
        message = f"{kind_of(obj)} status.observedGeneration not found"
        return ObjectStatus.in_progress("NoObservedGeneration", message)
    return None


def abnormal_condition(obj: Manifest) -> ObjectStatus | None:
    """The first of `Reconciling=True` (InProgress) or `Stalled=True` (Failed), echoing its reason and message."""
    for condition in conditions(obj):
        if condition.status != "True" or condition.type not in (RECONCILING, STALLED):
            continue
        generated = StatusCondition(type=condition.type, reason=condition.reason, message=condition.message)
        status = Status.IN_PROGRESS if condition.type == RECONCILING else Status.FAILED
        return ObjectStatus(status, condition.message, (generated,))
    return None


def before_kind_rules(obj: Manifest) -> ObjectStatus | None:
    """The checks that win over any per-kind rule, in kstatus's order."""
    return deletion(obj) or generation_lag(obj) or abnormal_condition(obj)


def ready_condition(obj: Manifest) -> ObjectStatus | None:
    """The last resort for kinds without rules: the first `Ready` condition with a known status.

    True is Current. False and Unknown are both InProgress: a False `Ready` alone cannot tell a
    resource that is still working from one that will never succeed, so only `Stalled` makes it Failed.
    """
    for condition in conditions(obj):
        if condition.type != READY:
            continue
        if condition.status == "True":
            return ObjectStatus.current("Resource is Ready")
        if condition.status in ("False", "Unknown"):
            return ObjectStatus.in_progress(condition.reason, condition.message)
    return None
