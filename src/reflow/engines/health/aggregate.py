"""The health check's decision over a set of objects: healthy, failed (with the message Flux gives), or waiting."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from reflow.api.meta import ObjectRef

from .status import ObjectStatus, Status


class Verdict(StrEnum):
    HEALTHY = "Healthy"
    IN_PROGRESS = "InProgress"
    FAILED = "Failed"


@dataclass(frozen=True, slots=True)
class Health:
    """The outcome of one look at the checked objects; `message` is empty when healthy."""

    verdict: Verdict
    message: str


def aggregate_status(statuses: Iterable[Status], desired: Status = Status.CURRENT) -> Status:
    """kstatus's roll-up of many statuses into one.

    Failed if any is Failed; otherwise Unknown if any is Unknown; otherwise `desired` if all are (or
    there are none); otherwise InProgress.
    """
    all_desired = True
    any_unknown = False
    for status in statuses:
        if status is Status.FAILED:
            return Status.FAILED
        any_unknown = any_unknown or status is Status.UNKNOWN
        all_desired = all_desired and status is desired
    if any_unknown:
        return Status.UNKNOWN
    return desired if all_desired else Status.IN_PROGRESS


def aggregate(
    observed: Mapping[ObjectRef, ObjectStatus | None],
    *,
    timed_out: bool = False,
    fail_fast: bool = True,
) -> Health:
    """Decide a health check from the latest status of each object (None: not observed yet).

    Healthy once every object is Current. With `fail_fast` (Flux's default) any Failed object fails the
    check at once; otherwise Failed objects are waited on like the rest. When `timed_out`, whatever is
    not Current fails the check. Failure messages match Flux's: `failed early due to stalled resources:
    [...]` or `timeout waiting for: [...]`, each entry `Kind/namespace/name status: 'Status'`. While
    waiting, the message lists what is not Current yet (reflow's own wording, for progress output).
    """
    statuses = [Status.UNKNOWN if s is None else s.status for s in observed.values()]
    if aggregate_status(statuses) is Status.CURRENT:
        return Health(Verdict.HEALTHY, "")
    if fail_fast and Status.FAILED in statuses and not timed_out:
        entries = [_entry(ref, s) for ref, s in observed.items() if s is None or s.status is Status.FAILED]
        return Health(Verdict.FAILED, f"failed early due to stalled resources: [{', '.join(entries)}]")
    entries = [_entry(ref, s) for ref, s in observed.items() if s is None or s.status is not Status.CURRENT]
    if timed_out:
        return Health(Verdict.FAILED, f"timeout waiting for: [{', '.join(entries)}]")
    return Health(Verdict.IN_PROGRESS, f"waiting for: [{', '.join(entries)}]")


def _entry(ref: ObjectRef, status: ObjectStatus | None) -> str:
    if status is None:
        return f"can't determine status for {ref}"
    entry = f"{ref} status: '{status.status}'"
    if status.status is Status.UNKNOWN and status.message:
        entry += f": {status.message}"
    return entry
