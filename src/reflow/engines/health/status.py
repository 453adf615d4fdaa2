"""The verdict on one object's health: a kstatus status, a message and the conditions it implies."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reflow.api.conditions import RECONCILING, STALLED


class Status(StrEnum):
    """The kstatus statuses; the values are the strings Flux prints and compares."""

    IN_PROGRESS = "InProgress"
    FAILED = "Failed"
    CURRENT = "Current"
    TERMINATING = "Terminating"
    NOT_FOUND = "NotFound"
    UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCondition:
    """A `Reconciling` or `Stalled` condition implied by the status; only ever generated with status True."""

    type: str
    status: str = "True"
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class ObjectStatus:
    """What the rules concluded about one object.

    `conditions` holds at most one entry: `Reconciling` for InProgress, `Stalled` for Failed, and none
    when the object is Current, Terminating or Unknown.
    """

    status: Status
    message: str
    conditions: tuple[StatusCondition, ...] = ()

    @classmethod
    def current(cls, message: str) -> ObjectStatus:
        return cls(Status.CURRENT, message)

    @classmethod
    def in_progress(cls, reason: str, message: str) -> ObjectStatus:
        """InProgress, with a `Reconciling` condition carrying the same reason and message."""
        return cls(Status.IN_PROGRESS, message, (StatusCondition(type=RECONCILING, reason=reason, message=message),))

    @classmethod
    def failed(cls, reason: str, message: str) -> ObjectStatus:
        """Failed, with a `Stalled` condition carrying the same reason and message."""
        return cls(Status.FAILED, message, (StatusCondition(type=STALLED, reason=reason, message=message),))

    @classmethod
    def unknown(cls, message: str) -> ObjectStatus:
        """The object could not be judged, usually because a field has the wrong type; `message` says why."""
        return cls(Status.UNKNOWN, message)
