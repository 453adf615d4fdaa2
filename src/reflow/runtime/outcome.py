"""How a reconcile ended, decided once: the status and event to record, and when the object runs next."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reflow.api.meta import Manifest
from reflow.runtime.errors import ReconcileError
from reflow.runtime.events import NORMAL, RECONCILE
from reflow.runtime.result import Conditions, Notice, Result


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """How a reconcile ended, in the terms of the status and the event."""

    ready: bool
    reason: str
    message: str
    stalled: bool = False
    fields: dict[str, Any] | None = None
    conditions: Conditions | None = None
    event_type: str | None = None
    event_reason: str | None = None
    event_message: str | None = None
    event_metadata: dict[str, str] | None = None
    event_action: str = RECONCILE
    notices: tuple[Notice, ...] = ()
    """Normal events emitted after the outcome's event."""


def success(result: Result) -> Outcome:
    """The outcome of a successful reconcile: Ready=True with the result's message, and its event if any."""
    return Outcome(
        ready=True,
        reason=result.reason,
        message=result.ready,
        fields=dict(result.status),
        conditions=result.conditions,
        event_type=NORMAL if result.event else None,
        event_reason=result.event_reason or result.reason,
        event_message=result.event,
        event_metadata=dict(result.event_metadata),
        event_action=result.event_action,
        notices=result.notices,
    )


def failure(error: ReconcileError, event_type: str) -> Outcome:
    """The outcome of a failed reconcile: Ready=False with the error's reason, and the matching event."""
    return Outcome(
        ready=False,
        reason=error.reason,
        message=error.message,
        stalled=error.stalled,
        fields=dict(error.status),
        conditions=error.conditions,
        event_type=event_type,
        event_reason=error.reason,
        event_message=error.message,
    )


@dataclass(frozen=True, slots=True)
class Succeeded:
    """Run again after `interval` seconds, jittered; None: only when an event calls for it."""

    interval: float | None


@dataclass(frozen=True, slots=True)
class Waited:
    """Something else must happen first: run again after `requeue_after` seconds, without backoff."""

    requeue_after: float


@dataclass(frozen=True, slots=True)
class Stalled:
    """Retrying cannot help: no run until the spec (generation) changes."""


@dataclass(frozen=True, slots=True)
class Failed:
    """A reconcile error or a timeout: run again after `retry_interval` seconds; None: the queue's backoff."""

    retry_interval: float | None


@dataclass(frozen=True, slots=True)
class Crashed:
    """An unexpected exception: the queue's backoff, with the traceback in the log."""


Next = Succeeded | Waited | Stalled | Failed | Crashed
"""When the object runs next, by how its reconcile ended."""


@dataclass(frozen=True, slots=True)
class Ended:
    """A finished reconcile: what to record, when to run next, and the object as it stood after the progress writes."""

    outcome: Outcome
    next: Next
    live: Manifest

    @property
    def failed(self) -> bool:
        """Whether it counts as a reconcile error in the metrics."""
        return isinstance(self.next, Failed | Crashed)
