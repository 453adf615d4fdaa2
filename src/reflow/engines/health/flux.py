"""How Flux's health checks read status: kstatus for every kind except Job, which must run to completion.

kustomize-controller and helm-controller give the status poller one custom reader: a Job counts as
healthy only once it has completed, where plain kstatus already calls a running Job Current. That
reader replaces kstatus entirely for Jobs, so the generic checks (deletion, generation) do not apply
to them. Flux's own kinds need nothing special: they follow the conventions the generic rules read.
"""

from __future__ import annotations

from datetime import datetime

from reflow.api.meta import Manifest

from .compute import compute
from .fields import MalformedObject, conditions, group_kind, int_field
from .status import ObjectStatus


def job_completion(obj: Manifest) -> ObjectStatus:
    """Flux's Job rule: Current when `Complete` is True, Failed when `Failed` is True, else InProgress."""
    parallelism = int_field(obj, "spec.parallelism", 1)
    completions = int_field(obj, "spec.completions", parallelism)
    succeeded = int_field(obj, "status.succeeded", 0)
    failed = int_field(obj, "status.failed", 0)
    for condition in conditions(obj):
        if condition.status != "True":
            continue
        if condition.type == "Complete":
            return ObjectStatus.current(f"Job Completed. succeeded: {succeeded}/{completions}")
        if condition.type == "Failed":
            return ObjectStatus.failed("JobFailed", f"Job Failed. failed: {failed}/{completions}")
    return ObjectStatus.in_progress("JobInProgress", "Job in progress")


def is_job(obj: Manifest) -> bool:
    """A Job of any `batch/*` version."""
    return group_kind(obj) == "batch/Job"


def health_status(obj: Manifest, *, now: datetime | None = None) -> ObjectStatus:
    """The status a Flux health check sees for a live object; see `compute` for `now` and Unknown."""
    if not is_job(obj):
        return compute(obj, now=now)
    try:
        return job_completion(obj)
    except MalformedObject as err:
        return ObjectStatus.unknown(str(err))
